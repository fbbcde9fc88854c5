"""The structure tree of a tagged PDF (PDF/UA-1), collected while a document is drawn.

A :class:`Tagger` hangs on the canvas. Each marked-content sequence it opens
(``/P <</MCID n>> BDC``) is recorded as content of the structure element at a stable *path*
(tuples of (key, role, attributes)). Before the file is written, :meth:`Tagger.finish` adds:
- the structure tree: Document and its elements in reading order, with /Alt, table header
  scopes and link objects;
- the ParentTree, and each page's /StructParents and /Tabs;
- /MarkInfo, and what the file's kind declares (:mod:`.archive`): for a file for readers, XMP
  metadata claiming PDF/UA-1 (and PDF/A-2a, unless it is to be encrypted) and the sRGB output
  intent; for a print file, PDF/X-1a's output intent and entries, no link annotations and no
  tab order (a PDF 1.3 key it does not have).

Paths are stable across documents, so drawing recorded in one document can be replayed in
another with its MCIDs renumbered and its link annotations made again
(:meth:`Tagger.replay`). How flowables get their paths is :mod:`.tagging`'s business.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import cast

from reportlab.graphics.transform import mmult
from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFName,
    PDFObjectReference,
    PDFString,
)

from .archive import PDFX_PDF_VERSION, READERS_DECLARATION, Declaration, declare
from .backend import document as pdf
from .backend.canvas import (
    add_operator,
    current_matrix,
    document_of,
    last_annotation,
    page_index,
)
from .backend.canvas import page_operators as operators

Step = tuple[str, str, tuple]
"""(key unique among siblings, structure role, attributes as sorted pairs)"""
Path = tuple[Step, ...]
_PAGE = 1 << 20  # a marked-content kid is the int page * _PAGE + MCID (no tuple to collect)
LINK_BASE = 100000  # StructParent numbers of link annotations (pages use 0, 1, 2, …)
_BDC = re.compile(r"^/(\w+) <</MCID (\d+)>> BDC$")

Matrix = tuple[float, float, float, float, float, float]
"""A transformation matrix (a, b, c, d, e, f), as the canvas keeps it."""
Rect = tuple[float, float, float, float]
"""A rectangle: its lower left and upper right corners (x1, y1, x2, y2)."""

TABS_VERSION = (1, 5)
"""The PDF version that brings a page's /Tabs (tab order in structure order, which PDF/UA asks
of every page with annotations): the lowest a tagged document may declare."""

PRINT_FLAG = 4
"""An annotation's /F flags: printed (PDF/A asks every annotation to print, and to be neither
hidden nor invisible)."""


class Node:
    """A structure element; its kids are elements, marked content (page and MCID in one int)
    and link annotations; its attributes are (name, value) pairs.

    About a hundred are made per summary, so they are kept lean for the garbage collector:
    slots, no dicts or tuples per mark, and the parent kept as its index in
    :attr:`Tagger.created`, so a tree holds no reference cycles and is freed as soon as the
    document is written."""

    __slots__ = ("attrs", "index", "key", "kids", "parent", "ref", "role")

    def __init__(self, role: str, attrs: tuple = (), key: str = "", parent: int = -1,
                 index: int = 0):
        self.role, self.attrs, self.key = role, attrs, key
        self.parent, self.index = parent, index
        self.kids: list = []
        self.ref = ""  # "n 0 R", once the element is numbered


@dataclass(frozen=True)
class LinkRef:
    page: int
    annotation: PDFObjectReference
    number: int


@dataclass(frozen=True)
class LinkCall:
    """A link annotation the tagger made while drawing was journaled (see
    :attr:`Tagger.journal`), to be made again where the drawing is replayed: the Link element,
    the address, the rectangle in the coordinates it was given in, the /Contents, and the
    transformation of those coordinates (the canvas's matrix when journaled; once recorded,
    relative to the recording's origin, see :func:`marks_in`)."""

    path: Path
    url: str
    rect: Rect
    text: str
    matrix: Matrix


Event = tuple[int, Path] | LinkCall
"""What a recording does besides its operators, in order: a marked-content sequence opening
(its index in the operators, and its element), or a link made."""


def compose(outer: Matrix, inner: Matrix) -> Matrix:
    """``inner`` adjoined to ``outer``, as ReportLab's ``Canvas.transform`` computes it (its
    ``mmult``)."""
    return cast(Matrix, mmult(outer, inner))


def inverse(matrix: Matrix) -> Matrix:
    """The transformation that undoes ``matrix``, with the arithmetic of ReportLab's
    ``resetTransforms`` (``graphics.transform.inverse`` computes the translation otherwise,
    and a link replayed must land on the very same bytes)."""
    a, b, c, d, e, f = matrix
    det = a * d - c * b
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (e * b - f * a) / det)


