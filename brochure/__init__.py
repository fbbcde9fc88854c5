"""brochure: YAML content + layouts + brand kit → print-ready brochures and patient summaries.

The public API is small: :func:`build_publication` renders one publication in one layout to
PDF bytes; :class:`BrochureError` is what every user mistake raises.
"""

__version__ = "0.1.0"

from .errors import BrochureError, FitError, SourceError

__all__ = ["BrochureError", "FitError", "SourceError", "__version__", "build_publication"]


def __getattr__(name: str):
    if name == "build_publication":
        from .build import build_publication
        return build_publication
    raise AttributeError(name)
