"""Summary speed, run on demand (``make bench``), never as a test.

Prints JSON lines:
- warm: median (and p10/p90) ms per summary over 500 different records, after a warm-up, in one
  process with the project loaded once (what a server or batch worker sees), and the median CPU
  time of the rendering thread (steadier than wall time when other work shares the machine);
- worst: the shipped worst-case record's median, and its ratio to the median record's (the
  two rendered in turns, wall and CPU time);
- tagging: the same with and without the tagged-PDF structure (the untagged kit skips tagging
  altogether: no marked content, no structure), and their ratio;
- batch: 1,000 records through ``brochure batch`` with 1 and 2 workers in turns, five rounds
  (median wall seconds, summaries per second, the speed-up of 2 workers: the medians' ratio, and
  the median of the rounds' ratios), the start-up a batch
  pays once, and the speed-up of the rendering after it;
- memory: peak RSS after 2,000 and after 10,000 summaries (flat means no leak);
- size: median summary file size in KB.
Run ``../shared/reference-bench/run.sh`` right beside it and compare medians as ratios.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from brochure.records import to_record  # noqa: E402
from brochure.summaries import render_summary  # noqa: E402

FIRST = ["Ana", "Bo", "Chen", "Dmitri", "Eleni", "Farah", "Grace", "Hiro", "Ines", "José"]
LAST = ["Okafor", "Lindqvist", "Nguyen", "Brandt", "Raman", "O'Brien", "Silva", "Kowalczyk"]


def record(i: int) -> dict:
    rng = random.Random(i)
    return dict(
        id=f"B-{i:06d}", name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
        date_of_birth=f"19{rng.randint(40, 75)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        visit_date="2026-11-02", knee=rng.choice(["left", "right", "both"]),
        kl_grade=rng.choice([None, 0, 1, 2, 3, 3, 4]), cartilage_grade=rng.choice([None, 2, 3]),
        pain=rng.randint(0, 10), symptom_months=rng.randint(1, 60), pt_weeks=rng.randint(0, 16),
        bmi=round(rng.uniform(20, 40), 1),
        conditions=rng.sample(["infection", "immunosuppressed", "unstable_knee"],
                              rng.randint(0, 1)),
        notes=rng.choice([None, "Keep walking every day.", "Bring your knee brace next time."]))


def warm(n: int = 500, warmup: int = 20) -> dict:
    records = [to_record(record(i)) for i in range(n)]
    for i in range(warmup):
        render_summary(record(100000 + i))
    times, cpu, sizes = [], [], []
    for r in records:
        start, start_cpu = time.perf_counter(), time.thread_time()
        pdf = render_summary(r)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        sizes.append(len(pdf))
    times.sort()
    return {"bench": "summary_warm", "n": n, "median_ms": round(statistics.median(times), 2),
            "p10_ms": round(times[n // 10], 2), "p90_ms": round(times[n * 9 // 10], 2),
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "size_kb_median": round(statistics.median(sizes) / 1024, 1)}


def worst(rounds: int = 10, per_round: int = 5, records: int = 25) -> dict:
    """The shipped worst-case record (the longest note, every reduction and a cut note), warm,
    against the median record, measured in turns in the same minutes: each round renders
    ``records`` benchmark records, then the worst case ``per_round`` times (a shared machine's
    slow minute slows both alike). Its median ms (wall and CPU time of the rendering thread),
    and its ratio to the median record's."""
    import warnings

    from brochure.source import load

    worst_case = to_record(load(ROOT / "content" / "patients" / "worst-case.yaml").data)
    typical = [to_record(record(i)) for i in range(rounds * records)]
    timed: dict[str, list[tuple[float, float]]] = {"worst": [], "median": []}

    def render(name: str, summary_record) -> None:
        start, start_cpu = time.perf_counter(), time.thread_time()
        render_summary(summary_record)
        timed[name].append(((time.perf_counter() - start) * 1000,
                            (time.thread_time() - start_cpu) * 1000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the note is cut, as the physician is told
        for i in range(20):
            render_summary(record(100000 + i))
            render_summary(worst_case)
        for n in range(rounds):
            for summary_record in typical[n * records:(n + 1) * records]:
                render("median", summary_record)
            for _ in range(per_round):
                render("worst", worst_case)
    wall, cpu = ({name: statistics.median(t[k] for t in times) for name, times in timed.items()}
                 for k in (0, 1))
    return {"bench": "worst_case", "n": rounds * per_round, "median_ms": round(wall["worst"], 2),
            "median_record_ms": round(wall["median"], 2),
            "ratio": round(wall["worst"] / wall["median"], 2),
            "cpu_median_ms": round(cpu["worst"], 2),
            "cpu_median_record_ms": round(cpu["median"], 2),
            "cpu_ratio": round(cpu["worst"] / cpu["median"], 2)}


def tagging(n: int = 500) -> dict:
    """Median ms per summary with and without the tagged-PDF structure, interleaved."""
    import dataclasses

    from brochure.candidacy import assess
    from brochure.render.summary import render_summary_pdf
    from brochure.summaries import summary_kit

    kits = {"tagged": summary_kit(), "untagged": dataclasses.replace(summary_kit(),
                                                                      tagged=False)}
    records = [to_record(record(i)) for i in range(n)]
    times: dict[str, list[float]] = {name: [] for name in kits}
    for kit in kits.values():
        for r in records[:20]:
            render_summary_pdf(kit, r, assess(r, kit.rules))
    # each record is rendered by both kits; the second rendering of a record finds its
    # template fills cached, so which kit goes first alternates from record to record
    for i, r in enumerate(records):
        for name, kit in list(kits.items())[::1 if i % 2 else -1]:
            verdict = assess(r, kit.rules)
            start = time.perf_counter()
            render_summary_pdf(kit, r, verdict)
            times[name].append((time.perf_counter() - start) * 1000)
    tagged, untagged = (statistics.median(times[k]) for k in ("tagged", "untagged"))
    return {"bench": "tagging", "n": n, "tagged_median_ms": round(tagged, 2),
            "untagged_median_ms": round(untagged, 2), "ratio": round(tagged / untagged, 3)}


def _children_cpu() -> float:
    """CPU seconds used so far by finished child processes (steadier than wall time on a
    machine doing other work)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch(n: int = int(os.environ.get("BENCH_BATCH_N", "1000")),
          rounds: int = int(os.environ.get("BENCH_BATCH_ROUNDS", "5"))) -> dict:
    """``n`` records through ``brochure batch`` on 1 and 2 workers, in turns for ``rounds``
    rounds (medians: this machine's speed drifts by a fifth between minutes), and the same
    for a batch of 2 records: the start-up every batch pays once (the interpreter, imports,
    the project, the kits' fonts and seeds). The rendering's own speed-up is the two batches'
    difference on 1 worker over that on 2. A first, unmeasured batch fills the cache (the
    kits' font seeds are learnt once after a change of code or content, then found)."""
    with tempfile.TemporaryDirectory() as folder:
        big, small = _records_file(Path(folder), n), _records_file(Path(folder), 2)
        _batch_run(small, Path(folder) / "warm-up", 1)
        seconds: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for _ in range(rounds):
            for source, size in ((big, n), (small, 2)):
                for workers in (1, 2):
                    key = f"{size}_{workers}"
                    wall, used = _batch_run(source, Path(folder) / f"out{key}", workers)
                    seconds.setdefault(key, []).append(wall)
                    cpu.setdefault(key, []).append(used)
    median = {key: statistics.median(values) for key, values in seconds.items()}
    by_round = list(zip(seconds[f"{n}_1"], seconds[f"{n}_2"], strict=True))
    one, two = median[f"{n}_1"], median[f"{n}_2"]
    start_one, start_two = median["2_1"], median["2_2"]
    return {"bench": "batch", "n": n, "rounds": rounds,
            "workers1_s": round(one, 2), "workers2_s": round(two, 2),
            "workers1_cpu_s": round(statistics.median(cpu[f"{n}_1"]), 2),
            "workers2_cpu_s": round(statistics.median(cpu[f"{n}_2"]), 2),
            "workers1_per_s": round(n / one, 1), "workers2_per_s": round(n / two, 1),
            "speedup_2_vs_1": round(one / two, 2),
            "speedups_by_round": [round(a / b, 2) for a, b in by_round],
            "speedup_median_of_rounds": round(statistics.median(a / b for a, b in by_round), 2),
            "startup_s": round(start_one, 2), "startup_2_workers_s": round(start_two, 2),
            "rendering_speedup_2_vs_1": round((one - start_one) / (two - start_two), 2)}


def _records_file(folder: Path, n: int) -> Path:
    source = folder / f"records{n}.csv"
    rows = [record(i) for i in range(n)]
    with open(source, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "conditions": ";".join(row["conditions"]),
                             "kl_grade": "" if row["kl_grade"] is None else row["kl_grade"],
                             "cartilage_grade": row["cartilage_grade"] or "",
                             "notes": row["notes"] or ""})
    return source


def _batch_run(source: Path, out: Path, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of one ``brochure batch`` into a new folder ``out`` (its audit log
    kept beside it, in the benchmark's temporary folder, not in the checkout's state)."""
    shutil.rmtree(out, ignore_errors=True)
    state = dict(os.environ, BROCHURE_STATE=str(out.parent / "state"))
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-m", "brochure", "batch", str(source), "--out", str(out),
                    "--workers", str(workers)], check=True, capture_output=True, env=state)
    return time.perf_counter() - start, _children_cpu() - cpu


def memory(total: int = 10000, checkpoint: int = 2000) -> dict:
    peaks = {}
    for i in range(total):
        render_summary(record(i))
        if i + 1 in (checkpoint, total):
            peaks[i + 1] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bench": "memory", f"rss_mb_after_{checkpoint}": round(peaks[checkpoint], 1),
            f"rss_mb_after_{total}": round(peaks[total], 1)}


if __name__ == "__main__":
    parts = sys.argv[1:] or ["warm", "worst", "tagging", "batch", "memory"]
    for part in parts:
        print(json.dumps({"warm": warm, "worst": worst, "tagging": tagging, "batch": batch,
                          "memory": memory}[part]()), flush=True)
