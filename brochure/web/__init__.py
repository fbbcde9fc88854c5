"""The physician's web form and JSON API (``brochure serve``): FastAPI, server-rendered Jinja2
pages, no build step.

Patient data travels only in POST bodies and lives only in memory for the request: nothing is
written to disk, access logs carry the method, path and status only, and every response says
``Cache-Control: no-store`` and carries a Content-Security-Policy (see :mod:`.guard`). The
form's POSTs need this server process's token and its own origin (:mod:`.csrf`); the JSON API
takes ``application/json`` only. An unexpected error is told by its type, place and error id.
A summary leaves only once its line (no patient data) is in the audit log (:mod:`..audit`);
503 when the log cannot take it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import Field, field_validator
from starlette.concurrency import run_in_threadpool

from .. import __version__, audit
from ..candidacy import Assessment, assess
from ..clock import today
from ..errors import BrochureError, RecordFitError
from ..model.base import Strict, close_match, unknown_name
from ..model.patient import PatientRecord
from ..model.rules import ReasonKind
from ..network import Security
from ..output import summary_token, token_key
from ..passwords import (
    RULE,
    STRENGTH_RULE,
    check_password,
    password_problem,
    personal_problem,
    record_inputs,
)
from ..project import Project
from ..records import field_errors, to_record
from ..summaries import (
    DEFAULT_PUBLICATION,
    Summary,
    check_physician,
    glyph_warnings,
    summarize,
    summary_kit,
)
from . import assessed, csrf
from .files import Files
from .guard import MAX_BODY, Guard, log

__all__ = ["MAX_BODY", "create_app", "log"]
HERE = Path(__file__).parent
FORM_TYPE = "application/x-www-form-urlencoded"


class SummaryRequest(PatientRecord):
    """A patient record, and optionally a password to encrypt the PDF with (AES-256)."""

    password: str | None = Field(None, description=f"encrypts the PDF; {RULE}, {STRENGTH_RULE}; "
                                                   "send it to the patient by another channel")

    @field_validator("password")
    @classmethod
    def _password_rule(cls, value: str | None) -> str | None:
        return None if value is None else check_password(value)


class ReasonGroupOut(Strict):
    """Reasons that bear on the verdict in one way, under the heading the patient's summary
    gives them (in the record's language)."""

    kind: ReasonKind = Field(description=(
        "doctors_view (the physician's verdict; its reason is the override's), rules_found (the "
        "rules' own verdict under an override), led_to_this (the rules of the verdict), "
        "also_to_check (rules of a weaker verdict that is not favourable), in_your_favour "
        "(rules of a favourable verdict, when the verdict is not one)"))
    heading: str
    verdict: str | None = Field(description="the verdict this group explains, if one")
    label: str | None = Field(description="that verdict's label")
    reasons: list[str] = Field(description=(
        "the rules' reasons; empty for doctors_view (the override's reason is the caller's "
        "own text and is not sent back)"))


class AssessmentOut(Strict):
    verdict: str
    label: str
    reasons: list[str] = Field(description="every reason, strongest rule first")
    groups: list[ReasonGroupOut] = Field(description=(
        "the same reasons grouped by how they bear on the verdict, in the summary's order"))
    overridden: bool
    warnings: list[str] = Field(default_factory=list, description=(
        "characters of the record that no available font can draw (each prints as an empty "
        "box), named by code point"))


def create_app(project: Project, hosts: Iterable[str] | None = None,
               security: Security | None = None) -> FastAPI:
    """The web application over a loaded project. ``hosts``: the host names it answers to
    (``brochure serve`` passes its address and the loopback names; None answers to any).
    ``security``: the network mode's log-in (:mod:`.auth`); None on loopback."""
    app = FastAPI(title="brochure", version=__version__, docs_url=None, redoc_url=None,
                  description="Candidacy assessments and patient summaries for EHR "
                              "integrations. Records travel in POST bodies only, as "
                              "application/json.")
    if security is not None:
        from .auth import protect
        protect(app, security)  # inside the Guard: the Host check and body limit come first
    app.add_middleware(Guard, hosts=hosts)
    # Starlette types a handler as taking any Exception; it is called with the one registered
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.mount("/static", Files(directory=HERE / "static"), name="static")
    app.mount("/swagger", Files(directory=_swagger_assets()), name="swagger")
    templates = Jinja2Templates(directory=HERE / "templates")
    kit = summary_kit(project)
    _pages(app, templates, project, kit, csrf.new_token())
    _api(app, templates, project, kit)
    return app


def _swagger_assets() -> Path:
    import swagger_ui_bundle  # type: ignore[import-untyped]  # no stubs, one path read
    return Path(swagger_ui_bundle.swagger_ui_path)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and what is wrong, without echoing the values (patient data); a
    key that is no field is named only when it is close to one (:func:`unknown_name`)."""
    fields = _body_fields(request)
    return _field_errors([_keyed(err, fields) for err in exc.errors()])


def _keyed(err: dict, fields: list[str]) -> tuple:
    """An error as (location, message, kind); an unknown key (or one sent twice) that is not
    close to a field is left out of the location: it may be a patient's text."""
    loc, kind = tuple(err["loc"]), err["type"]
    if kind not in ("extra_forbidden", "duplicate_field") or not loc or loc[-1] in fields:
        return loc, err["msg"], kind
    key = str(loc[-1])
    message = unknown_name(key, fields) + ("; sent twice" if kind == "duplicate_field" else "")
    return (loc if close_match(key, fields) else loc[:-1]), message, kind


def _body_fields(request: Request) -> list[str]:
    """The fields the body of the request's route may hold (a record's when not known)."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    return list(getattr(model, "model_fields", PatientRecord.model_fields))


def _field_errors(errors: list[tuple]) -> JSONResponse:
    """The API's 422: per field its name, location, message and kind; never its value."""
    detail = [{"field": ".".join(str(p) for p in loc if p != "body"), "loc": list(loc),
               "msg": msg.removeprefix("Value error, "), "type": kind}
              for loc, msg, kind in errors]
    return JSONResponse({"detail": detail}, status_code=422)


def physician_problem(record: PatientRecord, kit) -> str | None:
    """Why the record's physician is not on the brand's roster (naming the roster's keys), or
    None when it is."""
    try:
        check_physician(record, kit)
    except BrochureError as exc:
        return "; ".join(p.message for p in exc.problems)
    return None


def project_problems(record: PatientRecord, kit) -> dict[str, str]:
    """Each field whose value the project refuses: an id that does not match its pattern, a
    physician not on the roster (the messages give the pattern or the roster, never the
    value)."""
    found = {"id": kit.settings.id_problem(record.id),
             "physician": physician_problem(record, kit)}
    return {name: message for name, message in found.items() if message}


def _refused(problems: dict[str, str]) -> JSONResponse:
    return _field_errors([(("body", name), message, "value_error")
                          for name, message in problems.items()])


TWICE = "sent twice: send each field once"


async def _json_only(request: Request) -> None:
    """415 unless the body is sent as ``application/json``; 422 for a field sent twice (JSON
    parsers keep the last, silently: ``"pain": 7, "pain": 9`` must not become 9)."""
    if _media_type(request) != "application/json":
        raise HTTPException(415, "send the record as application/json")
    try:
        json.loads(await request.body(), object_pairs_hook=_once)
    except _TwiceError as twice:
        raise RequestValidationError([{"loc": ("body", *twice.args), "msg": TWICE,
                                       "type": "duplicate_field"}]) from None
    except ValueError:
        pass  # not JSON at all: the framework has said so already


class _TwiceError(ValueError):
    """A JSON object with one key twice (the key is the exception's argument)."""


def _once(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise _TwiceError(key)
    return dict(pairs)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _assessment(record: PatientRecord, kit) -> dict:
    """The record's assessment as the API and the form show it: verdict, reasons flat and in
    groups under the summary's headings, and characters no font can draw."""
    result = assess(record, kit.rules)
    return {"verdict": result.verdict, "label": result.label, "reasons": result.reasons,
            "groups": _groups(result, kit.text(record.language).reasons_block()),
            "overridden": result.overridden, "warnings": list(glyph_warnings(record, kit))}


def _groups(result: Assessment, block) -> list[dict]:
    """The groups in the order the summary's ``reasons`` block lists them, with its headings
    (the kinds themselves when a summary has no such block). The override's reason is the
    caller's own patient text: it is never sent back."""
    groups = sorted(result.groups, key=lambda g: block.order(g.kind)) if block else result.groups
    return [{"kind": g.kind, "heading": block.heading(g.kind).heading if block else g.kind,
             "verdict": g.verdict, "label": g.label,
             "reasons": [] if g.kind == "doctors_view" else list(g.reasons)}
            for g in groups]


WARNINGS_HEADER = "X-Brochure-Warnings"
"""The summary PDF's warnings (characters no font can draw), joined by '; ': code points and
character names only, so plain ASCII."""


UNSUPPORTED: dict[int | str, dict[str, Any]] = {
    415: {"description": "the body is not application/json"}}


def _api(app: FastAPI, templates: Jinja2Templates, project: Project, kit) -> None:
    @app.get("/api/health", tags=["service"])
    def health() -> dict:
        """Whether the service is up, and the versions it assesses with."""
        return {"status": "ok", "version": __version__, "rules_version": kit.rules.version}

    @app.post("/api/assess", response_model=AssessmentOut, tags=["records"],
              dependencies=[Depends(_json_only)], responses=UNSUPPORTED)
    def api_assess(record: PatientRecord):
        """The verdict, its label and every reason for one record."""
        if problems := project_problems(record, kit):
            return _refused(problems)
        return _assessment(record, kit)

    @app.post("/api/summaries", tags=["records"], response_class=Response,
              dependencies=[Depends(_json_only)],
              responses={200: {"content": {"application/pdf": {}},
                               "description": "the summary PDF"}, **UNSUPPORTED,
                         503: {"description": "the audit log cannot take the summary's line"}})
    def api_summary(request: SummaryRequest, http: Request) -> Response:
        """The patient's 2-page candidacy summary as a PDF (encrypted if a password is
        given)."""
        record = PatientRecord.model_validate(request.model_dump(exclude={"password"}))
        if problems := project_problems(record, kit):
            return _refused(problems)
        if request.password and (problem := personal_problem(request.password,
                                                             record_inputs(record))):
            return _field_errors([(("body", "password"), problem, "value_error")])
        try:
            summary = summarize(record, password=request.password, project=project)
        except RecordFitError as unfit:
            return _field_errors([(("body", name), unfit.problems[0].message, "too_long")
                                  for name in unfit.fields])
        return _audited(http, project, record, summary, request.password is not None)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI from our own copy; its start-up script is a file, not inline."""
        return templates.TemplateResponse(request, "docs.html", {"title": "brochure API"})


AUDIT_UNAVAILABLE = ("the summary was not handed out: the audit log cannot take its line, and "
                     "no summary leaves without one; tell the administrator (the server's log "
                     "says why)")


def _audited(request: Request, project: Project, record: PatientRecord, summary: Summary,
             encrypted: bool) -> Response:
    """The summary's PDF once its line is in the audit log (written before the PDF leaves);
    503 when the log cannot take it, the folder and the cause in the server's log."""
    found = summary.assessment
    try:
        audit.record_line(project.root, audit.entry(
            "server", _user(request), DEFAULT_PUBLICATION, found.verdict, found.overridden,
            encrypted, summary_token(record, token_key(), DEFAULT_PUBLICATION)))
    except BrochureError as exc:
        log.error("no summary handed out: %s", exc.problems[0])
        return PlainTextResponse(AUDIT_UNAVAILABLE, 503)
    return _pdf(summary.pdf, summary.warnings)


def _user(request: Request) -> str:
    """Who asked: the signed-in user (set by the log-in), else ``loopback``."""
    user = getattr(request.state, "user", None)
    return str(getattr(user, "name", user)) if user else "loopback"


def _pdf(pdf: bytes, warnings: Iterable[str] = ()) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="candidacy-summary.pdf"'}
    if warnings:
        headers[WARNINGS_HEADER] = "; ".join(warnings)
    return Response(pdf, media_type="application/pdf", headers=headers)


FORM_FIELDS = [name for name in PatientRecord.model_fields if name != "conditions"]


def _form_data(form) -> dict:
    """The record as typed into the form: empty fields left out, conditions as a list."""
    data = {name: form.get(name) for name in FORM_FIELDS if form.get(name) not in (None, "")}
    data["conditions"] = form.getlist("conditions")
    data["injection_without_relief"] = form.get("injection_without_relief") == "true"
    return data


def _pages(app: FastAPI, templates: Jinja2Templates, project: Project, kit, token: str) -> None:
    def page(request: Request, values: dict, errors: dict, result=None, status: int = 200,
             digest: str | None = None):
        return templates.TemplateResponse(request, "form.html", {
            "values": values, "errors": errors, "result": result, "brand": kit.brand,
            "physicians": [(p.key, p.display_name("en")) for p in kit.brand.physicians],
            "verdicts": [(v.id, v.label["en"]) for v in kit.rules.verdicts],
            "csrf_field": csrf.FIELD, "csrf_token": token,
            "assessed_field": assessed.FIELD, "assessed": digest,
        }, status_code=status)

    def assessed_page(request: Request, values: dict, record: PatientRecord,
                      errors: dict | None = None, status: int = 200):
        """The form with the record's assessment and its Download button, which sends the
        fields with the digest of this record (:mod:`.assessed`)."""
        return page(request, values, errors or {}, _assessment(record, kit), status,
                    assessed.digest(record))

    async def posted(request: Request):
        """The form's fields, or the refusal: 415 unless a plain form, 403 if forged."""
        if _media_type(request) != FORM_TYPE:
            return PlainTextResponse(f"send the form as {FORM_TYPE}", 415)
        form = await request.form()
        if csrf.forged(request, form, token):
            return PlainTextResponse(csrf.REFUSED, 403)
        return form

    def record_errors(form, values: dict) -> dict:
        """Each field's problem: sent twice, invalid, or refused by the project (an id off its
        pattern, a physician not on the roster)."""
        twice = {name: TWICE for name in [*FORM_FIELDS, "password"]
                 if len(form.getlist(name)) > 1}
        errors = twice or field_errors(values)
        return errors or project_problems(to_record(values), kit)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def form(request: Request):
        return page(request, {"conditions": [], "visit_date": today().isoformat()}, {})

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request):
        form = await posted(request)
        if isinstance(form, Response):
            return form
        values = _form_data(form)
        if errors := record_errors(form, values):
            return page(request, values, errors, status=422)
        return assessed_page(request, values, to_record(values))

    @app.post("/summary.pdf", include_in_schema=False)
    async def download(request: Request):
        form = await posted(request)
        if isinstance(form, Response):
            return form
        values = _form_data(form)
        if errors := record_errors(form, values):
            return page(request, values, errors, status=422)
        record = to_record(values)
        if not assessed.is_assessed(record, form.get(assessed.FIELD)):  # not what was assessed
            return page(request, values, {"assess": assessed.STALE}, status=409)
        password = form.get("password") or None
        if password is not None and (problem := password_problem(password,
                                                                 record_inputs(record))):
            return assessed_page(request, values, record, {"password": problem}, 422)
        # rendering takes milliseconds of CPU: off the event loop, like the API's
        try:
            summary = await run_in_threadpool(summarize, record, password=password,
                                              project=project)
        except RecordFitError as unfit:  # told at each field it names
            return assessed_page(request, values, record,
                                 dict.fromkeys(unfit.fields, unfit.problems[0].message), 422)
        return await run_in_threadpool(_audited, request, project, record, summary,
                                       password is not None)
