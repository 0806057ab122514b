"""Diagnosis coding speed: notes per second per core on the CodiEsp dev texts, end to end.

    python benchmarks/bench_coding.py [--data ../shared/data/codiesp] [--write]

Runs in one process on one core: read each English dev text, code it (mentions mode, the
setting CodiEsp evaluation uses) and collect the result. The dictionary is built and cached
first (reported separately: it happens once per release). Peak memory is the process's max RSS.
The reference, in the same run on the same texts: medspaCy's ConText pipeline alone (sentence
splitting + a TargetMatcher with the same condition words + ConText), when medspaCy is installed
(`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdoc import machine, put_section

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "codiesp"


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_medcoder(texts: list[str]) -> dict[str, Any]:
    from medcoder.codesets.kb import default_kb
    from medcoder.coding import code_encounter, code_text

    kb = default_kb()
    t0 = time.perf_counter()
    code_text("warm up: hypertension.", mode="mentions", setting="inpatient", kb=kb)
    warm = time.perf_counter() - t0

    def run(mode: str, setting: str) -> tuple[float, list[Any]]:
        t0 = time.perf_counter()
        results = [code_text(t, mode=mode, setting=setting, kb=kb) for t in texts]
        return time.perf_counter() - t0, results

    el, coded = run("mentions", "inpatient")
    codes = sum(len(r.diagnoses) for r in coded)
    # billing mode: guidelines, sequencing, queries and the procedure families (issue #5)
    el_billing, billed = run("billing", "outpatient")
    lines = sum(len(r.procedures) for r in billed)
    el_inpatient, billed_in = run("billing", "inpatient")  # with ICD-10-PCS
    lines_in = sum(len(r.procedures) for r in billed_in)
    rich = _procedure_notes()
    t0 = time.perf_counter()
    rich_lines = 0
    for _ in range(max(1, 250 // max(1, len(rich)))):
        for enc in rich:
            rich_lines += len(code_encounter(enc, kb=kb).procedures)
    el_rich = time.perf_counter() - t0
    n_rich = len(rich) * max(1, 250 // max(1, len(rich)))
    return {
        "billing_notes_per_s": round(len(texts) / el_billing, 1),
        "billing_procedure_lines": lines,
        "inpatient_billing_notes_per_s": round(len(texts) / el_inpatient, 1),
        "inpatient_procedure_lines": lines_in,
        "pcs_loaded": kb.has("icd10pcs") and bool(kb.store.tables("icd10pcs")),
        "procedure_notes": len(rich),
        "procedure_notes_per_s": round(n_rich / el_rich, 1),
        "procedure_lines_per_note": round(rich_lines / max(1, n_rich), 1),
        "first_call_s": round(warm, 2),
        "notes": len(texts),
        "seconds": round(el, 2),
        "notes_per_s": round(len(texts) / el, 1),
        "codes_per_note": round(codes / max(1, len(texts)), 1),
        "peak_rss_mb": _rss_mb(),
        "index_loaded": kb.has("icd10cm-index"),
        "neoplasm_loaded": kb.has("icd10cm-neoplasm"),
    }


def _procedure_notes() -> list[Any]:
    """Procedure-rich notes: the demo's examples and the procedure test notes (written by the
    project), as encounters."""
    import re

    import yaml

    from medcoder.demo import example_files
    from medcoder.encounter import Encounter
    from medcoder.readers import read_document

    out = [read_document(Path(str(f))) for f in example_files()]
    mark = re.compile(r"\[\[([^|\]]+)\|[A-Z0-9]+\]\]")
    for path in sorted((REPO / "tests" / "coding" / "procedures" / "notes").glob("*/*.note")):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(head)
        out.append(Encounter(
            text=mark.sub(r"\1", body), setting=meta.get("setting", "outpatient"),
            date_of_service=dt.date.fromisoformat(str(meta.get("dos", "2026-05-04"))),
            patient_age=meta.get("age"), metadata=dict(meta.get("metadata") or {}),
        ))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    folder = args.data / "dev" / "text_files_en"
    if not folder.is_dir():
        sys.exit(f"no CodiEsp dev English texts at {folder}")
    files = sorted(folder.glob("*.txt"))
    if args.limit:
        files = files[: args.limit]
    texts = [f.read_text(encoding="utf-8") for f in files]
    size = sum(len(t) for t in texts) / max(1, len(texts))
    res: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "mean_note_chars": round(size),
        "medcoder": bench_medcoder(texts),
    }
    if not args.no_reference:
        res["medspacy_context"] = _medspacy_reference(texts)
    import json

    print(json.dumps(res, indent=2))
    if args.write:
        _write(res)


def _medspacy_reference(texts: list[str]) -> dict[str, Any]:
    """medspaCy's ConText alone on the same texts: spaCy tokenization, sentence starts and the
    condition targets set as entities (bench_context's harness), then ConText."""
    import re

    try:
        sys.path.insert(0, str(REPO / "benchmarks"))
        import bench_context as bc

        runner = bc.MedspacyRunner()
    except Exception as exc:  # medspaCy is optional (pip install -e '.[bench]')
        return {"error": f"medspaCy not available ({type(exc).__name__})"}
    pattern = re.compile(
        r"\b(?:"
        + "|".join(re.escape(c) for c in sorted(bc.CONDITION_LIST, key=len, reverse=True))
        + r")\b",
        re.IGNORECASE,
    )
    t0 = time.perf_counter()
    ents = 0
    for t in texts:
        doc = runner.prepare(t, bc.split_sentences(t), bc.find_targets(t, pattern))
        ents += len(runner.run(doc))
    el = time.perf_counter() - t0
    return {
        "version": runner.version,
        "notes": len(texts),
        "seconds": round(el, 2),
        "notes_per_s": round(len(texts) / el, 1),
        "targets_per_note": round(ents / max(1, len(texts)), 1),
    }


def _write(r: dict[str, Any]) -> None:
    start, end = "<!-- coding:start -->", "<!-- coding:end -->"
    m = r["medcoder"]
    ref = r.get("medspacy_context") or {}
    ref_line = (
        f"| reference, same run: medspaCy ConText pipeline alone (sentences + target matcher + "
        f"ConText) | {ref.get('notes_per_s', '—')} notes/s | |"
        if "notes_per_s" in ref
        else f"| reference: medspaCy ConText | not measured: {ref.get('error', 'skipped')} | |"
    )
    section = f"""{start}
## Coding, diagnoses and procedures (issues #4, #5): `python benchmarks/bench_coding.py --write`

Measured {r['date']} on {r['machine']}; one process, one core. CodiEsp dev English texts
({m['notes']} notes, mean {r['mean_note_chars']} characters), mentions mode, end to end (read,
sections, sentences, matching, context, completion, result objects). Alphabetic Index loaded:
{m['index_loaded']}; Neoplasm Table loaded: {m.get('neoplasm_loaded')}.

| measure | result | target |
|---|---|---|
| notes per second per core | {m['notes_per_s']} | ≥ 100 |
| notes per second per core, billing mode with procedures (outpatient setting; {m['billing_procedure_lines']} procedure lines found) | {m['billing_notes_per_s']} | ≥ 100 |
| notes per second per core, billing mode with procedures (inpatient setting, ICD-10-PCS tables loaded: {m['pcs_loaded']}; {m['inpatient_procedure_lines']} lines) | {m['inpatient_billing_notes_per_s']} | ≥ 100 |
| procedure-rich notes per second per core (the {m['procedure_notes']} demo examples and procedure test notes, {m['procedure_lines_per_note']} lines per note) | {m['procedure_notes_per_s']} | |
| first call (load the cached dictionary and tables) | {m['first_call_s']} s | |
| codes per note (mentions) | {m['codes_per_note']} | |
| peak RSS of the process | {m['peak_rss_mb']} MB | |
{ref_line}

{end}"""
    put_section(start, end, section)


if __name__ == "__main__":
    main()
