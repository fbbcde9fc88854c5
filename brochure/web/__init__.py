"""The physician's web form and JSON API (``brochure serve``): FastAPI, server-rendered Jinja2
pages, no build step.

Patient data travels only in POST bodies and lives only in memory for the request: nothing is
written to disk, access logs carry the method, path and status only, and every response says
``Cache-Control: no-store`` and carries a Content-Security-Policy (see :mod:`.guard`). The
form's POSTs need this server process's token and its own origin (:mod:`.csrf`); the JSON API
takes ``application/json`` only. An unexpected error is told by its type, place and error id.
A summary leaves only once its line (no patient data) is in the audit log (:mod:`..audit`);
503 when the log cannot take it.

Every publication with summaries is served: a record's ``publication`` field chooses it (the
project's default when it names none); ``GET /api/publications`` lists them with the JSON
Schema of each one's record, and the form (``/?publication=…``, in English or ``&lang=es``) is
generated from its declared fields (:mod:`.form`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool

from .. import __version__, audit
from ..candidacy import Assessment, assess
from ..clock import today
from ..errors import BrochureError, RecordFitError
from ..model.base import Strict, close_match, unknown_name
from ..model.patient import PatientRecord
from ..model.record import RecordKind, RecordKinds
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
    Summary,
    check_physician,
    glyph_warnings,
    summarize,
    summary_kit,
)
from . import assessed, csrf
from . import form as generated
from .files import Files
from .guard import MAX_BODY, Guard, log

__all__ = ["MAX_BODY", "create_app", "log"]
HERE = Path(__file__).parent
FORM_TYPE = "application/x-www-form-urlencoded"


PASSWORD = {"type": "string", "description": f"encrypts the PDF; {RULE}, {STRENGTH_RULE}; "
                                             "send it to the patient by another channel"}
"""The JSON Schema of a summary request's optional ``password`` (beside the record's fields)."""


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
               security: Security | None = None, publication: str | None = None) -> FastAPI:
    """The web application over a loaded project. ``hosts``: the host names it answers to
    (``brochure serve`` passes its address and the loopback names; None answers to any).
    ``security``: the network mode's log-in (:mod:`.auth`); None on loopback.
    ``publication``: the form's first publication (default: the project's default one)."""
    app = FastAPI(title="brochure", version=__version__, docs_url=None, redoc_url=None,
                  description="Candidacy assessments and patient summaries for EHR "
                              "integrations. Records travel in POST bodies only, as "
                              "application/json; a record's `publication` chooses its fields "
                              "(GET /api/publications).")
    if security is not None:
        from .auth import protect
        protect(app, security)  # inside the Guard: the Host check and body limit come first
    app.add_middleware(Guard, hosts=hosts)
    # Starlette types a handler as taking any Exception; it is called with the one registered
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.mount("/static", Files(directory=HERE / "static"), name="static")
    app.mount("/swagger", Files(directory=_swagger_assets()), name="swagger")
    templates = Jinja2Templates(directory=HERE / "templates")
    records = project.records.choosing(publication)
    for kind in records.kinds:
        summary_kit(project, kind)  # every kit made before the first request
    app.state.fields = [*records.fields(), "password"]
    _pages(app, templates, project, records, csrf.new_token())
    _api(app, templates, project, records)
    return app


def _swagger_assets() -> Path:
    import swagger_ui_bundle  # type: ignore[import-untyped]  # no stubs, one path read
    return Path(swagger_ui_bundle.swagger_ui_path)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and what is wrong, without echoing the values (patient data); a
    key that is no field is named only when it is close to one (:func:`unknown_name`)."""
    fields = list(getattr(request.app.state, "fields", ()))
    return _field_errors([_keyed(err, fields) for err in exc.errors()])


def _keyed(err: Any, fields: list[str]) -> tuple:
    """An error as (location, message, kind); an unknown key (or one sent twice) that is not
    close to a field is left out of the location: it may be a patient's text."""
    loc, kind = tuple(err["loc"]), err["type"]
    if kind not in ("extra_forbidden", "duplicate_field") or not loc or loc[-1] in fields:
        return loc, err["msg"], kind
    key = str(loc[-1])
    message = unknown_name(key, fields) + ("; sent twice" if kind == "duplicate_field" else "")
    return (loc if close_match(key, fields) else loc[:-1]), message, kind


