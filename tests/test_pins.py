"""The dependencies are chosen, not collected: every one has a lower bound, ``make test-floor``
installs exactly those lower bounds (``constraints/floor.txt``), and every library whose
private or undocumented names we rely on has an upper bound below its next major version."""

from __future__ import annotations

import re

import tomllib

from .conftest import ROOT

INTERNALS_USED = {
    "reportlab": "render/: paragraphs' lines, fonts' subset codes, canvas and frame state",
    "pypdf": "finish.py: PdfWriter's _root_object, _encryption, _add_object",
    "uvicorn": "web/connections.py: its h11 protocol class (handle_events, conn, transport)",
    "h11": "web/connections.py: a connection's state and trailing data",
    "zxcvbn": "passwords.py: matching.RANKED_DICTIONARIES, the user inputs it keeps",
}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*?)\s*(?:;.*)?$")


def _dependencies() -> dict[str, str]:
    """Each runtime dependency's name (lower case) and its version specifier."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = {}
    for requirement in data["project"]["dependencies"]:
        if "python_version" in requirement:
            continue  # a backport for older Pythons only
        name, spec = _REQUIREMENT.match(requirement).groups()
        found[name.lower()] = spec
    return found


def _floor(spec: str) -> str:
    match = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", spec)
    assert match, f"no lower bound in {spec!r}"
    return match.group(1)


def _same_version(a: str, b: str) -> bool:
    pad = lambda v: [int(p) for p in v.split(".")] + [0] * (4 - len(v.split(".")))  # noqa: E731
    return pad(a) == pad(b)


def test_every_dependency_has_a_floor_and_the_floor_file_installs_exactly_those():
    pins = {}
    for line in (ROOT / "constraints/floor.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    dependencies = _dependencies()
    assert set(pins) == set(dependencies)
    for name, spec in dependencies.items():
        assert _same_version(pins[name], _floor(spec)), (name, pins[name], spec)


def test_every_library_whose_internals_we_use_has_an_upper_bound_below_its_next_major():
    """The bound is the next major after the version the suite runs on (installed here): the
    internals were checked against it, and a new major is where they may move."""
    from importlib.metadata import version

    dependencies = _dependencies()
    for name in INTERNALS_USED:
        spec = dependencies[name]
        ceiling = re.search(r"<\s*([0-9]+)(?:\.0)*\s*(?:,|$)", spec)
        assert ceiling, f"{name} needs an upper bound: we use {INTERNALS_USED[name]}"
        assert int(ceiling.group(1)) == int(version(name).split(".")[0]) + 1, (name, spec)
