"""Where a warm summary's time goes, run on demand (``python benchmarks/profile_summary.py``).

Renders the benchmark's records (``bench_summary.record``) warm in one process under cProfile,
then sums each function's own time by what it does, judged by the module it is in (a
built-in's time by the module that called it), and prints
one JSON line per part (share of the total, milliseconds per summary with the profiler's
overhead, which inflates small Python calls, so compare shares, not milliseconds).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.chdir(ROOT)

from bench_summary import record  # noqa: E402

from brochure.records import to_record  # noqa: E402
from brochure.summaries import render_summary  # noqa: E402

PARTS = [  # (part, what the module's path or the function's name holds), first match wins
    ("compression", ("zlib.compress", "Flate")),
    ("PDF/A and XMP", ("render/archive", "render/document")),
    ("tagging", ("render/tagging", "render/structure")),
    ("fonts and shaping", ("ttfonts", "pdfmetrics", "render/fonts", "backend/fonts",
                           "uharfbuzz", "bidi", "render/text", "instanceStringWidth")),
    ("paragraphs", ("platypus/paragraph", "paraparser", "render/paragraphs", "parse_cache",
                    "backend/paragraph", "render/wrapping")),
    ("story (blocks, templates)", ("summary_blocks", "render/blocks", "templates", "jinja2",
                                   "render/art", "graphics/", "render/qr", "dataclasses")),
    ("PDF writing", ("pdfbase/pdfdoc", "backend/document", "rl_codecs", "charmap_encode",
                     "method 'encode'")),
    ("drawing (operators)", ("pdfgen/", "backend/canvas", "render/replay", "fp_str",
                             "lib/colors")),
    ("layout (frames, tables, fitting)", ("platypus/", "render/summary.py", "render/fitting",
                                          "render/summary_fit", "backend/layout")),
]


def part_of(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    return next((part for part, marks in PARTS if any(m in where for m in marks)), "other")


def main(count: int = 300) -> None:
    records = [to_record(record(i)) for i in range(count)]
    for i in range(20):  # warm: caches, recordings, calibration
        render_summary(record(100000 + i))
    profile = cProfile.Profile()
    profile.enable()
    for one in records:
        render_summary(one)
    profile.disable()
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, callers) in pstats.Stats(profile).stats.items():
        if filename == "~" and callers and "zlib" not in name:  # a built-in: to its caller
            for (caller_file, _, caller), timing in callers.items():
                part = part_of(caller_file, caller)
                totals[part] = totals.get(part, 0.0) + timing[2]
            continue
        part = part_of(filename, name)
        totals[part] = totals.get(part, 0.0) + own
    whole = sum(totals.values())
    for part, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(json.dumps({"part": part, "share": round(seconds / whole, 3),
                          "ms_per_summary_profiled": round(seconds / count * 1000, 2)}))


if __name__ == "__main__":
    main()
