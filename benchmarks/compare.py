"""Two checkouts' warm summaries compared in alternating batches, run on demand (never a test).

    python benchmarks/compare.py BEFORE_DIR AFTER_DIR [ROUNDS]

Each checkout (a worktree: ``git worktree add /tmp/before <commit>``) renders the benchmark's
records (``bench_summary.record``) in a process of its own, importing the package from its own
tree, warmed as ``bench_summary warm`` warms. The two processes take turns, 50 records at a
time, never at once, so a minute when the shared machine is slow slows both alike; each batch
gives the median CPU time of the rendering thread per summary. Prints one JSON line: each
checkout's median over the batches, and the median, lowest and highest of the paired ratios
after / before (below 1: the second checkout is faster). Set ``BROCHURE_TODAY=2026-11-29``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

BATCH = 50
RECORDS = 400
WARMUP = 30


def worker(root: str) -> None:
    """Render batches of records on request (``start end`` on stdin), answering each with the
    median CPU milliseconds per summary."""
    sys.path[:0] = [root, os.path.join(root, "benchmarks")]
    os.chdir(root)
    from bench_summary import record  # the checkout's own

    from brochure.records import to_record
    from brochure.summaries import render_summary

    records = [to_record(record(i)) for i in range(RECORDS)]
    for i in range(WARMUP):
        render_summary(record(100000 + i))
    print("ready", flush=True)
    for line in sys.stdin:
        start, end = map(int, line.split())
        times = []
        for one in records[start:end]:
            began = time.thread_time()
            render_summary(one)
            times.append(time.thread_time() - began)
        print(statistics.median(times) * 1000, flush=True)


def compare(before: str, after: str, rounds: int) -> dict:
    started = {name: subprocess.Popen(
        [sys.executable, __file__, "--worker", root], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True) for name, root in (("before", before), ("after", after))}
    for process in started.values():
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            raise SystemExit("a worker did not start: run it alone to see why")
    medians: dict[str, list[float]] = {"before": [], "after": []}
    for n in range(rounds):
        start = n * BATCH % RECORDS
        for name in ("before", "after") if n % 2 == 0 else ("after", "before"):
            process = started[name]
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(f"{start} {start + BATCH}\n")
            process.stdin.flush()
            medians[name].append(float(process.stdout.readline()))
    for process in started.values():
        process.terminate()
    ratios = [a / b for b, a in zip(medians["before"], medians["after"], strict=True)]
    return {"bench": "compare", "rounds": rounds, "batch": BATCH,
            "before_cpu_ms": round(statistics.median(medians["before"]), 2),
            "after_cpu_ms": round(statistics.median(medians["after"]), 2),
            "ratio_median": round(statistics.median(ratios), 3),
            "ratio_min": round(min(ratios), 3), "ratio_max": round(max(ratios), 3)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2])
    else:
        print(json.dumps(compare(sys.argv[1], sys.argv[2],
                                 int(sys.argv[3]) if len(sys.argv) > 3 else 16)))
