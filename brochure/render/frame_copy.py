"""A faster deep copy of a platypus Frame, with the same result as :func:`copy.deepcopy`.

ReportLab deep-copies the page's frame every time it measures a KeepTogether (so that content
generated while measuring does not reach the real frame), and a summary measures several: the
generic deep copy visits each of the frame's two dozen numbers one by one, a share of a
summary's time. Numbers and strings are immutable, so they are kept as they are (what
:func:`copy.deepcopy` returns for them too); anything else is deep-copied as before. Imported
for its effect by :mod:`brochure.render.paragraphs`.
"""

from __future__ import annotations

from copy import deepcopy

from reportlab.platypus.frames import Frame

_ATOMIC = frozenset({int, float, str, bool, type(None)})


def _deepcopy_frame(frame: Frame, memo: dict) -> Frame:
    copied = Frame.__new__(type(frame))
    memo[id(frame)] = copied
    copied.__dict__.update({name: value if type(value) in _ATOMIC else deepcopy(value, memo)
                            for name, value in frame.__dict__.items()})
    return copied


if "__deepcopy__" not in Frame.__dict__:  # ReportLab's Frame has none of its own (5.x)
    Frame.__deepcopy__ = _deepcopy_frame
