"""The physician's web form and JSON API (``brochure serve``): FastAPI, server-rendered Jinja2
pages, no build step.

Patient data travels only in POST bodies and lives only in memory for the request: nothing is
written to disk, access logs carry the method, path and status only, and every response says
``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware

from .. import __version__
from ..candidacy import Assessment, assess
from ..errors import BrochureError
from ..model.base import Strict
from ..model.patient import PatientRecord
from ..project import Project
from ..records import field_errors, to_record
from ..summaries import summarize, summary_kit

MAX_BODY = 64 * 1024
HERE = Path(__file__).parent
log = logging.getLogger("brochure.web")


class SummaryRequest(PatientRecord):
    """A patient record, and optionally a password to encrypt the PDF with (AES-256)."""

    password: str | None = Field(None, min_length=1, max_length=200,
                                 description="encrypts the PDF; send it by another channel")


class AssessmentOut(Strict):
    verdict: str
    label: str
    reasons: list[str]
    overridden: bool


def create_app(project: Project) -> FastAPI:
    """The web application over a loaded project."""
    app = FastAPI(title="brochure", version=__version__, docs_url=None, redoc_url=None,
                  description="Candidacy assessments and patient summaries for EHR "
                              "integrations. Records travel in POST bodies only.")
    app.add_middleware(_Guard)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/swagger", StaticFiles(directory=_swagger_assets()), name="swagger")
    templates = Jinja2Templates(directory=HERE / "templates")
    kit = summary_kit(project)
    _pages(app, templates, project, kit)
    _api(app, project, kit)
    return app


def _swagger_assets() -> Path:
    import swagger_ui_bundle
    return Path(swagger_ui_bundle.swagger_ui_path)


class _Guard(BaseHTTPMiddleware):
    """Refuses bodies over 64 KB, forbids caching, and logs method, path and status only."""

    async def dispatch(self, request: Request, call_next):
        if await _too_large(request):
            response = JSONResponse({"detail": f"request body over {MAX_BODY // 1024} KB"},
                                    status_code=413)
        else:
            response = await call_next(request)
        response.headers["Cache-Control"] = "no-store"
        log.info("%s %s %s", request.method, request.url.path, response.status_code)
        return response


async def _too_large(request: Request) -> bool:
    """Over 64 KB by its declared length, or (chunked) by what actually arrives."""
    length = request.headers.get("content-length")
    if length and length.isdigit():
        return int(length) > MAX_BODY
    return request.method == "POST" and len(await request.body()) > MAX_BODY


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and what is wrong, without echoing the values (patient data)."""
    detail = [{"field": ".".join(str(p) for p in err["loc"] if p != "body"),
               "loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
              for err in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


def _assessment(result: Assessment) -> dict:
    return {"verdict": result.verdict, "label": result.label, "reasons": result.reasons,
            "overridden": result.overridden}


def _api(app: FastAPI, project: Project, kit) -> None:
    @app.get("/api/health", tags=["service"])
    def health() -> dict:
        """Whether the service is up, and the versions it assesses with."""
        return {"status": "ok", "version": __version__, "rules_version": kit.rules.version}

    @app.post("/api/assess", response_model=AssessmentOut, tags=["records"])
    def api_assess(record: PatientRecord) -> dict:
        """The verdict, its label and every reason for one record."""
        return _assessment(assess(record, kit.rules))

    @app.post("/api/summaries", tags=["records"], response_class=Response,
              responses={200: {"content": {"application/pdf": {}},
                               "description": "the summary PDF"}})
    def api_summary(request: SummaryRequest) -> Response:
        """The patient's 2-page candidacy summary as a PDF (encrypted if a password is
        given)."""
        record = PatientRecord.model_validate(request.model_dump(exclude={"password"}))
        pdf = summarize(record, password=request.password, project=project).pdf
        return _pdf(pdf)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="brochure API",
                                   swagger_js_url="/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/swagger/swagger-ui.css",
                                   swagger_favicon_url="/swagger/favicon-32x32.png")


def _pdf(pdf: bytes) -> Response:
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="candidacy-summary.pdf"'})


FORM_FIELDS = [name for name in PatientRecord.model_fields if name != "conditions"]


def _form_data(form) -> dict:
    """The record as typed into the form: empty fields left out, conditions as a list."""
    data = {name: form.get(name) for name in FORM_FIELDS if form.get(name) not in (None, "")}
    data["conditions"] = form.getlist("conditions")
    data["injection_without_relief"] = form.get("injection_without_relief") == "true"
    return data


def _pages(app: FastAPI, templates: Jinja2Templates, project: Project, kit) -> None:
    def page(request: Request, values: dict, errors: dict, result=None, status: int = 200):
        return templates.TemplateResponse(request, "form.html", {
            "values": values, "errors": errors, "result": result, "brand": kit.brand,
            "physicians": [(p.key, p.display_name("en")) for p in kit.brand.physicians],
            "verdicts": [(v.id, v.label["en"]) for v in kit.rules.verdicts],
        }, status_code=status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def form(request: Request):
        return page(request, {"conditions": [], "visit_date": date.today().isoformat()}, {})

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request):
        values = _form_data(await request.form())
        errors = field_errors(values)
        if errors:
            return page(request, values, errors, status=422)
        return page(request, values, {}, _assessment(assess(to_record(values), kit.rules)))

    @app.post("/summary.pdf", include_in_schema=False)
    async def download(request: Request):
        form = await request.form()
        values = _form_data(form)
        try:
            record = to_record(values)
        except BrochureError:
            return page(request, values, field_errors(values), status=422)
        password = form.get("password") or None
        # rendering takes milliseconds of CPU: off the event loop, like the API's
        summary = await run_in_threadpool(summarize, record, password=password, project=project)
        return _pdf(summary.pdf)
