"""The PDF document behind our canvases: how it writes its objects, and what the tagger and
the font seeds ask of it (object numbers, the catalog, pages, the PDF version, dates).

Relies on ReportLab 5.x ``PDFDocument``: its ``format`` loop (``numberToId``,
``idToObjectNumberAndVersion``, ``idToObject``, ``idToOffset``, ``objectcounter``,
``PDFFile``, ``__accum__``), a stream's ``filters``, an image's ``_filters`` and
``streamContent``, ``Catalog``, ``Pages.pages``, ``_pdfVersion``, ``_timeStamp`` and a
dictionary class's ``__NoDefault__``.
"""

from __future__ import annotations

import zlib

from reportlab import rl_config
from reportlab.pdfbase.pdfdoc import (
    PDFCrossReferenceTable,
    PDFDocument,
    PDFFile,
    PDFImageXObject,
    PDFIndirectObject,
    PDFObjectReference,
    PDFStream,
    PDFStreamFilterBase85Encode,
    PDFStreamFilterZCompress,
    PDFTrailer,
)
from reportlab.pdfbase.pdfutils import asciiBase85Decode

PAGE_COMPRESSION = 3
"""zlib level of page content streams (1 fastest, 9 smallest; zlib's default is 6): compressing
a summary's two pages was a twentieth of its time; level 3 takes half as long and makes a
summary about 3 % larger (1 KB). Output stays deterministic."""


class Flate(PDFStreamFilterZCompress):
    """ReportLab's Flate filter at :data:`PAGE_COMPRESSION`."""

    def encode(self, text) -> bytes:
        if isinstance(text, str):
            text = text.encode("utf8")
        return zlib.compress(text, PAGE_COMPRESSION)


FLATE = Flate()

_STREAM_END = b"endstream\nendobj\n"


class BrochureDocument(PDFDocument):
    """A PDF document that writes its objects our way, whatever ``rl_config`` says (so a
    ReportLab program in the same process writes as it always does):

    - streams are never ASCII85-encoded (it makes files 25 % larger and slower to write), and
      streams ReportLab compresses are compressed at :data:`PAGE_COMPRESSION`;
    - every stream has an end-of-line before ``endstream`` (ReportLab writes none, so a stream
      whose data does not end in a newline breaks PDF/A-2's rule 6.1.7.1-2, and one whose
      data does seems a byte shorter than its /Length, rule 6.1.7.1-1);
    - an object registered as finished bytes (the structure elements) is written as it is,
      without ReportLab's generic formatting, which encodes each object's header through a text
      codec (a large share of writing a summary's hundred structure elements).

    Relies on ``PDFDocument.format`` of ReportLab 5.x, of which :meth:`format` is a copy with
    :meth:`write_object` in the middle."""

    def format(self) -> bytes:  # ReportLab 5.1's PDFDocument.format, objects written our way
        self.encrypt.prepare(self)
        cat, info = self.Catalog, self.info
        self.Reference(cat)
        self.Reference(info)
        encryptref = None
        encryptinfo = self.encrypt.info()
        if encryptinfo:
            encryptref = self.Reference(encryptinfo)
        counter, ids = 0, []
        numbertoid, offsets = self.numberToId, self.idToOffset
        self.__accum__ = file = PDFFile(self._pdfVersion)
        while True:
            counter += 1
            if counter not in numbertoid:
                break
            oid = numbertoid[counter]
            obj = self.idToObject[oid]
            formatted = self.write_object(oid, obj)
            if not rl_config.invariant and rl_config.pdfComments:
                file.add(f"% {oid!a}: class {type(obj).__name__[:50]} \n")
            offsets[oid] = file.add(formatted)
            ids.append(oid)
        del self.__accum__
        if counter - 1 != len(numbertoid):
            raise ValueError(f"counter {counter} doesn't match number to id dictionary "
                             f"{len(numbertoid)}")
        xref = PDFCrossReferenceTable()
        xref.addsection(0, ids)
        xrefoffset = file.add(xref.format(self))
        trailer = PDFTrailer(startxref=xrefoffset, Size=len(numbertoid) + 1,
                             Root=self.Reference(cat), Info=self.Reference(info),
                             Encrypt=encryptref, ID=self.ID())
        file.add(trailer.format(self))
        for signature in getattr(self, "_digiSigs", []):
            signature.sign(file)
        return file.format(self)

    def write_object(self, oid: str, obj) -> bytes:
        """One indirect object as bytes (see the class's docstring)."""
        if type(obj) is bytes:
            number, version = self.idToObjectNumberAndVersion[oid]
            self.encrypt.register(number, version)
            end = b"" if obj.endswith(b"\n") else b"\n"
            return b"%d %d obj\n%s%sendobj\n" % (number, version, obj, end)
        if isinstance(obj, PDFStream) and obj.filters:
            obj.filters = _our_filters(obj.filters)
        elif isinstance(obj, PDFImageXObject):
            _without_ascii85(obj)
        out = PDFIndirectObject(oid, obj).format(self)
        if out.endswith(_STREAM_END):
            out = out[:-len(_STREAM_END)] + b"\n" + _STREAM_END
        return out


