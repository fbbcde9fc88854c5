"""brochure: YAML content + layouts + brand kit → print-ready brochures and patient summaries.

The public API is small: :func:`load_project` loads and checks a project folder (content/,
layouts/) once; :func:`build_publication` renders one publication in one layout to PDF bytes;
:func:`assess` and :func:`render_summary` give a patient's assessment and summary (of the
record's publication; ``project=load_project(path)`` for a project in any folder);
:class:`BrochureError` is what every user mistake raises (:class:`RecordFitError` for a record
whose own text takes more room than its summary's pages give; it names the fields).
"""

__version__ = "0.1.0"

__all__ = ["BrochureError", "FitError", "RecordFitError", "SourceError", "__version__",
           "assess", "build_publication", "load_project", "render_summary"]

_LAZY = {"build_publication": "build", "assess": "summaries", "render_summary": "summaries",
         "load_project": "project", "BrochureError": "errors", "FitError": "errors",
         "RecordFitError": "errors", "SourceError": "errors"}


def __getattr__(name: str):
    """The public names, imported when first used: the command line starts faster, and
    imports nothing before its entry point decides how Ctrl-C is answered (see
    :mod:`brochure.__main__`)."""
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