def page_rect(matrix: Matrix, rect: Rect) -> Rect:
    """``rect``, in the coordinates ``matrix`` maps to the page, as the page's rectangle that
    holds it (the arithmetic of ReportLab's ``linkURL(..., relative=1)``)."""
    a, b, c, d, e, f = matrix
    lx, ly, ux, uy = rect
    corners = [(lx, ly), (ux, uy), (lx, uy), (ux, ly)]
    xs = [a * x + c * y + e for x, y in corners]
    ys = [b * x + d * y + f for x, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


class Tagger:
    """Collects the structure of one document while it is drawn."""

    def __init__(self, title: str, language: str,
                 declaration: Declaration = READERS_DECLARATION):
        self.title, self.language = title, language
        self.declaration = declaration
        self.root = Node("Document")
        self.nodes: dict[Path, Node] = {(): self.root}
        self.created: list[Node] = [self.root]
        self.page_marks: dict[int, list[Node]] = defaultdict(list)
        """Each page's marked-content owners, by MCID (MCIDs count up from 0 on each page)."""
        self.links: list[tuple[Node, LinkRef]] = []
        self.journal: list[Path | LinkCall] | None = None
        """While drawing is recorded: the elements of the marked-content sequences it opens
        and the links it makes, in order (see :func:`~.replay.replay`)."""

    def node(self, path: Path) -> Node:
        """The element at ``path``, created (after its siblings so far) if new."""
        node = self.nodes.get(path)
        if node is None:
            parent = self.node(path[:-1])
            key, role, attrs = path[-1]
            node = self.nodes[path] = Node(role, attrs, key, parent.index,
                                           len(self.created))
            parent.kids.append(node)
            self.created.append(node)
        return node

    def begin(self, canvas, path: Path) -> None:
        """Open a marked-content sequence owned by the element at ``path``."""
        mcid = self._mark(canvas, path)
        add_operator(canvas, f"/{path[-1][1]} <</MCID {mcid}>> BDC")

    def _mark(self, canvas, path: Path) -> int:
        page = page_index(canvas)
        owners = self.page_marks[page]
        mcid = len(owners)
        node = self.node(path)
        node.kids.append(page * _PAGE + mcid)
        owners.append(node)
        if self.journal is not None:
            self.journal.append(path)
        return mcid

    def link(self, canvas, path: Path, url: str, rect, text: str) -> None:
        """A link annotation over ``rect`` (in the current coordinates) with its /Contents,
        tied to the element at ``path``."""
        if self.journal is not None:
            self.journal.append(LinkCall(path, url, tuple(rect), text, current_matrix(canvas)))
        self._annotate(canvas, path, url, rect, 1, text)

    def _annotate(self, canvas, path: Path, url: str, rect, relative: int, text: str) -> None:
        """A link annotation over ``rect`` (in the current coordinates if ``relative``, else
        the page's), tied to the element at ``path``."""
        if not self.declaration.links:  # the text stays tagged as a Link; paper has no links
            self.node(path)
            return
        number = LINK_BASE + len(self.links)
        canvas.linkURL(url, rect, relative=relative, thickness=0, Contents=PDFString(text),
                       StructParent=number, F=PRINT_FLAG)
        ref = LinkRef(canvas.getPageNumber() - 1, last_annotation(canvas), number)
        owner = self.node(path)
        self.links.append((owner, ref))
        owner.kids.append(ref)

    def replay(self, canvas, ops: list[str], events: list[Event]) -> None:
        """Add recorded operators to the page, each marked-content sequence given a fresh
        MCID, and make the recorded links again, in the order they were made (``events``:
        where each sequence opens in ``ops`` and its element, and each link, its matrix
        relative to the recording's origin, which is the current one here)."""
        code = operators(canvas)
        start = len(code)
        code.extend(ops)
        origin: Matrix | None = None
        for event in events:
            if isinstance(event, LinkCall):
                if origin is None:
                    origin = current_matrix(canvas)
                self._relink(canvas, event, compose(origin, event.matrix))
            else:
                index, path = event
                code[start + index] = (f"/{path[-1][1]} <</MCID {self._mark(canvas, path)}>>"
                                       " BDC")

    def _relink(self, canvas, call: LinkCall, matrix: Matrix) -> None:
        """A recorded link made again, its rectangle's coordinates mapped by ``matrix``."""
        if self.journal is not None:
            self.journal.append(replace(call, matrix=matrix))
        self._annotate(canvas, call.path, call.url, page_rect(matrix, call.rect), 0,
                       call.text)

    # -- writing the structure --------------------------------------------------------------

    def finish(self, canvas, order: list[str] | None = None) -> None:
        """Add the structure tree and the PDF/UA declarations to ``canvas``'s document; the
        document's top elements are put in ``order`` (their keys) when given. The tagger is
        then taken off the canvas: nothing more may be drawn into the tree."""
        if order:
            rank = {key: i for i, key in enumerate(order)}
            self.root.kids.sort(key=lambda n: rank.get(getattr(n, "key", ""), len(rank)))
        doc = document_of(canvas)
        # ReportLab numbers objects in the order they are registered: the elements, then the
        # root, take the next numbers, so every reference is known before any is registered
        first = pdf.next_object_number(doc)
        for number, node in enumerate(self.created, first):
            node.ref = f"{number} 0 R"
        root_ref = f"{first + len(self.created)} 0 R"
        pages = [f"{pdf.object_number(doc, name)} 0 R" for name in pdf.page_names(doc)]
        element = self._element
        for i, node in enumerate(self.created):
            pdf.register(doc, element(node, pages, root_ref, doc), f"SE{i}")
        root = pdf.register(doc, self._root_bytes(), "StructTreeRoot")
        if pdf.reference_number(doc, root) != first + len(self.created):
            raise AssertionError("structure elements were not numbered consecutively")
        catalog = pdf.catalog(doc)
        catalog.StructTreeRoot = root
        catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        declare(doc, self.declaration, self.language)
        tabs = self.declaration.tabs
        for number, page in enumerate(pdf.pages(doc)):
            pdf.allow_entries(page, "StructParents", "Tabs")
            page.StructParents = number
            if tabs:
                page.Tabs = PDFName("S")
        if tabs:
            pdf.require_version(doc, TABS_VERSION)
        else:
            pdf.set_version(doc, PDFX_PDF_VERSION)
        canvas.tagger = None

    def _element(self, node: Node, pages: list[str], root_ref: str, doc) -> bytes:
        """One structure element's dictionary, written directly as bytes (ReportLab's generic
        formatting of a hundred small dictionaries costs more than the rest of a summary)."""
        kids = node.kids
        if len(kids) == 1 and type(kids[0]) is int and not node.attrs:  # most leaves
            page, mcid = divmod(kids[0], _PAGE)
            parent = self.created[node.parent].ref
            return f"<</S/{node.role}/P {parent}/K[{mcid}]/Pg {pages[page]}>>".encode()
        first_page = None
        parts = []
        for kid in kids:
            if type(kid) is int:
                page, mcid = divmod(kid, _PAGE)
                if first_page is None:
                    first_page = page
                parts.append(str(mcid) if page == first_page else
                             f"<</Type/MCR/Pg {pages[page]}/MCID {mcid}>>")
            elif type(kid) is Node:
                parts.append(kid.ref)
            else:
                parts.append(f"<</Type/OBJR/Pg {pages[kid.page]}"
                             f"/Obj {pdf.reference_number(doc, kid.annotation)} 0 R>>")
        parent = self.created[node.parent].ref if node.parent >= 0 else root_ref
        text = f"<</S/{node.role}/P {parent}/K[{' '.join(parts)}]"
        if first_page is not None:
            text += f"/Pg {pages[first_page]}"
        attrs = dict(node.attrs)
        if "Scope" in attrs:
            text += f"/A<</O/Table/Scope/{attrs['Scope']}>>"
        out = text.encode()
        if "Alt" in attrs:
            out += b"/Alt " + PDFString(attrs["Alt"]).format(doc)
        if node.role == "Document":
            out += (b"/Lang " + PDFString(self.language).format(doc) + b"/T "
                    + PDFString(self.title).format(doc))
        return out + b">>"

    def _root_bytes(self) -> bytes:
        numbers = [f"{page}[{' '.join(n.ref for n in self.page_marks[page])}]"
                   for page in sorted(self.page_marks)]
        numbers += [f"{link.number} {owner.ref}" for owner, link in self.links]
        return (f"<</Type/StructTreeRoot/K[{self.root.ref}]"
                f"/ParentTree<</Nums[{' '.join(numbers)}]>>"
                f"/ParentTreeNextKey {LINK_BASE + len(self.links)}>>").encode()


def marks_in(ops: list[str], journal: list[Path | LinkCall], origin: Matrix) -> list[Event]:
    """What recorded ``ops`` do besides their operators, from the tagger's ``journal`` of
    their drawing: each marked-content opening paired with its element's path, and each link
    made, its matrix made relative to ``origin`` (the canvas's where the recording began)."""
    openings = [i for i, op in enumerate(ops) if _BDC.match(op)]
    paths = [entry for entry in journal if not isinstance(entry, LinkCall)]
    marks = iter(list(zip(openings, paths, strict=True)))
    undo: Matrix | None = None
    events: list[Event] = []
    for entry in journal:
        if isinstance(entry, LinkCall):
            if undo is None:
                undo = inverse(origin)
            events.append(replace(entry, matrix=compose(undo, entry.matrix)))
        else:
            events.append(next(marks))
    return events
