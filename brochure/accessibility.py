"""Accessibility checks on produced PDFs: what a screen reader needs from a tagged PDF.

Findings (each names the file, page and element): text drawn outside any marked-content
sequence, a Figure without alternative text, a table without header cells, a heading that
skips a level or is empty, a link annotation without a description or outside the structure
tree, no structure tree or MarkInfo, no /Lang, no title shown in the window.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

from .preflight import Finding, catalog, document_info, found_by_content

TEXT_SHOWING = {b"Tj", b"TJ", b"'", b'"'}


def accessibility(path: Path) -> list[Finding]:
    """What a screen reader would miss in ``path``."""
    return found_by_content("accessibility", path, "", _accessibility)


def _accessibility(path: Path, data: bytes) -> list[Finding]:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return []  # needs its password; checked before it was encrypted
    findings = _document(path, reader)
    for number, page in enumerate(reader.pages, start=1):
        findings += _untagged_text(path, number, page, reader)
    tree = catalog(reader).get("/StructTreeRoot")
    if tree is not None:
        pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, 1)
                 if page.indirect_reference is not None}  # (a read page always has one)
        findings += _elements(path, tree.get_object(), pages)
        owners = _number_tree(tree.get_object().get("/ParentTree"))
        for number, page in enumerate(reader.pages, start=1):
            findings += _links(path, number, page, owners)
    return findings


def _document(path: Path, reader: PdfReader) -> list[Finding]:
    root, info = catalog(reader), document_info(reader)
    found = []
    if "/StructTreeRoot" not in root:
        found.append(Finding(path, None, "accessibility", "document", "not tagged: no "
                             "structure tree"))
    if not (root.get("/MarkInfo") or {}).get("/Marked"):
        found.append(Finding(path, None, "accessibility", "/MarkInfo", "Marked is not true"))
    if not root.get("/Lang"):
        found.append(Finding(path, None, "accessibility", "/Lang", "no document language"))
    if not info.get("/Title"):
        found.append(Finding(path, None, "accessibility", "/Title", "no document title"))
    if not (root.get("/ViewerPreferences") or {}).get("/DisplayDocTitle"):
        found.append(Finding(path, None, "accessibility", "DisplayDocTitle",
                             "the window shows the file name, not the title"))
    return found


def _untagged_text(path: Path, number: int, page, reader: PdfReader) -> list[Finding]:
    content = page.get_contents()
    if content is None:
        return []
    depth, outside = 0, 0
    for _, operator in ContentStream(content, reader).operations:
        if operator in (b"BDC", b"BMC"):
            depth += 1
        elif operator == b"EMC":
            depth -= 1
        elif operator in TEXT_SHOWING and depth <= 0:
            outside += 1
    if not outside:
        return []
    return [Finding(path, number, "accessibility", "content stream",
                    f"{outside} text-showing operator(s) outside any marked-content sequence")]


def _elements(path: Path, root, pages: dict[int, int]) -> list[Finding]:
    found, last_level = [], 0
    for element in _walk(root):
        role = str(element.get("/S", ""))
        page = _page_of(element, pages)
        if role == "/Figure" and not element.get("/Alt"):
            found.append(Finding(path, page, "accessibility", "Figure", "no alternative text"))
        if role == "/Table" and not any(str(e.get("/S")) == "/TH" for e in _walk(element)):
            found.append(Finding(path, page, "accessibility", "Table",
                                 "no header cells (TH): a screen reader cannot say what a "
                                 "cell's value is"))
        if len(role) == 3 and role.startswith("/H") and role[2].isdigit():
            level = int(role[2])
            if level > last_level + 1:
                found.append(Finding(path, page, "accessibility", f"heading {role[1:]}",
                                     f"skips a level (the previous heading was "
                                     f"{'H' + str(last_level) if last_level else 'none'})"))
            if element.get("/K") in (None, []):
                found.append(Finding(path, page, "accessibility", f"heading {role[1:]}",
                                     "is empty"))
            last_level = level
    return found


def _links(path: Path, number: int, page, owners: dict[int, object]) -> list[Finding]:
    """Each link annotation needs a description and its place in the tree (a Link element
    that holds it), or a screen reader cannot reach it."""
    found = []
    for annotation in page.get("/Annots") or []:
        annotation = annotation.get_object()
        if annotation.get("/Subtype") != "/Link":
            continue
        target = (annotation.get("/A") or {}).get("/URI", "a link")
        if not annotation.get("/Contents"):
            found.append(Finding(path, number, "accessibility", f"link to {target}",
                                 "no description (/Contents)"))
        owner = owners.get(annotation.get("/StructParent"))
        owner = owner.get_object() if isinstance(owner, IndirectObject) else owner
        if not (hasattr(owner, "get") and owner.get("/S") == "/Link"):
            found.append(Finding(path, number, "accessibility", f"link to {target}",
                                 "not in the structure tree (no Link element holds it)"))
    return found


def _number_tree(node) -> dict[int, object]:
    """A number tree (the ParentTree) as a mapping, its kids included."""
    node = node.get_object() if isinstance(node, IndirectObject) else node
    if not hasattr(node, "get"):
        return {}
    nums = node.get("/Nums") or []
    found = {int(key): value for key, value in zip(nums[::2], nums[1::2], strict=False)}
    for kid in node.get("/Kids") or []:
        found |= _number_tree(kid)
    return found


def _walk(node):
    """Structure elements in document order."""
    kids = node.get("/K")
    kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
    for kid in kids:
        kid = kid.get_object() if isinstance(kid, IndirectObject) else kid
        if hasattr(kid, "get") and "/S" in kid:
            yield kid
            yield from _walk(kid)


def _page_of(element, pages: dict[int, int]) -> int | None:
    page = element.get("/Pg")
    return pages.get(page.idnum) if isinstance(page, IndirectObject) else None
