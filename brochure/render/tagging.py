"""Tagged PDF (PDF/UA-1 structure) from ReportLab.

While drawing, each piece of content is wrapped in a marked-content sequence
(``/P <</MCID n>> BDC … EMC``) and decoration in ``/Artifact BMC … EMC``; the :class:`Tagger`
records which structure element (by a stable *path*) owns each MCID. Before the file is
written, :meth:`Tagger.finish` adds the structure tree (Document and its elements in reading
order, with /Alt, table header scopes and link objects), the ParentTree, each page's
/StructParents and /Tabs, /MarkInfo, and XMP metadata declaring PDF/UA-1.

Paths (tuples of (key, role, attributes)) are stable across documents, so drawing recorded in
one document can be replayed in another with its MCIDs renumbered (:meth:`Tagger.replay`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFName,
    PDFObjectReference,
    PDFString,
)
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus import paragraph as _rl_paragraph

Step = tuple[str, str, tuple]
"""(key unique among siblings, structure role, attributes as sorted pairs)"""
Path = tuple[Step, ...]
_PAGE = 1 << 20  # a marked-content kid is the int page * _PAGE + MCID (no tuple to collect)
LINK_BASE = 100000  # StructParent numbers of link annotations (pages use 0, 1, 2, …)
_BDC = re.compile(r"^/(\w+) <</MCID (\d+)>> BDC$")


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


class Tagger:
    """Collects the structure of one document while it is drawn."""

    def __init__(self, title: str, language: str):
        self.title, self.language = title, language
        self.root = Node("Document")
        self.nodes: dict[Path, Node] = {(): self.root}
        self.created: list[Node] = [self.root]
        self.page_marks: dict[int, list[Node]] = defaultdict(list)
        """Each page's marked-content owners, by MCID (MCIDs count up from 0 on each page)."""
        self.links: list[tuple[Node, LinkRef]] = []
        self.journal: list[Path] | None = None

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
        canvas._code.append(f"/{path[-1][1]} <</MCID {mcid}>> BDC")

    def _mark(self, canvas, path: Path) -> int:
        page = canvas._pageNumber - 1
        owners = self.page_marks[page]
        mcid = len(owners)
        node = self.node(path)
        node.kids.append(page * _PAGE + mcid)
        owners.append(node)
        if self.journal is not None:
            self.journal.append(path)
        return mcid

    def link(self, canvas, path: Path, url: str, rect, text: str) -> None:
        """A link annotation with its /Contents, tied to the element at ``path``."""
        number = LINK_BASE + len(self.links)
        canvas.linkURL(url, rect, relative=1, thickness=0, Contents=PDFString(text),
                       StructParent=number)
        ref = LinkRef(canvas.getPageNumber() - 1, canvas._annotationrefs[-1], number)
        self.links.append((self.node(path), ref))
        self.node(path).kids.append(ref)

    def replay(self, canvas, ops: list[str], marks: list[tuple[int, Path]]) -> None:
        """Add recorded operators to the page, each marked-content sequence given a fresh
        MCID (``marks``: where each sequence opens in ``ops``, and its element)."""
        code = canvas._code
        start = len(code)
        code.extend(ops)
        for index, path in marks:
            code[start + index] = f"/{path[-1][1]} <</MCID {self._mark(canvas, path)}>> BDC"

    # -- writing the structure --------------------------------------------------------------

    def finish(self, canvas, order: list[str] | None = None) -> None:
        """Add the structure tree and the PDF/UA declarations to ``canvas``'s document; the
        document's top elements are put in ``order`` (their keys) when given. The tagger is
        then taken off the canvas: nothing more may be drawn into the tree."""
        if order:
            rank = {key: i for i, key in enumerate(order)}
            self.root.kids.sort(key=lambda n: rank.get(getattr(n, "key", ""), len(rank)))
        doc = canvas._doc
        # ReportLab numbers objects in the order they are registered: the elements, then the
        # root, take the next numbers, so every reference is known before any is registered
        first = doc.objectcounter + 1
        for number, node in enumerate(self.created, first):
            node.ref = f"{number} 0 R"
        root_ref = f"{first + len(self.created)} 0 R"
        numbers = doc.idToObjectNumberAndVersion
        pages = [f"{numbers[f'Page{n + 1}'][0]} 0 R" for n in range(len(doc.Pages.pages))]
        element = self._element
        for i, node in enumerate(self.created):
            doc.Reference(element(node, pages, root_ref, doc), f"SE{i}")
        root = doc.Reference(self._root_bytes(), "StructTreeRoot")
        if numbers[root.name][0] != first + len(self.created):
            raise AssertionError("structure elements were not numbered consecutively")
        catalog = doc.Catalog
        catalog.StructTreeRoot = root
        catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        catalog.Metadata = doc.Reference(_xmp(self.title, self.language), "XMPMetadata")
        for number, page in enumerate(doc.Pages.pages):
            page.__NoDefault__ = [*type(page).__NoDefault__, "StructParents", "Tabs"]
            page.StructParents = number
            page.Tabs = PDFName("S")
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
                             f"/Obj {doc.idToObjectNumberAndVersion[kid.annotation.name][0]} 0 R>>")
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


