"""Scale (issue #10): ``medcoder batch`` on the CodiEsp dev texts with 1 and 2 worker processes,
the cold start of ``medcoder code`` on one note, and peak memory per worker; all in one run, so
the ratios compare like with like.

    python benchmarks/bench_scale.py [--data ../shared/data/codiesp] [--limit 250] [--repeat 4] [--write]

The notes are the CodiEsp dev English texts (a folder of notes: ``medcoder batch``'s folder
input), written to JSONL results. A warm-up batch builds the data dir's caches (the ICD-10-CM
tree, the term dictionary) first, so both timed runs start from the same state; each timed run
includes starting its workers and loading the coder in each (what a user waits for).

- notes/s for 1 and 2 workers, and the scaling ratio (2 workers / 1 worker);
- the Ray engine (when Ray is installed): ``--engine ray --workers 2`` on the same notes in the
  same run, its own local Ray instance started and stopped inside the timed run, its rate and
  ratio to ``--engine local --workers 2``, whether its output is identical, and the start-up of
  a bare local Ray instance (``ray.init(num_cpus=2)``, median of 3);
- cold start: ``python -m medcoder.cli code NOTE --format json`` in a fresh process, wall clock
  (target < 1.5 s), median of 3;
- peak RSS of a worker (``ru_maxrss`` of the children; target < 1 GB);
- side by side on the same texts: medspaCy's ConText pipeline alone and the PyPI
  ``icd10-coder`` package (``scale_baselines.py``: medspaCy runs in its own interpreter,
  ``$MEDCODER_MEDSPACY_PYTHON``, because its spaCy pin needs numpy < 2);
- the 835 parsing and 837P building rates (``bench_remit`` / ``bench_claims`` on generated
  files), so every rate of the issue's list comes from the same run on the same machine state.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdoc import machine, put_section

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "codiesp"


def bench(folder: Path, limit: int, repeat: int) -> dict[str, Any]:
    from medcoder.batch import run_batch

    tmp = Path(tempfile.mkdtemp(prefix="medcoder-bench-scale-"))
    notes = tmp / "notes"
    notes.mkdir()
    files = sorted(folder.glob("*.txt"))[:limit] if limit else sorted(folder.glob("*.txt"))
    for k in range(repeat):  # the dev set is 250 notes: repeated so that start-up does not dominate
        for f in files:
            shutil.copyfile(f, notes / f"{f.stem}-{k}{f.suffix}")
    data = tmp / "data"
    os.environ["MEDCODER_DATA"] = str(data)
    warm = tmp / "warm"
    warm.mkdir()
    for f in files[:3]:
        shutil.copyfile(f, warm / f.name)
    run_batch(warm, tmp / "warm.jsonl", workers=1)  # builds the tabular and the term dictionary caches
    r: dict[str, Any] = {"date": dt.date.today().isoformat(), "machine": machine(), "notes": len(files) * repeat,
                         "distinct": len(files),
                         "chars": round(statistics.mean(len(f.read_text(encoding="utf-8")) for f in files))}
    for w in (1, 2):
        t0 = time.perf_counter()
        s = run_batch(notes, tmp / f"out-{w}.jsonl", workers=w)
        secs = time.perf_counter() - t0
        r[f"w{w}_per_s"] = round(s.done / secs, 1)
        r[f"w{w}_errors"] = s.errors
    r["scaling"] = round(r["w2_per_s"] / r["w1_per_s"], 2)
    same = (tmp / "out-1.jsonl").read_bytes() == (tmp / "out-2.jsonl").read_bytes()
    r["identical"] = same
    r.update(bench_ray(notes, tmp, r["w2_per_s"]))
    r.update(bench_baselines([f.read_text(encoding="utf-8") for f in files] * repeat, r["w1_per_s"]))
    r.update(bench_x12())
    r.update(bench_profile(folder, limit))
    r["worker_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    r["parent_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    cold = []
    env = {**os.environ, "MEDCODER_DATA": str(data)}
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "medcoder.cli", "code", str(files[0]), "--format", "json"],
                       check=True, capture_output=True, env=env, timeout=300)
        cold.append(time.perf_counter() - t0)
    r["cold_start_s"] = round(statistics.median(cold), 2)
    shutil.rmtree(tmp, ignore_errors=True)
    return r


def bench_ray(notes: Path, tmp: Path, local_w2: float) -> dict[str, Any]:
    """The Ray engine with 2 workers on the same notes (empty when Ray is not installed)."""
    try:
        import ray
        import ray.data
    except ImportError:
        print("Ray is not installed (pip install 'medcoder[ray]'): Ray overhead not measured")
        return {}
    from medcoder.batch import run_batch

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    starts = []
    for _ in range(3):
        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        starts.append(time.perf_counter() - t0)
        ray.shutdown()
    t0 = time.perf_counter()
    s = run_batch(notes, tmp / "out-ray.jsonl", workers=2, engine="ray")
    secs = time.perf_counter() - t0
    rate = round(s.done / secs, 1)
    return {"ray_startup_s": round(statistics.median(starts), 2), "ray_w2_per_s": rate,
            "ray_w2_errors": s.errors, "ray_vs_local_w2": round(rate / local_w2, 2),
            "ray_identical": (tmp / "out-ray.jsonl").read_bytes()
            == (tmp / "out-2.jsonl").read_bytes()}


def bench_profile(folder: Path, limit: int, top: int = 10) -> dict[str, Any]:
    """Where one process's coding time goes: cProfile over ``limit`` notes coded in process
    (the coder already loaded), own time summed per module, the largest ``top`` shares."""
    import cProfile
    import pstats

    from medcoder.batch.inputs import open_input
    from medcoder.batch.local import code_chunk
    from medcoder.codesets.kb import default_kb

    kb = default_kb()
    tasks = list(open_input(folder))[:limit]
    code_chunk(tasks[:5], kb)  # the coder and its tables loaded before profiling
    prof = cProfile.Profile()
    prof.enable()
    code_chunk(tasks, kb)
    prof.disable()
    stats = pstats.Stats(prof)
    per_module: dict[str, float] = {}
    total = 0.0
    for (file, _line, fn), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tt
        if "/src/medcoder/" in file:
            key = file.split("/src/")[-1]
        elif "Pattern" in fn or "_sre" in fn or file.endswith(("re/__init__.py", "re/_compiler.py")):
            key = "regular expressions (re, called from medcoder)"
        elif file == "~":
            key = "built-ins (" + fn.strip("{}<>").split(" of ")[0].replace("method ", "").replace("built-in ", "").strip("'") + ")"
        else:
            key = "other Python library code"
        per_module[key] = per_module.get(key, 0.0) + tt
    ranked = sorted(per_module.items(), key=lambda kv: -kv[1])[:top]
    return {"profile_notes": len(tasks), "profile_total_s": round(total, 2),
            "profile": [(k, round(100 * v / total, 1)) for k, v in ranked]}


def bench_baselines(texts: list[str], ours_w1: float) -> dict[str, Any]:
    """medspaCy's ConText pipeline alone and icd10-coder on the same texts; the ratio of
    ``medcoder batch`` with 1 worker (the whole coder, with evidence, written out) to each."""
    import scale_baselines

    out: dict[str, Any] = {}
    runs = (("medspacy", scale_baselines.medspacy_context),
            ("medspacy_sentencizer", lambda t: scale_baselines.medspacy_context(t, sentencizer="spacy")),
            ("icd10coder", scale_baselines.icd10_coder))
    for key, fn in runs:
        res = fn(texts)
        out[key] = res
        if "notes_per_s" in res:
            out[f"{key}_ratio"] = round(ours_w1 / res["notes_per_s"], 1)
    return out


def bench_x12() -> dict[str, Any]:
    """835 parsing (generated remittances) and 837P building (generated claims), this run."""
    import bench_claims
    import bench_remit

    rem = bench_remit.bench(1000)
    x12 = bench_claims._x12(bench_claims._claims(600))
    return {"x835_parse_per_s": rem["parse_per_s"], "x835_claims": rem["claims"],
            "x837_write_per_s": x12["write_per_s"], "x837_written": x12["written"]}


def _baseline_row(r: dict[str, Any], key: str) -> str:
    res = r.get(key)
    if not res:
        return ""
    if "skipped" in res:
        return f"| {res['name']} | not run: {res['skipped']} | |\n"
    return (f"| {res['name']} {res['version']}, same {res['notes']:,} texts (load {res['load_seconds']} s not counted) "
            f"| {res['notes_per_s']} notes/s; medcoder batch 1 worker is × {r[key + '_ratio']} | |\n")


def _write(r: dict[str, Any]) -> None:
    start, end = "<!-- scale:start -->", "<!-- scale:end -->"
    ray_rows = "" if "ray_w2_per_s" not in r else f"""| `--engine ray --workers 2` (local Ray instance started in the run) | {r['ray_w2_per_s']} notes/s ({r['ray_w2_errors']} errors) | |
