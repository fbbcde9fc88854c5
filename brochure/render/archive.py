"""What makes a tagged document PDF/A-2a as well as PDF/UA-1, for archiving in a patient's
record: XMP metadata declaring both (with the extension schema PDF/A asks for the PDF/UA
identification) and repeating every entry of the document information, and the sRGB output
intent (an ICC profile made by Pillow's littleCMS, no file shipped or downloaded) that gives
device RGB its meaning.

Both objects are written as finished bytes, made once per process (per metadata for the XMP),
so a summary pays nothing for them after the first."""

from __future__ import annotations

import struct
from functools import lru_cache
from xml.sax.saxutils import escape

SRGB_NAME = "sRGB IEC61966-2.1"
PDFA_PART, PDFA_CONFORMANCE = 2, "A"
PDFUA_PART = 1


CLAIMS = {
    "pdfa": (b"<pdfaid:part>2</pdfaid:part>", b"<pdfaid:conformance>A</pdfaid:conformance>"),
    "pdfua": (b"<pdfuaid:part>1</pdfuaid:part>",),
}
"""The XMP elements by which a file declares PDF/A-2a and PDF/UA-1, as :data:`XMP` writes
them."""


def without_claims(xmp: bytes, *claims: str) -> bytes:
    """``xmp`` no longer declaring ``claims`` ("pdfa", "pdfua"): an encrypted file cannot be
    PDF/A, a print file (PDF/X-1a, PDF 1.3) is neither."""
    for claim in claims:
        for element in CLAIMS[claim]:
            xmp = xmp.replace(element, b"")
    return xmp


ICC_DATE = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
"""The creation date written into the ICC profile's header (littleCMS writes the time it
made the profile, which would make every file's bytes differ)."""


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """The sRGB ICC profile, made by littleCMS through Pillow, with a fixed creation date: the
    same bytes every time (its header's profile ID, when set, is the MD5 over the profile,
    which would include the date; littleCMS leaves it zero, and so does this)."""
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return icc[:24] + ICC_DATE + icc[36:84] + bytes(16) + icc[100:]


@lru_cache(maxsize=1)
def srgb_object() -> bytes:
    """The output intent's destination profile as a PDF stream object's body."""
    icc = srgb_profile()
    return b"<</N 3/Length %d>>stream\n%s\nendstream" % (len(icc), icc)


def xmp_object(info, stamp, language: str) -> bytes:
    """The XMP metadata stream object's body for ReportLab's document information ``info``
    and timestamp ``stamp`` (the title is the document's kind, never a patient's)."""
    year, month, day, hour, minute, second = stamp.YMDhms
    date = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    zone = f"{stamp.dhh:+03d}:{stamp.dmm:02d}"
    return _xmp(info.title, info.author, info.subject, info.keywords, info.creator,
                info.producer, date + zone, language)


@lru_cache(maxsize=64)
def _xmp(title: str, author: str, subject: str, keywords: str, creator: str, producer: str,
         date: str, language: str) -> bytes:
    fields = {"title": title, "author": author, "subject": subject, "keywords": keywords,
              "creator": creator, "producer": producer, "date": date, "lang": language}
    xml = XMP.format(**{k: escape(v) for k, v in fields.items()}, pdfa_part=PDFA_PART,
                     pdfa_conformance=PDFA_CONFORMANCE, pdfua_part=PDFUA_PART).encode("utf-8")
    return b"<</Type/Metadata/Subtype/XML/Length %d>>stream\n%s\nendstream" % (len(xml), xml)


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt>
   </dc:description>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <pdf:Producer>{producer}</pdf:Producer>
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <pdfaid:part>{pdfa_part}</pdfaid:part>
   <pdfaid:conformance>{pdfa_conformance}</pdfaid:conformance>
   <pdfuaid:part>{pdfua_part}</pdfuaid:part>
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource">
         <pdfaProperty:name>part</pdfaProperty:name>
         <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
         <pdfaProperty:category>internal</pdfaProperty:category>
         <pdfaProperty:description>The part of ISO 14289 (PDF/UA) the file follows
         </pdfaProperty:description>
        </rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
