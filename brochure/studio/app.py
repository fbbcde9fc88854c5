"""The studio's web application: server-rendered pages (Jinja2), a small script, no build step.

Reads (the page, its fragments, page images, downloads) are plain GETs. Every request that
changes a file carries this run's token (from the page) and a same-origin ``Origin``: anything
else is refused with 403 before any path is looked at, and a path the studio does not edit
with 400 (:mod:`.paths`); nothing is written then. The server answers only to the loopback
names, with the security headers of ``brochure serve`` (:class:`~brochure.web.guard.Guard`).
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from ..kinds import PRINT, SCREEN
from ..web import csrf
from ..web.files import Files
from ..web.guard import Guard
from .documents import DocKey, DocView, Workspace, excerpt
from .edits import Conflict, Edits
from .events import Hub
from .paths import PathRefused, readable, relative
from .preview import record_name
from .splice import EditRefused

HERE = Path(__file__).parent
TOKEN_HEADER = "x-studio-token"
KEEP_ALIVE = 15.0
"""Seconds between comments on an idle event stream (so a closed page is noticed)."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")
REFUSED = ("forbidden: a change must come from the studio's own page (reload it: the studio "
           "may have been restarted)")


class Studio:
    """What the routes share: the workspace, the edits, the hub, this run's token."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.workspace = Workspace(self.root)
        self.edits = Edits(self.root)
        self.hub = Hub(self.workspace)
        self.token = csrf.new_token()


def create_studio(root: Path, hosts: tuple[str, ...] | None = LOOPBACK) -> FastAPI:
    """The studio over the project at ``root``, answering to ``hosts`` (None: any; the
    watcher is started by the command)."""
    app = FastAPI(title="brochure studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard, hosts=hosts)
    app.mount("/static", Files(directory=HERE / "static"), name="static")
    studio = Studio(root)
    app.state.studio = studio
    templates = Jinja2Templates(directory=HERE / "templates")
    _pages(app, templates, studio)
    _writes(app, studio)
    _downloads(app, studio)
    return app


def _key(studio: Studio, request: Request) -> DocKey | None:
    query = request.query_params
    return studio.workspace.key(query.get("publication"), query.get("layout"),
                                query.get("language"), query.get("brand"))


def _context(studio: Studio, view: DocView | None) -> dict[str, Any]:
    """What the templates need to draw a document's view."""
    workspace = studio.workspace
    project = workspace.project
    title = ""
    if view is not None and project is not None and \
            view.key.publication in project.publications:
        title = project.edition(view.key.publication, view.key.language).model.title
    key = view.key if view else None
    summary = None
    if key is not None and view is not None and view.summary:
        title = f"{title}: summary for the preview record"
        summary = {"wording": f"content/{key.publication}/summary.yaml",
                   "rules": f"content/{key.publication}/candidacy.yaml",
                   "record": record_name(key.publication)}
    return {"view": view, "key": key, "title": title, "summary": summary,
            "missing_summary": workspace.missing_summary(key.publication) if key else None,
            "choices": workspace.choices(key.brand if key else None), "token": studio.token,
            "file_of": lambda block: relative(studio.root, block.source.path)
            if block.source else "", "outline": _outline(view),
            "problems": workspace.problems}


def _outline(view: DocView | None) -> list[tuple[str, list[Any]]]:
    """The placed blocks by section, in the order the pages show them."""
    if view is None or view.rendered is None:
        return []
    sections: dict[str, list[Any]] = {}
    for block in view.rendered.blocks:
        sections.setdefault(block.section, []).append(block)
    return list(sections.items())


def _pages(app: FastAPI, templates: Jinja2Templates, studio: Studio) -> None:
    workspace = studio.workspace

    @app.get("/", response_class=HTMLResponse)
    def studio_page(request: Request) -> Response:
        key = _key(studio, request)
        view = workspace.with_findings(key) if key else None
        return templates.TemplateResponse(request, "studio.html", _context(studio, view))

    @app.get("/workspace", response_class=HTMLResponse)
    def workspace_fragment(request: Request) -> Response:
        key = _key(studio, request)
        view = workspace.view(key) if key else None
        return templates.TemplateResponse(request, "workspace.html", _context(studio, view))

    @app.get("/image/{digest}.png")
    def image(digest: str) -> Response:
        png = workspace.image(digest)
        if png is None:
            return Response("no such page image (the page was rendered again: reload)", 404,
                            media_type="text/plain")
        return Response(png, media_type="image/png")

    @app.get("/editor", response_class=HTMLResponse)
    def editor(request: Request, file: str, loc: str) -> Response:
        place = _loc(loc)
        try:
            base, fields, (first, last) = studio.edits.fields(file, place)
        except PathRefused as exc:
            return Response(str(exc), 400, media_type="text/plain")
        except EditRefused as exc:
            fields, base, refused, first, last = [], "", str(exc), 0, 0
        else:
            refused = ""
        return templates.TemplateResponse(request, "editor.html", {
            "file": file, "loc": place, "base": base, "fields": fields, "refused": refused,
            "first": first, "excerpt": excerpt(studio.root, file, first, last) if first else None})

    @app.get("/source", response_class=HTMLResponse)
    def source(request: Request, file: str, line: int) -> Response:
        try:
            readable(studio.root, file)
        except PathRefused as exc:
            return Response(str(exc), 400, media_type="text/plain")
        return templates.TemplateResponse(request, "source.html", {
            "excerpt": excerpt(studio.root, file, line), "file": file, "line": line})

    @app.get("/events")
    async def events(request: Request) -> Response:
        key = _key(studio, request)
        if key is None:
            return Response("no publication", 404, media_type="text/plain")
        return StreamingResponse(_stream(studio, key, request.query_params.get("version")),
                                 media_type="text/event-stream")