def _our_filters(filters: list) -> list:
    """A stream's filters without ASCII85, with Flate at our level."""
    return [FLATE if isinstance(f, PDFStreamFilterZCompress) else f for f in filters
            if not isinstance(f, PDFStreamFilterBase85Encode)]


def _without_ascii85(image: PDFImageXObject) -> None:
    """An image ReportLab encoded in ASCII85 (``rl_config.useA85``, its default), decoded back:
    the same bytes ReportLab writes with ``useA85`` off."""
    filters = tuple(getattr(image, "_filters", ()))
    if filters[:1] == ("ASCII85Decode",):
        image.streamContent = asciiBase85Decode(image.streamContent)
        image._filters = filters[1:]


# -- what the tagger and the font seeds ask of a document -------------------------------------

def next_object_number(doc: PDFDocument) -> int:
    """The number the next object registered will get (``objectcounter``): ReportLab numbers
    objects in the order they are registered."""
    return doc.objectcounter + 1


def object_number(doc: PDFDocument, name: str) -> int:
    """The object number of the object registered as ``name``."""
    return doc.idToObjectNumberAndVersion[name][0]


def reference_number(doc: PDFDocument, reference: PDFObjectReference) -> int:
    """The object number a reference (an annotation's) points at."""
    return object_number(doc, reference.name)


def page_names(doc: PDFDocument) -> list[str]:
    """The registered names of the document's pages, in order (``Pages.pages``)."""
    return [f"Page{n + 1}" for n in range(len(doc.Pages.pages))]


def pages(doc: PDFDocument) -> list:
    """The document's page objects (``Pages.pages``)."""
    return doc.Pages.pages


def register(doc: PDFDocument, obj, name: str) -> PDFObjectReference:
    """Register ``obj`` (a PDF object, or finished bytes) as ``name``; its reference."""
    return doc.Reference(obj, name)


def catalog(doc: PDFDocument):
    """The document catalog (``Catalog``), whose entries may be set."""
    return doc.Catalog


def information(doc: PDFDocument):
    """The document information dictionary (``info``)."""
    return doc.info


def set_information(doc: PDFDocument, info) -> None:
    """Replace the document information dictionary (``info``)."""
    doc.info = info


def allow_entries(dictionary, *names: str) -> None:
    """Let a ReportLab dictionary object (a catalog, a page) write entries ``names`` that its
    class does not know: it writes only the keys its class lists in ``__NoDefault__``."""
    dictionary.__NoDefault__ = [*type(dictionary).__NoDefault__, *names]


def require_version(doc: PDFDocument, version: tuple[int, int]) -> None:
    """Declare at least PDF ``version`` (``_pdfVersion``)."""
    doc._pdfVersion = max(doc._pdfVersion, version)


def set_version(doc: PDFDocument, version: tuple[int, int]) -> None:
    """Declare exactly PDF ``version`` (``_pdfVersion``; PDF/X-1a's 1.3)."""
    doc._pdfVersion = version


def timestamp(doc: PDFDocument):
    """The document's dates (a ReportLab ``TimeStamp``, ``_timeStamp``)."""
    return doc._timeStamp


def set_timestamp(doc: PDFDocument, stamp) -> None:
    """Fix the document's dates (``_timeStamp``) to ``stamp``."""
    doc._timeStamp = stamp


def registered(doc: PDFDocument, name: str):
    """The object registered as ``name`` (``idToObject``)."""
    return doc.idToObject[name]