| Ray / local, 2 workers | × {r['ray_vs_local_w2']} | |
| results identical for Ray and local | {'yes' if r['ray_identical'] else 'NO'} | yes |
| start-up of a local Ray instance (`ray.init(num_cpus=2)`, median of 3) | {r['ray_startup_s']} s | |
"""
    not_measured = ("the Ray engine (Ray not installed), " if not ray_rows else "")
    section = f"""{start}
## Scale (issue #10): `python benchmarks/bench_scale.py --write`

Measured {r['date']} on {r['machine']}, in one run. `medcoder batch` over {r['notes']:,} notes (the {r['distinct']} CodiEsp dev
English notes, mean {r['chars']:,} characters, each {r['notes'] // r['distinct']} times) into JSONL; each timed run includes starting its worker
processes and loading the coder in each.

| measure | result | target |
|---|---|---|
| 1 worker | {r['w1_per_s']} notes/s ({r['w1_errors']} errors) | ≥ 100 notes/s/core |
| 2 workers | {r['w2_per_s']} notes/s ({r['w2_errors']} errors) | |
| scaling 1 → 2 workers | × {r['scaling']} | |
| results identical for 1 and 2 workers | {'yes' if r['identical'] else 'NO'} | yes |
| cold start, `medcoder code NOTE --format json` (fresh process, median of 3) | {r['cold_start_s']} s | < 1.5 s |
| peak RSS of a worker process | {r['worker_rss_mb']} MB | < 1 GB |
| peak RSS of the parent | {r['parent_rss_mb']} MB | |
{ray_rows}{_baseline_row(r, 'medspacy')}{_baseline_row(r, 'medspacy_sentencizer')}{_baseline_row(r, 'icd10coder')}| 835 parsing (generated remittances, {r['x835_claims']:,} claims) | {r['x835_parse_per_s']:,} claims/s | |
| 837P building ({r['x837_written']:,} generated claims) | {r['x837_write_per_s']:,} claims/s | |

medspaCy's pipeline is `medspacy.load()` (PyRuSH sentences, its target matcher with one rule per
term of the benchmark's condition list, ConText with its default rules; the second row swaps PyRuSH for spaCy's sentencizer, which is
where almost all of its time goes): it finds and qualifies
mentions only, no codes. icd10-coder looks up one term at a time, so it is given each condition
mention found with the same term list and its top hit is kept. Both are narrower jobs than
medcoder's (codes, sequencing, evidence, procedures, the written row).

Where the time of one process goes (cProfile over {r['profile_notes']} notes coded in process, the coder
loaded first; own time per module, {r['profile_total_s']} s profiled in all):

| module | share of own time |
|---|---|
{chr(10).join(f"| `{m}` | {pct} % |" for m, pct in r['profile'])}
{('Not measured: ' + not_measured.rstrip(', ') + '.') if not_measured else ''}

{end}"""
    put_section(start, end, section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=4, help="copies of each note (start-up is paid once per run)")
    ap.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    a = ap.parse_args()
    folder = a.data / "dev" / "text_files_en"
    if not folder.is_dir():
        sys.exit(f"no CodiEsp dev English texts at {folder}")
    r = bench(folder, a.limit, a.repeat)
    for k, v in r.items():
        print(f"{k}: {v}")
    if a.write:
        _write(r)


if __name__ == "__main__":
    main()