@lru_cache(maxsize=64)
def _xmp(title: str, language: str) -> bytes:
    """The XMP metadata stream object (title and language: the document's kind, never the
    patient's), written once per kind."""
    xml = XMP.format(title=escape(title), lang=escape(language)).encode("utf-8")
    return b"<</Type/Metadata/Subtype/XML/Length %d>>stream\n%s\nendstream" % (len(xml), xml)


def marks_in(ops: list[str], paths: list[Path]) -> list[tuple[int, Path]]:
    """Pair each marked-content opening in recorded ``ops`` with its element's path."""
    openings = [i for i, op in enumerate(ops) if _BDC.match(op)]
    return list(zip(openings, paths, strict=True))


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


# -- flowables ------------------------------------------------------------------------------

def artifact(canvas, draw) -> None:
    """``draw(canvas)`` as decoration: an artifact when the document is tagged."""
    tagged = getattr(canvas, "tagger", None) is not None
    if tagged:
        canvas._code.append("/Artifact BMC")
    draw(canvas)
    if tagged:
        canvas._code.append("EMC")


class Tagged:
    """Mixed into a flowable's own class by :func:`mark`: its drawing belongs to the structure
    element at ``_tag_path`` (or is an artifact when the path's role is 'Artifact').

    The flowable itself is tagged, not wrapped: platypus asks a summary's flowables for their
    size and spacing hundreds of times, and a wrapper in between would answer each time."""

    _tag_path: Path

    def draw(self):
        canvas = self.canv
        tagger = getattr(canvas, "tagger", None)
        if tagger is None:
            return super().draw()
        if self._tag_path[-1][1] == "Artifact":
            canvas._code.append("/Artifact BMC")
        else:
            tagger.begin(canvas, self._tag_path)
        super().draw()
        canvas._code.append("EMC")

    def split(self, available_width, available_height):
        return [mark(piece, self._tag_path, type(self)._tag_kind)
                for piece in super().split(available_width, available_height)]


def mark(flowable: Flowable, path: Path, kind: type[Tagged] = Tagged) -> Flowable:
    """``flowable``, drawing from now on as the structure element at ``path``."""
    if not isinstance(flowable, kind):
        # object.__setattr__: ReportLab's shapes check every attribute set through their own
        object.__setattr__(flowable, "__class__", _tagged_class(type(flowable), kind))
    flowable._tag_path = path
    return flowable


@cache
def _tagged_class(base: type, kind: type[Tagged]) -> type:
    return type(f"{kind.__name__}{base.__name__}", (kind, base), {"_tag_kind": kind})


# -- giving flowables their structure -------------------------------------------------------

def tag_flowables(flowables: list, base: Path, roles: dict[str, str], prefix: str) -> list:
    """Mark ``flowables`` (one block's, in place) so that their drawing is tagged under
    ``base``.

    Paragraphs take their role from their style (``roles``: style name → H1…H6, P); bullet
    items (``_tag_list``) become L/LI/LBody; data tables (``_tag_table``) Table/TR/TH/TD with
    header scopes; drawings with ``_tag_alt`` Figures, other drawings artifacts; QR codes a
    Link holding a Figure and the link annotation; layout tables and KeepTogether are opened up
    so their contents are tagged one by one."""
    return _sequence(flowables, base, roles, _Counter(prefix))


def _sequence(flowables: list, base: Path, roles: dict[str, str], counter) -> list:
    """Flowables in order; consecutive list items share one L element."""
    out, current_list = [], None
    for flowable in flowables:
        if getattr(flowable, "_tag_list", False):
            current_list = current_list or _step(counter, "L")
            out.append(_list_item(flowable, (*base, current_list), counter))
        else:
            current_list = None
            out.append(_tag(flowable, base, roles, counter) if hasattr(flowable, "wrap")
                       else flowable)
    return out


class _Counter:
    """Keys for sibling elements: unique within one block (the prefix), stable across
    documents."""

    def __init__(self, prefix: str):
        self.prefix, self.count = prefix, 0

    def __next__(self) -> str:
        self.count += 1
        return f"{self.prefix}.{self.count}"


def _step(counter: _Counter, role: str, **attrs) -> Step:
    return (f"{next(counter)}{role}", role, tuple(sorted(attrs.items())) if attrs else ())


def _list_item(flowable, list_path: Path, counter: _Counter):
    item = (*list_path, _step(counter, "LI"))
    return mark(flowable, (*item, _step(counter, "LBody")), ListItem)