def _record(body: Any, records: RecordKinds,
            extra: tuple[str, ...] = ()) -> PatientRecord | JSONResponse:
    """The body as a record of its publication (``extra`` keys, like the password, set
    aside), or the 422 that names each field's problem without its value."""
    if not isinstance(body, dict):
        return _field_errors([(("body",), "expected a JSON object: a patient record",
                               "model_attributes_type")])
    publication, problem = records.publication_of(body)
    if problem is not None or publication is None:
        return _field_errors([(("body", "publication"), (problem or "").split(": ", 1)[-1],
                               "value_error")])
    kind = records.kind(publication)
    try:
        return kind.model.model_validate({k: v for k, v in body.items() if k not in extra})
    except ValidationError as exc:
        fields = [*kind.fields, *extra]
        return _field_errors([_keyed({**err, "loc": ("body", *err["loc"])}, fields)
                              for err in exc.errors()])


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


def _request_body(records: RecordKinds, password: bool = False) -> dict[str, Any]:
    """The OpenAPI request body of a route taking a record of any publication (one of their
    JSON Schemas), with a password beside it for a summary."""
    schemas = []
    for kind in records.kinds.values():
        schema = kind.model.model_json_schema()
        if password:
            schema["properties"]["password"] = PASSWORD
        schemas.append(schema)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "oneOf": schemas} if len(schemas) > 1 else schemas[0]}}}}


def _publications(project: Project, records: RecordKinds) -> list[dict[str, Any]]:
    """Each publication with summaries: its title, languages, verdicts and record schema."""
    found = []
    for name, kind in records.kinds.items():
        kit = summary_kit(project, name)
        found.append({"id": name, "title": kit.publication.title,
                      "default": name == records.default, "languages": list(kit.texts),
                      "verdicts": [{"id": v.id, "label": v.label} for v in kit.rules.verdicts],
                      "record": kind.model.model_json_schema()})
    return found


def _api(app: FastAPI, templates: Jinja2Templates, project: Project,
         records: RecordKinds) -> None:
    default = summary_kit(project, records.default)

    @app.get("/api/health", tags=["service"])
    def health() -> dict:
        """Whether the service is up, and the versions it assesses with."""
        return {"status": "ok", "version": __version__, "rules_version": default.rules.version}

    @app.get("/api/publications", tags=["records"])
    def publications() -> list[dict[str, Any]]:
        """The publications with summaries: for each, its id (a record's `publication`), title,
        languages, verdicts, whether it is the default, and the JSON Schema of its record."""
        return _publications(project, records)

    @app.post("/api/assess", response_model=AssessmentOut, tags=["records"],
              dependencies=[Depends(_json_only)], responses=UNSUPPORTED,
              openapi_extra=_request_body(records))
    def api_assess(body: Annotated[Any, Body(include_in_schema=False)] = None):
        """The verdict, its label and every reason for one record (of its `publication`)."""
        record = _record(body, records)
        if isinstance(record, Response):
            return record
        kit = summary_kit(project, record.publication)
        if problems := project_problems(record, kit):
            return _refused(problems)
        return _assessment(record, kit)

    @app.post("/api/summaries", tags=["records"], response_class=Response,
              dependencies=[Depends(_json_only)], openapi_extra=_request_body(records, True),
              responses={200: {"content": {"application/pdf": {}},
                               "description": "the summary PDF"}, **UNSUPPORTED,
                         503: {"description": "the audit log cannot take the summary's line"}})
    def api_summary(http: Request,
                    body: Annotated[Any, Body(include_in_schema=False)] = None) -> Response:
        """The patient's 2-page candidacy summary as a PDF (encrypted if a password is
        given), of the record's `publication`."""
        record = _record(body, records, ("password",))
        if isinstance(record, Response):
            return record
        password = body.get("password")
        if password is not None and (problem := _password_problem(password)):
            return _field_errors([(("body", "password"), problem, "value_error")])
        kit = summary_kit(project, record.publication)
        if problems := project_problems(record, kit):
            return _refused(problems)
        if password and (problem := personal_problem(password, record_inputs(record))):
            return _field_errors([(("body", "password"), problem, "value_error")])
        try:
            summary = summarize(record, password=password, project=project)
        except RecordFitError as unfit:
            return _field_errors([(("body", name), unfit.problems[0].message, "too_long")
                                  for name in unfit.fields])
        return _audited(http, project, record, summary, password is not None)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI from our own copy; its start-up script is a file, not inline."""
        return templates.TemplateResponse(request, "docs.html", {"title": "brochure API"})


def _password_problem(password: object) -> str | None:
    """What is wrong with a summary's password, by the rule alone (never the password)."""
    if not isinstance(password, str):
        return "expected text: the password"
    try:
        check_password(password)
    except ValueError as exc:
        return str(exc)
    return None


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
            "server", _user(request), record.publication, found.verdict, found.overridden,
            encrypted, summary_token(record, token_key(), record.publication)))
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


