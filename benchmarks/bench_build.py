"""Brochure build speed, run on demand (``make bench``), never as a test.

Prints one JSON line: the warm in-process time to render the letter tri-fold (median of 50,
after a warm-up) and the cold time of a whole ``brochure build`` process (median of 5).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brochure.build import build_publication  # noqa: E402
from brochure.project import load_project  # noqa: E402


def warm(runs: int = 50) -> list[float]:
    project = load_project(ROOT)
    build_publication(project, "knee-stem-cell", "trifold-letter")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build_publication(project, "knee-stem-cell", "trifold-letter")
        times.append(time.perf_counter() - start)
    return times


def cold(runs: int = 5) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "brochure", "build", "--out", out], cwd=ROOT,
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    warm_ms = [t * 1000 for t in warm()]
    cold_s = cold()
    print(json.dumps({
        "bench": "build",
        "warm_trifold_letter_median_ms": round(statistics.median(warm_ms), 2),
        "warm_p90_ms": round(sorted(warm_ms)[int(len(warm_ms) * 0.9)], 2),
        "cold_build_all_median_s": round(statistics.median(cold_s), 3),
        "cold_build_min_s": round(min(cold_s), 3),
    }))


if __name__ == "__main__":
    main()
