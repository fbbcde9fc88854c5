"""The PDF document behind our canvases: how it writes its objects, and what the tagger and
the font seeds ask of it (object numbers, the catalog, pages, the PDF version, dates).

Relies on ReportLab 5.x ``PDFDocument``: its ``format`` loop (``numberToId``,
``idToObjectNumberAndVersion``, ``idToObject``, ``idToOffset``, ``objectcounter``, how
``Reference`` numbers an object and how ``PDFCrossReferenceTable`` and ``PDFTrailer``
write, ``ID()``, ``PDFFile`` and its ``offset``, ``__accum__``, ``NoEncryption``), a
stream's ``filters``, an image's ``_filters`` and ``streamContent``, ``Catalog``,
``Pages.pages``, ``_pdfVersion``, ``_timeStamp`` and a dictionary class's ``__NoDefault__``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from itertools import accumulate
from typing import Any, Protocol, cast

from reportlab import rl_config
from reportlab.lib.rl_accel import asciiBase85Decode
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import (
    NoEncryption,
    PDFDocument,
    PDFFile,
    PDFImageXObject,
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

_ENDSTREAM = b"endstream"
_ENDSTREAM_LINE = b"endstream\n"


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
      ReportLab's own code, which the writer's test compares it with);
    - at PDF 1.5 or later (files for readers; see :meth:`packs_objects`), every object but the
      streams and the document information goes into one object stream, Flate-compressed at
      :data:`PAGE_COMPRESSION`, and the file ends with a cross-reference stream instead of
      ReportLab's table and trailer: a summary's hundred structure elements and its table of
      about 150 entries were a quarter of its bytes. Objects keep ReportLab's numbers; the
      object stream and the cross-reference stream take the next two. A PDF 1.3 file (PDF/X-1a,
      which allows neither) is written as ReportLab writes it.

    Relies on ``PDFDocument.format`` of ReportLab 5.x, of which :meth:`format` is a copy with
    :meth:`write_object` (or, for an object stream, :meth:`object_body`) in the middle."""

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
        self.writer = ObjectWriter(self) if self.fast_writing else None
        self.__accum__ = file = PDFFile(internals._pdfVersion)
        if self.packs_objects():
            return self._format_packed(file)
        counter, ids = 0, []
        numbertoid, offsets = self.numberToId, self.idToOffset
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
        _check_count(counter, self.numberToId)
        xrefoffset = file.add(_cross_references(self, ids))
        trailer = PDFTrailer(startxref=xrefoffset, Size=len(numbertoid) + 1,
                             Root=internals.Reference(cat), Info=internals.Reference(info),
                             Encrypt=encryptref, ID=self.ID())
        file.add(trailer.format(self))
        for signature in getattr(self, "_digiSigs", []):
            signature.sign(file)
        return file.format(self)

    def _format_packed(self, file: PDFFile) -> bytes:
        """The loop of :meth:`format` for a document that :meth:`packs_objects`: streams and the
        document information written into ``file`` as indirect objects, every other object
        packed into the object stream; then the object stream and the cross-reference stream
        (the next two numbers). ReportLab numbers objects 1 on, generation 0, in the order they
        are registered, and formatting an object may register more."""
        internals = _internals(self)
        infoname = internals.Reference(self.info).name
        numbertoid, offsets = self.numberToId, self.idToOffset
        objects = cast(dict[str, PDFObject | bytes], self.idToObject)
        in_file: list[tuple[int, int]] = []  # (number, offset) of each object written as such
        packed = _Packed()
        counter = 0
        while True:
            counter += 1
            oid = numbertoid.get(counter)
            if oid is None:
                break
            obj = objects[oid]
            body = obj if type(obj) is bytes else self.object_body(oid, obj)
            if oid == infoname or _is_stream(body):
                offsets[oid] = offset = file.add(_indirect((counter, 0), body))
                in_file.append((counter, offset))
            else:
                packed.add(counter, body)
        del self.__accum__
        _check_count(counter, numbertoid)
        stream_number = counter
        in_file.append((stream_number, file.add(packed.stream(stream_number))))
        in_file.append((stream_number + 1, file.offset))
        trailer = b"/Root %s/Info %s/ID %s" % (
            self._reference(internals.Reference(internals.Catalog)),
            self._reference(internals.Reference(self.info)), _file_id(self.ID()))
        xref_offset = file.add(_xref_stream(in_file, packed.numbers, stream_number, trailer))
        file.add(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
        return file.format(self)

    def packs_objects(self) -> bool:
        """Whether this document's objects go into an object stream, ending with a
        cross-reference stream (PDF 1.5 brought both; PDF/A-2 and PDF/UA-1 allow them): at
        PDF 1.5 or later, not encrypted by ReportLab (whose object numbers key each string's
        encryption), not signed by ReportLab, and without ReportLab's debugging comments."""
        return (_internals(self)._pdfVersion >= OBJECT_STREAM_VERSION
                and type(self.encrypt) is NoEncryption
                and not rl_config.pdfComments and not getattr(self, "_digiSigs", None))

    def write_object(self, oid: str, obj: PDFObject | bytes) -> bytes:
        """One indirect object as bytes (see the class's docstring)."""
        return _indirect(self.idToObjectNumberAndVersion[oid], self.object_body(oid, obj))

    def object_body(self, oid: str, obj: PDFObject | bytes) -> bytes:
        """What an indirect object holds between ``n 0 obj`` and ``endobj``, its encryption
        registered (see the class's docstring)."""
        if type(obj) is bytes:
            self.encrypt.register(*self.idToObjectNumberAndVersion[oid])
            return obj
        if isinstance(obj, PDFStream) and obj.filters:
            obj.filters = _our_filters(obj.filters)
        elif isinstance(obj, PDFImageXObject):
            _without_ascii85(obj)
        self.encrypt.register(*self.idToObjectNumberAndVersion[oid])
        if self.writer is not None:
            body = self.writer.top(cast(PDFObject, obj))
        else:
            body = cast(bytes, pdfdoc.format(obj, self, toplevel=1))
        if body.endswith(_ENDSTREAM_LINE):
            body = body[:-len(_ENDSTREAM_LINE)] + b"\n" + _ENDSTREAM_LINE
        return body

    def _reference(self, reference: PDFObjectReference) -> bytes:
        """A reference to a registered object, as ``n g R``."""
        return b"%d %d R" % self.idToObjectNumberAndVersion[reference.name]


OBJECT_STREAM_VERSION = (1, 5)
"""The PDF version that brought object streams and cross-reference streams."""
_FREE_HEAD = 0xFFFF
"""Object 0's cross-reference entry (type 0, free, the head of the free list, generation
65535)."""
_IN_FILE, _IN_STREAM = 1, 2
"""Cross-reference stream entry types: an object at an offset in the file, an object inside an
object stream (the stream's number and the object's index in it)."""
_LAST_FIELD_BYTES = 2
"""The least width of a cross-reference stream entry's last field: a generation (object 0's
is 65535) or an index inside the object stream (wider when the stream holds more objects)."""


class _Packed:
    """The objects that go into a document's object stream: their numbers and bodies, in the
    order they are written."""

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.bodies: list[bytes] = []

    def add(self, number: int, body: bytes) -> None:
        self.numbers.append(number)
        self.bodies.append(body)

    def stream(self, number: int) -> bytes:
        """The object stream (``/Type/ObjStm``) as indirect object ``number``: a header of
        object numbers and offsets, then the objects' bodies, one a line, Flate-compressed."""
        bodies = self.bodies
        starts = accumulate((len(body) + 1 for body in bodies[:-1]), initial=0)
        header = " ".join(f"{own} {at}" for own, at in zip(self.numbers, starts,
                                                           strict=True)).encode() + b"\n"
        data = FLATE.encode(header + b"\n".join(bodies) + b"\n")
        return _indirect((number, 0), b"<</Type/ObjStm/N %d/First %d/Filter/FlateDecode"
                                      b"/Length %d>>\nstream\n%s\nendstream"
                         % (len(self.numbers), len(header), len(data), data))


def _xref_stream(in_file: list[tuple[int, int]], packed: list[int], stream_number: int,
                 trailer: bytes) -> bytes:
    """The cross-reference stream (``/Type/XRef``), the last object of the file (the last of
    ``in_file``, the (number, offset) of each object written as such): object 0 free, every
    object in ``in_file`` at its offset, and objects ``packed`` in object stream
    ``stream_number`` in that order; with the trailer's entries. The offsets' field is as
    wide as the largest needs, and so are the indices' (two bytes at least: object 0's
    generation)."""
    number, last_offset = in_file[-1]
    width = _bytes_for(max(last_offset, stream_number))
    last = max(_LAST_FIELD_BYTES, _bytes_for(len(packed) - 1))
    size, row, last_bits = number + 1, 1 + width + last, 8 * last
    type_shift = last_bits + 8 * width
    rows = [b""] * size
    rows[0] = _FREE_HEAD.to_bytes(row, "big")
    in_file_type = _IN_FILE << type_shift
    for own, offset in in_file:
        rows[own] = (in_file_type | offset << last_bits).to_bytes(row, "big")
    in_stream = _IN_STREAM << type_shift | stream_number << last_bits
    for index, own in enumerate(packed):
        rows[own] = (in_stream | index).to_bytes(row, "big")
    data = FLATE.encode(b"".join(rows))
    return _indirect((number, 0), b"<</Type/XRef/Size %d/W[1 %d %d]%s/Filter/FlateDecode"
                                  b"/Length %d>>\nstream\n%s\nendstream"
                     % (size, width, last, trailer, len(data), data))


def _bytes_for(value: int) -> int:
    """How many bytes a cross-reference field needs to hold ``value`` (at least one)."""
    return max(1, (value.bit_length() + 7) // 8)


def _check_count(counter: int, numbertoid: dict[int, str]) -> None:
    """ReportLab's check that every registered object was written (numbered 1 on, no gap)."""
    if counter - 1 != len(numbertoid):
        raise ValueError(f"counter {counter} doesn't match number to id dictionary "
                         f"{len(numbertoid)}")


def _file_id(formatted: bytes) -> bytes:
    """The file identifier array of ReportLab's ``ID()`` (which follows it with a comment)."""
    return formatted[:formatted.rindex(b"]") + 1].strip()


def _is_stream(body: bytes) -> bool:
    """Whether an object's body is a stream (ReportLab's end in ``endstream`` and a newline,
    our finished bytes in ``endstream``): a stream cannot go into an object stream."""
    return body.endswith(_ENDSTREAM_LINE) or body.endswith(_ENDSTREAM)


def _indirect(numbered: tuple[int, int], body: bytes) -> bytes:
    """``body`` as indirect object ``numbered`` (number, generation)."""
    end = b"" if body.endswith(b"\n") else b"\n"
    return b"%d %d obj\n%s%sendobj\n" % (*numbered, body, end)


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