def _pages(app: FastAPI, templates: Jinja2Templates, project: Project, records: RecordKinds,
           token: str) -> None:
    def page(request: Request, kind: RecordKind, values: dict, errors: dict, result=None,
             status: int = 200, digest: str | None = None, lang: str = "en"):
        kit = summary_kit(project, kind.publication)
        groups = generated.groups(
            kind, lang, [(p.key, p.display_name(lang)) for p in kit.brand.physicians],
            [(v.id, v.label.get(lang) or v.label["en"]) for v in kit.rules.verdicts])
        return templates.TemplateResponse(request, "form.html", {
            "values": values, "errors": errors, "result": result, "brand": kit.brand,
            "groups": groups, "labels": generated.labels(groups), "ui": generated.words(lang),
            "lang": lang, "other_lang": "es" if lang == "en" else "en",
            "title": project.edition(kind.publication, lang).model.title,
            "publication": kind.publication,
            "publications": [(name, project.edition(name, lang).model.title)
                             for name in records.kinds],
            "csrf_field": csrf.FIELD, "csrf_token": token,
            "assessed_field": assessed.FIELD, "assessed": digest,
        }, status_code=status)

    def assessed_page(request: Request, kind: RecordKind, values: dict, record: PatientRecord,
                      lang: str, errors: dict | None = None, status: int = 200):
        """The form with the record's assessment and its Download button, which sends the
        fields with the digest of this record (:mod:`.assessed`)."""
        kit = summary_kit(project, kind.publication)
        return page(request, kind, values, errors or {}, _assessment(record, kit), status,
                    assessed.digest(record), lang)

    async def posted(request: Request):
        """The form's fields, or the refusal: 415 unless a plain form, 403 if forged."""
        if _media_type(request) != FORM_TYPE:
            return PlainTextResponse(f"send the form as {FORM_TYPE}", 415)
        form = await request.form()
        if csrf.forged(request, form, token):
            return PlainTextResponse(csrf.REFUSED, 403)
        return form

    def chosen(form) -> tuple[RecordKind, str]:
        """The publication the form was for (the default one when it names none it knows),
        and the form's language."""
        publication, _ = records.publication_of({"publication": form.get("publication")})
        lang = form.get("form_language")
        return records.kind(publication or records.default), \
            lang if lang in generated.LANGUAGES else "en"

    def record_errors(form, kind: RecordKind, values: dict) -> dict:
        """Each field's problem: sent twice, invalid, or refused by the project (an id off its
        pattern, a physician not on the roster)."""
        twice = {name: TWICE for name in [*kind.fields, "password"]
                 if len(form.getlist(name)) > 1 and not _listed(kind, name)}
        errors = twice or field_errors(values, records)
        kit = summary_kit(project, kind.publication)
        return errors or project_problems(to_record(values, records=records), kit)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def form(request: Request):
        query = request.query_params
        publication, problem = records.publication_of({"publication": query.get("publication")})
        if problem is not None or publication is None:
            return PlainTextResponse("no such publication with summaries: choose one of "
                                     f"{records.known}", 404)
        lang = query.get("lang") if query.get("lang") in generated.LANGUAGES else "en"
        kind = records.kind(publication)
        return page(request, kind, generated.initial({"visit_date": today().isoformat()}, kind),
                    {}, lang=lang or "en")

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request):
        form = await posted(request)
        if isinstance(form, Response):
            return form
        kind, lang = chosen(form)
        values = generated.form_data(form, kind)
        if errors := record_errors(form, kind, values):
            return page(request, kind, values, errors, status=422, lang=lang)
        return assessed_page(request, kind, values, to_record(values, records=records), lang)

    @app.post("/summary.pdf", include_in_schema=False)
    async def download(request: Request):
        form = await posted(request)
        if isinstance(form, Response):
            return form
        kind, lang = chosen(form)
        values = generated.form_data(form, kind)
        if errors := record_errors(form, kind, values):
            return page(request, kind, values, errors, status=422, lang=lang)
        record = to_record(values, records=records)
        if not assessed.is_assessed(record, form.get(assessed.FIELD)):  # not what was assessed
            return page(request, kind, values, {"assess": assessed.STALE}, status=409,
                        lang=lang)
        password = form.get("password") or None
        if password is not None and (problem := password_problem(password,
                                                                 record_inputs(record))):
            return assessed_page(request, kind, values, record, lang, {"password": problem},
                                 422)
        # rendering takes milliseconds of CPU: off the event loop, like the API's
        try:
            summary = await run_in_threadpool(summarize, record, password=password,
                                              project=project)
        except RecordFitError as unfit:  # told at each field it names
            return assessed_page(request, kind, values, record, lang,
                                 dict.fromkeys(unfit.fields, unfit.problems[0].message), 422)
        return await run_in_threadpool(_audited, request, project, record, summary,
                                       password is not None)


def _listed(kind: RecordKind, name: str) -> bool:
    """Whether the form sends ``name`` once per ticked word (a list field)."""
    spec = kind.declared(name)
    return spec is not None and spec.type == "choices"
