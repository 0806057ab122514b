"""Benchmark the code-set foundation and write the results to docs/benchmarks.md.

    python benchmarks/bench_codesets.py [--write]

Measures, in one run on this machine:
- building the ICD-10-CM tabular cache from the official XML (first use);
- cold start of ``medcoder show E11.22`` (a new interpreter each time) once the cache is built,
  and of ``python -c pass`` as the floor;
- ``validate()`` calls per second on a mix of billable codes, headers and bad codes;
- Tabular lookups per second;
- peak memory (RSS) of the ``show`` process and of a process that validated every code;
- the reference: the ``simple-icd-10-cm`` package's own ``is_valid_item`` on the same codes,
  and its import time (it parses the XML on import).
Timing targets (issue #3): ``medcoder show`` < 1 s wall; >= 20,000 validate()/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdoc import put_section

REPO = Path(__file__).resolve().parents[1]


def _run_timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="write docs/benchmarks.md section")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    data = Path(tempfile.mkdtemp(prefix="medcoder-bench-"))
    env = {**os.environ, "MEDCODER_DATA": str(data)}
    os.environ["MEDCODER_DATA"] = str(data)

    from medcoder.codesets.kb import KnowledgeBase
    from medcoder.codesets.store import DataStore

    kb = KnowledgeBase(DataStore(data))
    t0 = time.perf_counter()
    info = kb.install_bundled("icd10cm-tabular")
    build_s = time.perf_counter() - t0
    assert info is not None

    show = [sys.executable, "-m", "medcoder.cli.main", "show", "E11.22", "--date", "2026-05-01"]
    floor = [sys.executable, "-c", "pass"]
    _run_timed(show, env)  # warm the OS file cache
    show_times = [_run_timed(show, env)[0] for _ in range(args.runs)]
    floor_times = [_run_timed(floor, env)[0] for _ in range(args.runs)]
    show_rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    from medcoder.codesets.validate import validate

    reader = kb.open("icd10cm-tabular", "2026-05-01").reader
    billable = sorted(reader.billable)
    rng = random.Random(7)
    sample = rng.sample(billable, 20_000)
    headers = [r[0] for r in reader.db.execute("SELECT code FROM nodes WHERE billable=0 AND kind != 'chapter' AND kind != 'block' LIMIT 3000")]
    bad = [c[:-1] + "Z" for c in rng.sample(billable, 1000)]
    mix = sample + headers + bad
    rng.shuffle(mix)
    dos = dt.date(2026, 5, 1)
    for c in mix[:1000]:
        validate(c, dos, kb=kb)
    t0 = time.perf_counter()
    n = 0
    for c in mix:
        validate(c, dos, kb=kb)
        n += 1
    mix_rate = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for c in sample:
        validate(c, dos, kb=kb)
    billable_rate = len(sample) / (time.perf_counter() - t0)

    queries = ["diabetes with ckd", "fracture distal radius left", "essential hypertension",
               "acute kidney injury", "pneumonia due to streptococcus", "copd exacerbation",
               "urinary tract infection", "atrial fibrillation", "major depressive disorder recurrent",
               "low back pain"]
    t0 = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for q in queries:
            reader.search(q, limit=15)
    lookup_rate = rounds * len(queries) / (time.perf_counter() - t0)
    self_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # the reference: simple-icd-10-cm's own API on the same billable codes
    code = (
        "import time,sys,json; t=time.perf_counter(); import simple_icd_10_cm as s; imp=time.perf_counter()-t;"
        "codes=json.load(sys.stdin); t=time.perf_counter();"
        "ok=sum(1 for c in codes if s.is_valid_item(c) and s.is_leaf(c)); el=time.perf_counter()-t;"
        "print(json.dumps({'import_s':imp,'rate':len(codes)/el,'ok':ok}))"
    )
    ref = json.loads(subprocess.run([sys.executable, "-c", code], input=json.dumps(sample[:5000]),
                                    capture_output=True, text=True, check=True).stdout)

    results = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}",
        "tabular_build_s": round(build_s, 2),
        "show_median_s": round(statistics.median(show_times), 3),
        "show_max_s": round(max(show_times), 3),
        "python_floor_median_s": round(statistics.median(floor_times), 3),
        "show_peak_rss_mb": round(show_rss_kb / 1024, 1),
        "validate_mix_per_s": round(mix_rate),
        "validate_billable_per_s": round(billable_rate),
        "lookups_per_s": round(lookup_rate, 1),
        "bench_process_peak_rss_mb": round(self_rss_kb / 1024, 1),
        "reference_simple_icd_10_cm_import_s": round(ref["import_s"], 2),
        "reference_simple_icd_10_cm_valid_leaf_per_s": round(ref["rate"]),
    }
    print(json.dumps(results, indent=2))
    if args.write:
        _write(results)


def _write(r: dict[str, object]) -> None:
    start, end = "<!-- codesets:start -->", "<!-- codesets:end -->"
    section = f"""{start}
## Code sets (issue #3): `python benchmarks/bench_codesets.py --write`

Measured {r['date']} on {r['machine']}.

| measure | result | target |
|---|---|---|
| build the ICD-10-CM tabular cache from the official XML (first use only) | {r['tabular_build_s']} s | |
| `medcoder show E11.22` wall time, cache built (median / max of 15 runs) | {r['show_median_s']} s / {r['show_max_s']} s | < 1 s |
| `python -c pass` on the same machine (the floor) | {r['python_floor_median_s']} s | |
| peak RSS of the `medcoder show` process | {r['show_peak_rss_mb']} MB | |
| `validate()` calls/s, mix of billable, header and bad-7th-character codes | {r['validate_mix_per_s']:,} | ≥ 20,000 |
| `validate()` calls/s, billable codes only | {r['validate_billable_per_s']:,} | ≥ 20,000 |
| Tabular lookups/s (10 typed queries, 15 results each) | {r['lookups_per_s']} | |
| peak RSS of the benchmark process (all tables opened, 24k validations) | {r['bench_process_peak_rss_mb']} MB | |
| reference, same run: `simple-icd-10-cm` import (parses the XML every start) | {r['reference_simple_icd_10_cm_import_s']} s | |
| reference, same run: `simple-icd-10-cm` `is_valid_item`+`is_leaf` calls/s | {r['reference_simple_icd_10_cm_valid_leaf_per_s']:,} | |

{end}"""
    put_section(start, end, section)


if __name__ == "__main__":
    main()
