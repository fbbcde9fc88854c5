"""QR codes drawn straight onto the canvas, their modules computed once per URL.

ReportLab's QR widget encodes the data and builds a graphics tree on every draw, which costs
more than the rest of a summary; a booking URL is the same on every page we make.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus import Flowable

from .replay import replay
from .tagging import TagSpec, link, spec_of

QUIET_ZONE = 4  # modules of blank margin the QR standard asks for


@lru_cache(maxsize=64)
def dark_runs(data: str, level: str = "M") -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The module count and each horizontal run of dark modules as (row, column, length)."""
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(data)
    code.make()
    runs = []
    for row, modules in enumerate(code.modules):
        column = 0
        for dark, group in itertools.groupby(bool(m) for m in modules):
            length = len(list(group))
            if dark:
                runs.append((row, column, length))
            column += length
    return code.getModuleCount(), tuple(runs)


class QrFlowable(Flowable):
    """A square QR code of side ``size`` points (quiet zone included), linking to ``data``."""

    def __init__(self, data: str, size: float, colour, link: bool = True, label: str = "",
                 name: str = "QR code"):
        super().__init__()
        self.data, self.size, self.colour, self.link = data, size, colour, link
        self.width = self.height = size
        self.alt = f"{name}: {label} ({data})" if label else f"{name}: {data}"
        self.tag_spec = TagSpec(alt=self.alt, link_url=data if link else None)

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        key = (self.data, self.size, repr(self.colour))
        replay(canvas, _DRAWN, key, self._modules)  # no text: the same in any document
        canvas.restoreState()
        if self.link:
            link(canvas, spec_of(self).link_path, self.data, (0, 0, self.size, self.size),
                 self.alt)

    def _modules(self, canvas) -> None:
        count, runs = dark_runs(self.data)
        module = self.size / (count + 2 * QUIET_ZONE)
        canvas.setFillColor(self.colour)
        path = canvas.beginPath()
        for row, column, length in runs:
            path.rect((column + QUIET_ZONE) * module,
                      self.size - (row + QUIET_ZONE + 1) * module, length * module, module)
        canvas.drawPath(path, stroke=0, fill=1)


_DRAWN: dict = {}
