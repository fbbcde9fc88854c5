"""The command line: a thin layer over the library. Heavy modules load inside the commands.

Exit codes: 0 success; 1 some work failed or checks found problems; 2 bad input or usage.
A user's mistake prints ``path:line:col: error: …`` lines, never a traceback.
"""

from __future__ import annotations

import sys
from datetime import datetime
from functools import wraps
from pathlib import Path

import click

from . import __version__
from .errors import BrochureError, internal_error
from .network import NetworkOptions, network_options
from .pages import DEFAULT_DPI, MAX_DPI, MIN_DPI


def _reports_errors(command):
    """Print a BrochureError's problems and exit with its code instead of a traceback; any other
    failure is told by type, place and error id only (its message may quote a patient's text)."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BrochureError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            click.echo(internal_error(exc), err=True)
            sys.exit(1)
    return wrapper


class _Command(click.Command):
    """A command whose usage errors never quote an unexpected argument: it may be a password or
    a patient's data typed in the wrong place."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        allowed, ctx.allow_extra_args = ctx.allow_extra_args, True
        try:
            extra = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if extra and not allowed and not ctx.resilient_parsing:
            many = "s" if len(extra) > 1 else ""
            ctx.fail(f"Got {len(extra)} unexpected extra argument{many} (not shown: it may be "
                     "a password or a patient's data)")
        return extra


class _Group(click.Group):
    command_class = _Command


_ROOT = click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
                     default=Path("."), show_default=True,
                     help="Project folder (content/, layouts/).")
_PASSWORD = click.option("--password-env", metavar="VAR",
                         help="Encrypt (AES-256) with the password held in environment "
                              "variable VAR.")
_PACKET = click.option("--with-brochure", is_flag=True,
                       help="Append the brochure in the patient's language (one PDF).")
_BRAND = click.option("--brand", metavar="NAME",
                      help="Draw in this brand kit (content/brands/NAME.yaml; for a summary, "
                           "its roster holds the record's physician). Default: the "
                           "publication's own brand.")
_PUBLICATION = click.option("--publication", metavar="NAME",
                            help="The publication of records that name none (their "
                                 "`publication` field or column). Default: the project's "
                                 "default_publication (content/project.yaml).")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brochure")
def main() -> None:
    """Render branded brochures and patient candidacy summaries from YAML content."""


@main.command()
@click.argument("publications", nargs=-1)
@click.option("--layout", "layouts", multiple=True, metavar="NAME",
              help="Only this layout (repeatable). Default: every layout the publication lists.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Folder to write into.")
@click.option("--lang", "languages", multiple=True, metavar="CODE",
              help="Only this language edition (repeatable), e.g. --lang es. Default: all.")
@click.option("--print", "print_only", is_flag=True,
              help="Only the print files (CMYK, bleed, marks, PDF/X-1a). Default: both.")
@click.option("--png", "png", is_flag=True,
              help="Also each page as a PNG image, from the screen file: "
                   "OUT/<publication>/<layout>[-<lang>]-p<N>.png.")
@click.option("--png-dpi", type=click.IntRange(MIN_DPI, MAX_DPI), default=DEFAULT_DPI,
              show_default=True,
              help="Resolution of the --png images, in dots per inch.")
@_BRAND
@_ROOT
@_reports_errors
def build(publications: tuple[str, ...], layouts: tuple[str, ...], out: Path,
          languages: tuple[str, ...], print_only: bool, png: bool, png_dpi: int,
          brand: str | None, root: Path) -> None:
    """Render PUBLICATIONS (default: all) in each of their languages and layouts, for screen
    and print: OUT/<publication>/<layout>[-<lang>][-print].pdf, and
    OUT/<publication>/<brand>/… in a --brand other than the publication's own."""
    from .commands.build import run_build

    run_build(root, publications, layouts, out, print_only, languages,
              png_dpi if png else None, brand)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Where to find print files when no FILES are given.")
@click.option("--validate", is_flag=True,
              help="Also validate FILES (default: every PDF in OUT) with veraPDF against the "
                   "standards each declares (PDF/UA-1, PDF/A-2a); needs Java and veraPDF "
                   "(tools/verapdf/fetch).")
@_ROOT
@_reports_errors
def check(files: tuple[Path, ...], out: Path, root: Path, validate: bool) -> None:
    """Validate every content, layout and brand file (exit 2 on problems), then preflight
    FILES (default: every print file in OUT) as a print shop would, and measure the type and
    balance of built brochures and summaries (default: every PDF in OUT): exit 1 on
    findings."""
    from .commands.check import run_check, run_validate

    code = run_check(root, files, out)
    sys.exit(max(code, run_validate(files, out)) if validate else code)


