"""Writing ReportLab's PDF objects as bytes without its generic formatting: the same bytes
ReportLab 5.x writes, a few times faster.

ReportLab formats every value of every dictionary through one generic function (an
``isinstance`` chain, ``hasattr`` probes, a text codec for each name and number), and each
kind of object builds a fresh dictionary to format it that way: about 550 calls for the 40
objects a summary writes. :class:`ObjectWriter` dispatches on the exact type of the value
instead, and knows how the dictionaries, arrays, references, numbers and names ReportLab
writes most often are spelled, and how a catalog, a page, a page tree, a resource dictionary,
a stream, a font, an outline entry and the information dictionary make theirs. Any other
object, or any subclass, is formatted by ReportLab itself, so an object we do not know is
written as ReportLab writes it.

Relies on ReportLab 5.x ``pdfdoc``: its ``format``, ``PDFName``, ``__RefOnly__``, the
``__Defaults__``, ``__NoDefault__`` and ``__Refs__`` of catalog-like objects and their
``check_format``, a font's ``name_attributes`` and ``local_attributes``, a resource dictionary's
``dict_attributes`` and ``ProcSet``, a string's ``s``, ``enc`` and ``escape``, an outline
entry's and the information dictionary's fields, a stream's ``dictionary``, ``content`` and
``filters``, a document's ``idToObjectNumberAndVersion``, ``defaultStreamFilters``, ``encrypt``
and ``_timeStamp``, and ``rl_config.pdfMultiLine`` and ``pdfComments``. The test
``tests/test_object_writer.py`` writes every kind of output both ways and compares the bytes.
"""

from __future__ import annotations

import codecs
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol, cast

from reportlab import rl_config
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.utils import isSeq
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import (
    NoEncryption,
    OutlineEntryObject,
    PDFArray,
    PDFCatalog,
    PDFDate,
    PDFDictionary,
    PDFDocument,
    PDFInfo,
    PDFObject,
    PDFObjectReference,
    PDFPage,
    PDFPages,
    PDFResourceDictionary,
    PDFStream,
    PDFString,
    PDFTrueTypeFont,
    PDFType1Font,
)

_ENCODING = "extpdfdoc"
"""The codec ReportLab writes names, numbers and plain text with."""
_REF_ONLY = "__RefOnly__"
"""Marks an object ReportLab writes only as an indirect object, never inline."""


@lru_cache(maxsize=1024)
def _name(key: str) -> bytes:
    """A dictionary key as a PDF name (``/Key``, escaped), as bytes."""
    return pdfdoc.PDFName(key).encode(_ENCODING)


def _plain(text: str) -> bytes:
    """A plain text value (a name ReportLab keeps as text, ``true``) in ReportLab's codec:
    names and the few words PDF spells (the same in every document) kept once formatted;
    any other text formatted each time, never kept beyond its document."""
    if text.startswith("/") or text in _WORDS:
        return _kept_plain(text)
    return text.encode(_ENCODING)


_WORDS = frozenset({"true", "false", "null"})


@lru_cache(maxsize=1024)
def _kept_plain(text: str) -> bytes:
    return text.encode(_ENCODING)


class _Document(Protocol):
    """What of ReportLab 5.x's ``PDFDocument`` the writer uses that its stubs leave untyped or
    do not declare."""

    idToObjectNumberAndVersion: dict[str, tuple[int, int]]  # noqa: N815 - ReportLab's names
    defaultStreamFilters: list[Any] | None  # noqa: N815
    encrypt: Any
    _timeStamp: Any  # noqa: N815

    def Reference(self, obj: object) -> PDFObjectReference:  # noqa: N802 - ReportLab's name
        """Register ``obj`` once; its reference."""


