"""The PDF document behind our canvases: how it writes its objects, and what the tagger and
the font seeds ask of it (object numbers, the catalog, pages, the PDF version, dates).

Relies on ReportLab 5.x ``PDFDocument``: its ``format`` loop (``numberToId``,
``idToObjectNumberAndVersion``, ``idToObject``, ``idToOffset``, ``objectcounter``, how
``Reference`` numbers an object and how ``PDFCrossReferenceTable`` writes,
``PDFFile``, ``__accum__``), a stream's ``filters``, an image's ``_filters`` and
``streamContent``, ``Catalog``, ``Pages.pages``, ``_pdfVersion``, ``_timeStamp`` and a
dictionary class's ``__NoDefault__``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any, Protocol, cast

from reportlab import rl_config
from reportlab.lib.rl_accel import asciiBase85Decode
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfdoc import (
    PDFDocument,
    PDFFile,
    PDFImageXObject,
    PDFIndirectObject,
    PDFInfo,
    PDFObject,
    PDFObjectReference,
    PDFStream,
    PDFStreamFilterBase85Encode,
    PDFStreamFilterZCompress,
    PDFTrailer,
)

from brochure.render.backend.writer import ObjectWriter

PAGE_COMPRESSION = 3
"""zlib level of page content streams (1 fastest, 9 smallest; zlib's default is 6): compressing
a summary's two pages was a twentieth of its time; level 3 takes half as long and makes a
summary about 3 % larger (1 KB). Output stays deterministic."""


class Entries(Protocol):
    """A ReportLab dictionary object (a catalog, a page): its PDF entries are its attributes,
    and it writes those its class lists in ``__NoDefault__`` (see :func:`allow_entries`)."""

    __NoDefault__: list[str]

    def __getattr__(self, name: str) -> Any: ...

    def __setattr__(self, name: str, value: object) -> None: ...


class _PageTree(Protocol):
    """ReportLab's ``PDFPages``, whose ``pages`` (``PDFPage`` objects) the stubs leave
    untyped."""

    pages: list[Entries]


class _Encryption(Protocol):
    """A document's ``encrypt``: ReportLab's ``NoEncryption`` (no dictionary) or
    ``StandardEncryption`` (the stubs type it as the former only)."""

    def info(self) -> PDFObject | None: ...


class _DocumentInternals(Protocol):
    """What of ReportLab 5.x's ``PDFDocument`` this package uses that its stubs do not declare
    (or leave untyped)."""

    Catalog: Entries
    Pages: _PageTree
    encrypt: _Encryption
    _pdfVersion: tuple[int, int]  # noqa: N815 - ReportLab's names
    _timeStamp: TimeStamp  # noqa: N815

    def Reference(self, obj: object,  # noqa: N802 - ReportLab's name
                  name: str | None = None) -> PDFObjectReference:
        """Register ``obj`` (a PDF object, or finished bytes when named) as ``name``, else
        as ``R`` and its number, once; its reference."""


def _internals(doc: PDFDocument) -> _DocumentInternals:
    """``doc`` with the attributes :class:`_DocumentInternals` lists (every ReportLab 5.x
    document has them; the stubs declare no private or undocumented attribute)."""
    return cast(_DocumentInternals, doc)


class Flate(PDFStreamFilterZCompress):
    """ReportLab's Flate filter at :data:`PAGE_COMPRESSION`."""

    def encode(self, text: str | bytes) -> bytes:
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

    - every other object is written by :class:`~.writer.ObjectWriter`: the bytes ReportLab
      writes, without its generic formatting of each value (``fast_writing`` off: by
      ReportLab's own code, which the writer's test compares it with).

    Relies on ``PDFDocument.format`` of ReportLab 5.x, of which :meth:`format` is a copy with
    :meth:`write_object` in the middle."""

    fast_writing = True
    writer: ObjectWriter | None = None

    def format(self) -> bytes:  # ReportLab 5.1's PDFDocument.format, objects written our way
        internals = _internals(self)
        self.encrypt.prepare(self)
        cat, info = internals.Catalog, self.info
        internals.Reference(cat)
        internals.Reference(info)
        encryptref = None
        encryptinfo = internals.encrypt.info()
        if encryptinfo:
            encryptref = internals.Reference(encryptinfo)
        counter, ids = 0, []
        numbertoid, offsets = self.numberToId, self.idToOffset
        self.writer = ObjectWriter(self) if self.fast_writing else None
        self.__accum__ = file = PDFFile(internals._pdfVersion)
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
        xrefoffset = file.add(_cross_references(self, ids))
        trailer = PDFTrailer(startxref=xrefoffset, Size=len(numbertoid) + 1,
                             Root=internals.Reference(cat), Info=internals.Reference(info),
                             Encrypt=encryptref, ID=self.ID())
        file.add(trailer.format(self))
        for signature in getattr(self, "_digiSigs", []):
            signature.sign(file)
        return file.format(self)

    def write_object(self, oid: str, obj: PDFObject | bytes) -> bytes:
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
        if self.writer is not None:
            out = self.writer.indirect(oid, cast(PDFObject, obj))
        else:
            out = PDFIndirectObject(oid, obj).format(self)
        if out.endswith(_STREAM_END):
            out = out[:-len(_STREAM_END)] + b"\n" + _STREAM_END
        return out


def _cross_references(doc: PDFDocument, ids: list[str]) -> bytes:
    """The cross-reference table of objects ``ids``, numbered 1 on in order, as ReportLab's
    ``PDFCrossReferenceTable`` writes it (one section from 0, object 0 free)."""
    offsets = doc.idToOffset
    lines = [b"%010d 00000 n " % offsets[oid] for oid in ids]
    return b"xref\n0 %d\n0000000000 65535 f \n%s\n" % (len(ids) + 1, b"\n".join(lines))


def _our_filters(filters: Iterable[object]) -> list[object]:
    """A stream's filters without ASCII85, with Flate at our level."""
    return [FLATE if isinstance(f, PDFStreamFilterZCompress) else f for f in filters
            if not isinstance(f, PDFStreamFilterBase85Encode)]


class _ImageInternals(Protocol):
    """ReportLab 5.x's ``PDFImageXObject`` as :func:`_without_ascii85` changes it: its
    ``_filters`` (not in the stubs) and its ``streamContent`` (ASCII85 text, or bytes)."""

    _filters: tuple[str, ...]
    streamContent: str | bytes  # noqa: N815 - ReportLab's name


def _without_ascii85(image: PDFImageXObject) -> None:
    """An image ReportLab encoded in ASCII85 (``rl_config.useA85``, its default), decoded back:
    the same bytes ReportLab writes with ``useA85`` off."""
    filters = tuple(getattr(image, "_filters", ()))
    if filters[:1] == ("ASCII85Decode",):
        internals = cast(_ImageInternals, image)
        internals.streamContent = asciiBase85Decode(internals.streamContent)
        internals._filters = filters[1:]


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
    return [f"Page{n + 1}" for n in range(len(_internals(doc).Pages.pages))]


def pages(doc: PDFDocument) -> list[Entries]:
    """The document's page objects (``Pages.pages``), whose entries may be set."""
    return _internals(doc).Pages.pages


def register(doc: PDFDocument, obj: PDFObject | bytes, name: str) -> PDFObjectReference:
    """Register ``obj`` (a PDF object, or finished bytes) as ``name``; its reference. Finished
    bytes under a new name are numbered as ReportLab's ``Reference`` numbers them, without its
    checks for objects (a summary registers a hundred structure elements)."""
    if type(obj) is bytes and name not in doc.idToObject:
        number = doc.objectcounter = doc.objectcounter + 1
        doc.idToObjectNumberAndVersion[name] = (number, 0)
        doc.numberToId[number] = name
        cast(dict[str, PDFObject | bytes], doc.idToObject)[name] = obj
        return PDFObjectReference(name)
    return _internals(doc).Reference(obj, name)


def catalog(doc: PDFDocument) -> Entries:
    """The document catalog (``Catalog``), whose entries may be set."""
    return _internals(doc).Catalog


def information(doc: PDFDocument) -> PDFInfo:
    """The document information dictionary (``info``)."""
    return doc.info


def set_information(doc: PDFDocument, info: PDFInfo) -> None:
    """Replace the document information dictionary (``info``)."""
    doc.info = info


def allow_entries(dictionary: Entries, *names: str) -> None:
    """Let a ReportLab dictionary object (a catalog, a page) write entries ``names`` that its
    class does not know: it writes only the keys its class lists in ``__NoDefault__``."""
    dictionary.__NoDefault__ = [*type(dictionary).__NoDefault__, *names]


def require_version(doc: PDFDocument, version: tuple[int, int]) -> None:
    """Declare at least PDF ``version`` (``_pdfVersion``)."""
    internals = _internals(doc)
    internals._pdfVersion = max(internals._pdfVersion, version)


def set_version(doc: PDFDocument, version: tuple[int, int]) -> None:
    """Declare exactly PDF ``version`` (``_pdfVersion``; PDF/X-1a's 1.3)."""
    _internals(doc)._pdfVersion = version


def timestamp(doc: PDFDocument) -> TimeStamp:
    """The document's dates (a ReportLab ``TimeStamp``, ``_timeStamp``)."""
    return _internals(doc)._timeStamp


def set_timestamp(doc: PDFDocument, stamp: TimeStamp) -> None:
    """Fix the document's dates (``_timeStamp``) to ``stamp``."""
    _internals(doc)._timeStamp = stamp


def registered(doc: PDFDocument, name: str) -> PDFObject | bytes:
    """The object registered as ``name`` (``idToObject``)."""
    return doc.idToObject[name]