class ListItem(Tagged):
    """A list item paragraph: its text is the item's body (LBody); its bullet is decoration
    (an artifact), so a screen reader announces a list item, not the word "bullet".

    ReportLab draws a paragraph's bullet first, in a text object of its own; a hook around
    that drawing (see :func:`_draw_bullet`) closes the artifact and opens the body."""

    def draw(self):
        canvas = self.canv
        tagger = getattr(canvas, "tagger", None)
        if tagger is None or not getattr(self, "bulletText", None):
            return super().draw()
        canvas._code.append("/Artifact BMC")
        canvas._bullet_item = self
        try:
            super(Tagged, self).draw()  # the paragraph's own drawing
        finally:
            canvas._bullet_item = None
        canvas._code.append("EMC")


def _draw_bullet(canvas, *args, **kwargs):
    """ReportLab's bullet drawing; then, for a tagged list item, the bullet's artifact is
    closed and the item's body opened."""
    result = _rl_draw_bullet(canvas, *args, **kwargs)
    item = getattr(canvas, "_bullet_item", None)
    if item is not None:
        canvas._code.append("EMC")
        canvas.tagger.begin(canvas, item._tag_path)
    return result


_rl_draw_bullet = _rl_paragraph._drawBullet
_rl_paragraph._drawBullet = _draw_bullet


def _tag(flowable, base: Path, roles: dict[str, str], counter):
    if isinstance(flowable, Tagged):
        return flowable
    if isinstance(flowable, Paragraph):  # most flowables: first
        paragraph = (*base, _step(counter, roles.get(flowable.style.name, "P")))
        if getattr(flowable, "_link_url", None):  # a paragraph that is a link: P > Link
            flowable._link_path = (*paragraph, _step(counter, "Link"))
            return mark(flowable, flowable._link_path)
        return mark(flowable, paragraph)
    if isinstance(flowable, KeepTogether):
        flowable._content = _sequence(flowable._content, base, roles, counter)
        return flowable
    if isinstance(flowable, Spacer) or not getattr(flowable, "_draws", True):
        return flowable
    if getattr(flowable, "_link_url", None):
        link = (*base, _step(counter, "Link"))
        flowable._link_path = link
        return mark(flowable, (*link, _step(counter, "Figure", Alt=flowable._tag_alt)))
    if getattr(flowable, "_tag_alt", None):
        return mark(flowable, (*base, _step(counter, "Figure", Alt=flowable._tag_alt)))
    if isinstance(flowable, Drawing):
        return mark(flowable, (*base, _step(counter, "Artifact")))
    if isinstance(flowable, Table):
        return _tag_table(flowable, base, roles, counter)
    return mark(flowable, (*base, _step(counter, "Figure", Alt=getattr(
        flowable, "alt", "") or "Figure")))


def _tag_table(table, base: Path, roles: dict[str, str], counter):
    if getattr(table, "_tag_rows_as_list", False):  # a checklist: each row an item
        list_path = (*base, _step(counter, "L"))
        table._cellvalues = [_list_row(row, list_path, roles, counter)
                             for row in table._cellvalues]
        return table
    headers = getattr(table, "_tag_table", None)
    if headers is None:  # a layout table: its cells are tagged in place, in reading order
        table._cellvalues = [[_tag_cell(cell, base, roles, counter) for cell in row]
                             for row in table._cellvalues]
        return table
    path = (*base, _step(counter, "Table"))
    rows = []
    for r, row in enumerate(table._cellvalues):
        row_path = (*path, _step(counter, "TR"))
        cells = []
        for c, cell in enumerate(row):
            header = (r == 0 and headers.get("header_row")) or (c == 0 and headers.get(
                "header_column"))
            scope = ({"Scope": "Column"} if r == 0 and headers.get("header_row")
                     else {"Scope": "Row"} if header else {})
            cell_path = (*row_path, _step(counter, "TH" if header else "TD", **scope))
            cells.append(_tag_cell(cell, cell_path, roles, counter, own=True))
        rows.append(cells)
    table._cellvalues = rows
    return table


def _list_row(row, list_path: Path, roles: dict[str, str], counter) -> list:
    body = (*list_path, _step(counter, "LI"), _step(counter, "LBody"))
    return [_tag_cell(cell, body, roles, counter, own=True) for cell in row]


def _tag_cell(cell, base: Path, roles: dict[str, str], counter, own: bool = False):
    """A table cell's content tagged; in a data table each paragraph is part of the cell."""
    items = cell if isinstance(cell, (list, tuple)) else [cell]
    if own:
        tagged = [mark(item, base) if hasattr(item, "frags") and not getattr(
            item, "_tag_list", False) else item for item in items]
        tagged = _sequence(tagged, base, roles, counter) if any(
            not isinstance(t, Tagged) for t in tagged) else tagged
    else:
        tagged = _sequence(list(items), base, roles, counter)
    return tagged if isinstance(cell, (list, tuple)) else tagged[0]