@main.command()
@click.argument("record", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="PDF to write. Default: output/summaries/<token>.pdf (no patient data in "
                   "the name).")
@click.option("--replace", is_flag=True,
              help="Replace the output file even if the folder's register says it is another "
                   "patient's summary, or does not know whose it is.")
@_PASSWORD
@_PACKET
@_PUBLICATION
@_BRAND
@_ROOT
@_reports_errors
def summary(record: Path, output: Path | None, replace: bool, password_env: str | None,
            with_brochure: bool, publication: str | None, brand: str | None,
            root: Path) -> None:
    """Render one patient's candidacy summary from RECORD (YAML, JSON or a one-row CSV), for
    the record's publication (see --publication).

    Every summary is registered in its folder (.register.json): a file is replaced only when
    it holds the same patient's summary, unless --replace."""
    from .commands.summary import run_summary

    run_summary(root, record, output, password_env, with_brochure, publication,
                replace=replace, brand=brand)


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output/summaries"), show_default=True, help="Folder to write into.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes.")
@_PASSWORD
@_PACKET
@_PUBLICATION
@_BRAND
@_ROOT
@_reports_errors
def batch(files: tuple[Path, ...], out: Path, workers: int, password_env: str | None,
          with_brochure: bool, publication: str | None, brand: str | None,
          root: Path) -> None:
    """Render a summary for every record in FILES (CSV, YAML or JSON); write a manifest.
    Records may be of several publications (a `publication` field or column; see
    --publication).

    Exit 1 if any record failed or a file could not be read (each has a line in
    manifest.csv); 130 on Ctrl-C, 143 on SIGTERM (the manifest still lists every row)."""
    from .signals import interruptible

    with interruptible() as stop:  # before the heavy imports: a signal is never silent
        from .commands.batch import run_batch_command

        code = run_batch_command(root, files, out, workers, password_env, with_brochure,
                                 publication, stop=stop, brand=brand)
    sys.exit(code)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback: only this machine).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--publication", metavar="NAME",
              help="The form's first publication and the API's default for records that name "
                   "none. Default: the project's default_publication (content/project.yaml).")
@network_options
@_ROOT
@_reports_errors
def serve(host: str, port: int, publication: str | None, root: Path,
          network: NetworkOptions) -> None:
    """Serve the physician's web form and the JSON API (docs at /docs), for every publication
    with summaries (the form of each at /?publication=NAME). On an address other than
    loopback it needs TLS (or --behind-proxy), a log-in (accounts made with `brochure users
    add`, or --user-header) and --allowed-host names, or it refuses to start."""
    from .commands.serve import run_serve

    run_serve(root, host, port, network, publication)


from .commands.studio import studio_command  # noqa: E402  (click only, as users)
from .commands.users import users_group  # noqa: E402  (click only; its work loads inside)

main.add_command(users_group(_Group, _reports_errors, _ROOT), name="users")
main.add_command(studio_command(_Command, _reports_errors, _ROOT), name="studio")


@main.group(cls=_Group)
def audit() -> None:
    """The audit log: one line per summary produced (no patient data), hash-chained."""


@audit.command()
@click.option("--expect-last", metavar="HMAC",
              help="Also fail unless this HMAC (printed by an earlier verify and kept "
                   "elsewhere) is still in the log: lines cut from its end show.")
@_ROOT
@_reports_errors
def verify(expect_last: str | None, root: Path) -> None:
    """Check the chain of the audit log; print the last line's HMAC. Exit 1 names the first
    line edited, inserted, deleted or moved."""
    from .commands.audit import run_verify

    sys.exit(run_verify(root, expect_last))


@audit.command(name="list")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
                                              "%Y-%m-%d %H:%M:%S"]),
              help="Only lines written at or after this date (UTC).")
@click.option("--user", metavar="NAME", help="Only lines of this user.")
@click.option("--json", "as_json", is_flag=True, help="The lines as stored (JSON Lines).")
@_ROOT
@_reports_errors
def list_(since: datetime | None, user: str | None, as_json: bool, root: Path) -> None:
    """Print the audit log's lines, oldest first, as a table (or --json)."""
    from .commands.audit import run_list

    sys.exit(run_list(root, since, user, as_json))
