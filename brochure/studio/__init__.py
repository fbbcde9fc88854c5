"""``brochure studio``: a local web app for marketing staff. Pages as they will print, live as
files are saved; errors and ``brochure check``'s findings drawn on the page; text edited in the
browser and saved back into the YAML, only that text's characters changed.

Modules: :mod:`.documents` (what is shown, rendered and cached), :mod:`.findings`,
:mod:`.events` (watching files, telling open pages), :mod:`.edits` and :mod:`.splice` (saving
text into YAML), :mod:`.paths` (which files may be touched), :mod:`.proof`, :mod:`.app` (the
routes).
"""

from .app import create_studio

__all__ = ["create_studio"]
