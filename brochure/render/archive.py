"""What a rendered file declares, written once for its kind (:mod:`brochure.kinds`) while it
is rendered, never declared and then stripped:

- XMP metadata repeating every entry of the document information (as PDF/A asks), with the
  PDF/UA-1 and PDF/A-2a identification when the kind claims them (and the extension schema
  PDF/A asks for the PDF/UA identification);
- the output intent: sRGB (an ICC profile made by Pillow's littleCMS, no file shipped or
  downloaded) giving device RGB its meaning in a file for readers; the press's registered
  printing condition (GTS_PDFX) in a print file, which also names its PDF/X version, trapping
  and layout in its document information.

The XMP and the sRGB profile are written as finished bytes, made once per process (per
metadata for the XMP), so a summary pays nothing for them after the first."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFInfo, PDFName, PDFString

from ..kinds import PDF_A_2A, PDF_UA_1, PDF_X_1A, READERS, OutputKind
from ..model.layout import Press
from ..text import escape
from .backend import document as pdf

SRGB_NAME = "sRGB IEC61966-2.1"
PDFA_PART, PDFA_CONFORMANCE = 2, "A"
PDFUA_PART = 1
PDFX_PDF_VERSION = (1, 3)
"""The version a print file declares for PDF/X-1a:2003, whatever ReportLab would (it asks for
1.4 on any colour with an alpha, even opaque; keys of later versions, such as the structure
tree's, are ignored by a PDF 1.3 reader)."""
LAYOUT_KEY = "BrochureLayout"
"""Document information entry naming the layout a print file was made for (for preflight)."""


@dataclass(frozen=True)
class Declaration:
    """What one file declares: the standards its kind claims, whether its pages carry link
    annotations and a tab order, and, for a print file, the press's printing condition and the
    layout's name."""

    standards: frozenset[str] = READERS
    links: bool = True
    press: Press | None = None
    layout: str = ""

    @classmethod
    def of(cls, kind: OutputKind, press: Press | None = None, layout: str = "") -> Declaration:
        """The declaration of a file of ``kind`` (a print file names its press and layout)."""
        if kind.for_press and press is None:
            raise ValueError(f"{kind.what} needs the press's printing condition")
        if not kind.for_press:
            return cls(kind.standards, kind.links)
        return cls(kind.standards, kind.links, press, layout)

    @property
    def tabs(self) -> bool:
        """Pages say their tab order (/Tabs, a PDF 1.5 key): not in a PDF/X-1a (1.3) file."""
        return PDF_X_1A not in self.standards


READERS_DECLARATION = Declaration()


def declare(doc, declaration: Declaration, language: str) -> None:
    """Write ``declaration`` into ReportLab document ``doc`` before it is saved: the XMP
    metadata, the output intent and, for PDF/X, the document information's entries."""
    catalog = pdf.catalog(doc)
    catalog.Metadata = pdf.register(doc, xmp_object(
        pdf.information(doc), pdf.timestamp(doc), language, declaration.standards),
        "XMPMetadata")
    pdf.allow_entries(catalog, "OutputIntents")
    catalog.OutputIntents = PDFArray([_intent(doc, declaration)])
    if declaration.press is not None:
        pdf.set_information(doc, _PressInfo(pdf.information(doc), {
            "GTS_PDFXVersion": PDF_X_1A, LAYOUT_KEY: declaration.layout}))


def _intent(doc, declaration: Declaration) -> PDFDictionary:
    press = declaration.press
    if press is None:
        return PDFDictionary({
            "Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": PDFString(SRGB_NAME), "Info": PDFString(SRGB_NAME),
            "DestOutputProfile": pdf.register(doc, srgb_object(), "sRGBProfile")})
    condition = press.output_condition_info or press.output_condition
    return PDFDictionary({
        "Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFX"),
        "OutputConditionIdentifier": PDFString(press.output_condition),
        "OutputCondition": PDFString(condition), "RegistryName": PDFString(press.registry),
        "Info": PDFString(condition)})


class _PressInfo(PDFInfo):
    """ReportLab's document information with entries of our own after its own (ReportLab's
    has no place for them): a print file's PDF/X version and layout."""

    def __init__(self, base: PDFInfo, extra: dict[str, str]):
        super().__init__()
        for name in ("title", "author", "subject", "keywords", "creator", "producer",
                     "trapped"):
            setattr(self, name, getattr(base, name))
        self.extra = extra

    def format(self, document) -> bytes:
        out = super().format(document)
        entries = b"".join(PDFName(key).encode("ascii") + b" "
                           + PDFString(value).format(document) + b"\n"
                           for key, value in self.extra.items())
        return out[:-2] + entries + out[-2:]


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


def xmp_object(info, stamp, language: str, standards: frozenset[str] = READERS) -> bytes:
    """The XMP metadata stream object's body for ReportLab's document information ``info``
    and timestamp ``stamp`` (the title is the document's kind, never a patient's), claiming
    ``standards`` (PDF/UA-1, PDF/A-2a: others are not declared in XMP)."""
    year, month, day, hour, minute, second = stamp.YMDhms
    date = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    zone = f"{stamp.dhh:+03d}:{stamp.dmm:02d}"
    return _xmp(info.title, info.author, info.subject, info.keywords, info.creator,
                info.producer, date + zone, language, _claims(standards))


def _claims(standards: frozenset[str]) -> str:
    """The XMP identification elements of ``standards``."""
    claims = []
    if PDF_A_2A in standards:
        claims += [f"<pdfaid:part>{PDFA_PART}</pdfaid:part>",
                   f"<pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>"]
    if PDF_UA_1 in standards:
        claims.append(f"<pdfuaid:part>{PDFUA_PART}</pdfuaid:part>")
    return "".join(f"\n   {claim}" for claim in claims)


@lru_cache(maxsize=64)
def _xmp(title: str, author: str, subject: str, keywords: str, creator: str, producer: str,
         date: str, language: str, claims: str) -> bytes:
    fields = {"title": title, "author": author, "subject": subject, "keywords": keywords,
              "creator": creator, "producer": producer, "date": date, "lang": language}
    xml = XMP.format(**{k: escape(v, quotes=False) for k, v in fields.items()},
                     claims=claims).encode("utf-8")
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
   <xmp:ModifyDate>{date}</xmp:ModifyDate>{claims}
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