async def _stream(studio: Studio, key: DocKey, shown: str | None) -> Any:
    """The document's versions as server-sent events, the current one first when the page
    shows an older one."""
    import asyncio

    queue = studio.hub.listen(key)
    try:
        yield "retry: 1000\n\n"
        view = await run_in_threadpool(studio.workspace.view, key)
        if shown != str(view.version):
            yield f"data: {view.version}\n\n"
        while True:
            try:
                version = await asyncio.wait_for(queue.get(), KEEP_ALIVE)
            except asyncio.TimeoutError:
                yield ": still here\n\n"
                continue
            yield f"data: {version}\n\n"
    finally:
        studio.hub.leave(queue)


def _loc(text: str) -> tuple[str | int, ...]:
    """A place in a file as the page sends it: a JSON list of keys and indexes."""
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, (str, int)) and
                                              not isinstance(p, bool) for p in value):
        return ()
    return tuple(value)


def allowed(request: Request, token: str) -> bool:
    """Whether a change comes from the studio's own page: this run's token and an ``Origin``
    that is the studio's own."""
    sent = request.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(sent.encode(), token.encode()):
        return False
    return "origin" in request.headers and csrf.same_origin(request)


def _writes(app: FastAPI, studio: Studio) -> None:
    @app.post("/api/save")
    async def save(request: Request) -> Response:
        if not allowed(request, studio.token):
            return JSONResponse({"detail": REFUSED}, 403)
        try:
            body = await request.json()
            file, loc, value, base = (body["file"], _loc(json.dumps(body["loc"])),
                                      body["value"], body["base"])
            if not isinstance(file, str) or not isinstance(value, str) or not loc:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"detail": "expected JSON: file, loc, value, base"}, 400)
        return await run_in_threadpool(_saved, studio, file, loc, value, str(base))

    @app.post("/api/undo")
    async def undo(request: Request) -> Response:
        if not allowed(request, studio.token):
            return JSONResponse({"detail": REFUSED}, 403)
        return await run_in_threadpool(_undone, studio)


def _saved(studio: Studio, file: str, loc: tuple, value: str, base: str) -> Response:
    try:
        digest = studio.edits.save(file, loc, value, base)
    except PathRefused as exc:
        return JSONResponse({"detail": str(exc)}, 400)
    except EditRefused as exc:
        return JSONResponse({"detail": str(exc)}, 422)
    except Conflict as exc:
        return JSONResponse({"detail": str(exc), "diff": exc.diff}, 409)
    return JSONResponse({"detail": f"saved {file}; the pages follow in a moment",
                         "base": digest})


def _undone(studio: Studio) -> Response:
    try:
        file = studio.edits.undo()
    except PathRefused as exc:
        return JSONResponse({"detail": str(exc)}, 400)
    except Conflict as exc:
        return JSONResponse({"detail": str(exc), "diff": exc.diff}, 409)
    if file is None:
        return JSONResponse({"detail": "nothing to undo: no save in this run"}, 409)
    return JSONResponse({"detail": f"undid the last save of {file}"})


def _downloads(app: FastAPI, studio: Studio) -> None:
    workspace = studio.workspace

    @app.get("/download/{kind}.pdf")
    def download(request: Request, kind: str) -> Response:
        key = _key(studio, request)
        if key is None or kind not in ("screen", "print", "proof"):
            return Response("no such download", 404, media_type="text/plain")
        view = workspace.with_findings(key)
        if view.summary and kind == "print":
            return Response("a summary has no print file (it is printed on a desk printer)",
                            404, media_type="text/plain")
        if view.errors:
            return Response("the document has errors now: fix them first (the page lists "
                            "them)", 409, media_type="text/plain")
        data = _pdf(studio, key, view, kind)
        name = f"{key.publication}-{key.layout}-{key.language}-{kind}.pdf"
        return Response(data, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _pdf(studio: Studio, key: DocKey, view: DocView, kind: str) -> bytes:
    from ..build import render_publication
    from .proof import proof

    workspace = studio.workspace
    with workspace.lock:
        project = workspace.project
        assert project is not None
        if kind == "proof":
            title = project.edition(key.publication, key.language).model.title
            return proof(view, project.brands[key.brand].model, title)
        if view.summary:
            return view.pdf
        return render_publication(project, key.publication, key.layout,
                                  SCREEN if kind == "screen" else PRINT, key.language,
                                  key.brand)[0]