class ObjectWriter:
    """Formats the objects of one document (see the module's docstring)."""

    def __init__(self, document: PDFDocument):
        self.document = cast(_Document, document)
        self.numbers = self.document.idToObjectNumberAndVersion
        self._kinds: dict[type, Callable[[Any], bytes]] = {
            PDFDictionary: self._dictionary, PDFArray: self._array,
            PDFObjectReference: self._reference, int: self._number, float: self._number,
            str: self._text, bytes: _as_is, PDFString: self._string, PDFDate: self._leaf,
            PDFResourceDictionary: self._resources,
        }
        self._tops: dict[type, Callable[[Any], bytes]] = {
            PDFCatalog: self._catalog, PDFPages: self._catalog, PDFPage: self._catalog,
            PDFType1Font: self._font, PDFTrueTypeFont: self._font, PDFStream: self._stream,
            OutlineEntryObject: self._outline, PDFInfo: self._info,
            PDFDictionary: self._dictionary, PDFArray: self._array,
        }

    def top(self, obj: PDFObject) -> bytes:
        """An object formatted at the top level (an indirect object's content)."""
        kind = self._tops.get(type(obj))
        if kind is None or rl_config.pdfComments:
            return cast(bytes, pdfdoc.format(obj, self.document, toplevel=1))
        return kind(obj)

    def value(self, element: Any) -> bytes:
        """A value inside an object: an object that must stand alone as a reference to it."""
        kind = self._kinds.get(type(element))
        if kind is not None:
            return kind(element)
        if isinstance(element, PDFObject) and hasattr(element, _REF_ONLY):
            return self._reference(self.document.Reference(element))
        return cast(bytes, pdfdoc.format(element, self.document))

    def _dictionary(self, dictionary: PDFDictionary | dict[str, Any]) -> bytes:
        entries = dictionary.dict if isinstance(dictionary, PDFDictionary) else dictionary
        keys = list(entries)
        if not isinstance(entries, OrderedDict):
            keys.sort()
        lines = [_name(key) + b" " + self.value(entries[key]) for key in keys]
        multiline: bool | str = getattr(dictionary, "multiline", True)
        if (multiline and rl_config.pdfMultiLine) or multiline == "forced":
            return b"<<\n" + b"\n ".join(lines) + b"\n>>"
        for at in reversed(range(6, len(lines), 6)):
            lines.insert(at, b"\n ")
        return b"<<\n" + b" ".join(lines) + b"\n>>"

    def _array(self, array: PDFArray) -> bytes:
        items = [self.value(e) for e in array.sequence]
        multiline: bool | str = array.multiline
        if (multiline and rl_config.pdfMultiLine) or multiline == "forced":
            return b"[ " + b"\n ".join(items) + b" ]"
        for at in reversed(range(10, len(items), 10)) if len(items) > 10 else ():
            items.insert(at, b"\n ")
        return b"[ " + b" ".join(items) + b" ]"

    def _reference(self, reference: PDFObjectReference) -> bytes:
        try:
            return b"%d %d R" % self.numbers[reference.name]
        except KeyError:
            raise KeyError(f"forward reference to {reference.name!r} not resolved upon final "
                           f"formatting") from None

    @staticmethod
    def _number(number: float) -> bytes:
        """A number as ReportLab spells it (``fp_str``: digits, a sign and a point, the same
        bytes in ASCII as in ReportLab's codec, which is a few times slower)."""
        return fp_str(number).encode("ascii")

    @staticmethod
    def _text(text: str) -> bytes:
        return _plain(text)

    def _string(self, string: PDFString) -> bytes:
        """A text string (ReportLab's ``PDFString.format``): in PDFDocEncoding when it can
        be, else UTF-16 with its byte order mark; escaped; encrypted strings by ReportLab."""
        text = string.s
        if (type(text) is not str or getattr(string, "enc", "auto") != "auto"
                or getattr(string, "escape", 1) != 1
                or not isinstance(self.document.encrypt, NoEncryption)):
            return self._leaf(string)
        try:
            raw = text.encode("pdfdoc")
        except UnicodeEncodeError:
            raw = codecs.BOM_UTF16_BE + text.encode("utf_16_be")
        return b"(" + escapePDF(raw).encode("ascii") + b")"  # escapePDF writes ASCII only

    def _leaf(self, obj: PDFString | PDFDate) -> bytes:
        """An object that formats itself without dictionaries (a string, a date)."""
        return obj.format(self.document)

    def _catalog(self, obj: PDFCatalog) -> bytes:
        """A catalog, a page tree or a page (ReportLab's ``PDFCatalog.format``)."""
        obj.check_format(self.document)
        entries: dict[str, Any] = {}
        for key, default in obj.__Defaults__.items():
            found = getattr(obj, key, default)
            if found is not None:
                entries[key] = found
        for key in obj.__NoDefault__:
            found = getattr(obj, key, None)
            if found is not None:
                entries[key] = found
        for key in obj.__Refs__:
            if key in entries:
                entries[key] = self.document.Reference(entries[key])
        return self._dictionary(entries)

    def _resources(self, resources: PDFResourceDictionary) -> bytes:
        """A page's resources (ReportLab's ``PDFResourceDictionary.format``)."""
        entries: dict[str, Any] = {}
        for key in resources.dict_attributes:
            found = getattr(resources, key)
            if not isinstance(found, dict):
                entries[key] = found
            elif found:
                entries[key] = PDFDictionary(found)
        procs = resources.ProcSet
        if not isSeq(procs):
            entries["ProcSet"] = procs
        elif procs:
            entries["ProcSet"] = PDFArray(procs)
        return self._dictionary(entries)

    def _font(self, font: PDFType1Font) -> bytes:
        """A simple font's dictionary (ReportLab's ``PDFType1Font.format``)."""
        entries: dict[str, Any] = {}
        for key in font.name_attributes:
            if hasattr(font, key):
                entries[key] = pdfdoc.PDFName(getattr(font, key))
        for key in font.local_attributes:
            if hasattr(font, key):
                entries[key] = getattr(font, key)
        return self._dictionary(entries)

    def _outline(self, entry: OutlineEntryObject) -> bytes:
        """An outline entry (ReportLab's ``OutlineEntryObject.format``)."""
        entries: dict[str, Any] = {"Title": PDFString(entry.Title), "Parent": entry.Parent,
                                   "Dest": entry.Dest}
        for key in ("Prev", "Next", "First", "Last", "Count"):
            found = getattr(entry, key)
            if found is not None:
                entries[key] = found
        return self._dictionary(entries)

    def _info(self, info: PDFInfo) -> bytes:
        """The information dictionary (ReportLab's ``PDFInfo.format``)."""
        date = PDFDate(ts=self.document._timeStamp,
                       dateFormatter=getattr(info, "_dateFormatter", None))
        return self._dictionary({
            "Title": PDFString(info.title), "Author": PDFString(info.author),
            "ModDate": date, "CreationDate": date, "Producer": PDFString(info.producer),
            "Creator": PDFString(info.creator), "Subject": PDFString(info.subject),
            "Keywords": PDFString(info.keywords), "Trapped": pdfdoc.PDFName(info.trapped)})

    def _stream(self, stream: PDFStream) -> bytes:
        """A stream, its filters applied (ReportLab's ``PDFStream.format``)."""
        entries = stream.dictionary.dict.copy()
        content = stream.content
        if content is None:
            raise ValueError("stream content not set")
        filters = stream.filters
        if filters is None:
            filters = self.document.defaultStreamFilters
        if filters is not None and "Filter" not in entries:
            names: list[str] = []
            for kind in reversed(list(filters)):
                content = kind.encode(content)
                names.insert(0, pdfdoc.PDFName(kind.pdfname))
            entries["Filter"] = PDFArray(names)
        content = self.document.encrypt.encode(content)
        formatted = self.value(content)
        entries["Length"] = len(content)
        return self._dictionary(entries) + b"\nstream\n" + formatted + b"endstream\n"


def _as_is(data: bytes) -> bytes:
    return data
