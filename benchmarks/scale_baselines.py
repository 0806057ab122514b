"""Baselines beside ``medcoder batch`` in the scale benchmark (issue #10): the same note texts
through medspaCy's ConText pipeline alone, and through the PyPI ``icd10-coder`` package.

    python benchmarks/scale_baselines.py [--data ../shared/data/codiesp] [--limit 250] [--repeat 4]
                                         [--medspacy-python /path/to/venv/bin/python]

Each baseline returns ``{"name", "version", "notes", "seconds", "notes_per_s", "load_seconds"}``
(plus a few counts that show it did the work), or ``{"name", "skipped": reason}``. Load time
(imports and building the pipeline) is measured apart from processing. Everything is offline.

- **medspaCy** (``medspacy.load()``: spaCy's English tokenizer, PyRuSH sentence splitter, target
  matcher, ConText with its default English rules). ``medspacy.load()`` ships no target rules,
  so the target matcher gets one literal rule per condition word of ``bench_context.py``'s
  ``CONDITION_LIST`` (our own list, the one that benchmark gives both ConText engines): the same
  targets as there, no UMLS. On Python < 3.12 medspaCy 1.3.1 pins spaCy < 3.8, hence thinc 8.2
  and numpy < 2, which cannot share a venv with numpy 2 (pandas 3 needs it); so it can run in
  another interpreter (``--medspacy-python`` or ``$MEDCODER_MEDSPACY_PYTHON``, a venv with just
  ``pip install medspacy==1.3.1``): the texts go to it in a private temporary file, it times
  itself and answers in JSON on stdout.
- **icd10-coder** (0.2.3, MIT, bundles the CMS 2025 ICD-10-CM/PCS tables as SQLite): a lookup of
  a diagnosis *term* (FTS5, bm25), not a note coder; its PCS mode only prints candidates for an
  LLM (a Claude Code skill, not in the package) to assemble a code. It needs no network, model
  or key. We give it each condition mention in the note (whole-word matches of the same list)
  and keep its first ICD-10-CM code (``icd10_coder.coder.cm_search(conn, mention, limit=1)``,
  its CLI's ``dx`` search without the printing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON_ENV = "MEDCODER_MEDSPACY_PYTHON"


def condition_terms() -> list[str]:
    """The condition words of bench_context.py (one list for both benchmarks)."""
    sys.path.insert(0, str(HERE))
    from bench_context import CONDITION_LIST

    return list(CONDITION_LIST)


def codiesp_texts(folder: Path, limit: int = 250, repeat: int = 4) -> list[str]:
    """The notes bench_scale.py batches: the first ``limit`` ``*.txt`` of ``folder`` in name
    order, each ``repeat`` times (copy k of every note, then copy k + 1)."""
    files = sorted(folder.glob("*.txt"))
    files = files[:limit] if limit else files
    texts = [f.read_text(encoding="utf-8") for f in files]
    return [t for _ in range(repeat) for t in texts]


def _result(name: str, version: str, n: int, secs: float, cpu: float, load: float,
            **counts: int) -> dict[str, Any]:
    """``seconds`` is wall clock; ``cpu_seconds`` this process's CPU time over the same span
    (the fairer figure on a shared machine)."""
    return {"name": name, "version": version, "notes": n, "seconds": round(secs, 3),
            "notes_per_s": round(n / secs, 1) if secs > 0 else None,
            "cpu_seconds": round(cpu, 3), "notes_per_cpu_s": round(n / cpu, 1) if cpu > 0 else None,
            "load_seconds": round(load, 3), **counts}


def _medspacy_here(texts: list[str], terms: list[str], sentencizer: str = "pyrush") -> dict[str, Any]:
    t0 = time.perf_counter()
    from loguru import logger  # PyRuSH 1.0.13 logs every sentence's tokens (note text) at DEBUG

    logger.disable("PyRuSH")
    import medspacy
    import spacy
    from medspacy.target_matcher import TargetRule

    if sentencizer == "pyrush":
        nlp = medspacy.load()
    else:  # spaCy's punctuation sentencizer in place of PyRuSH: ConText's own cost stands out
        nlp = medspacy.load(medspacy_disable=["medspacy_pyrush"])
        nlp.add_pipe("sentencizer", first=True)
    nlp.get_pipe("medspacy_target_matcher").add([TargetRule(t, "CONDITION") for t in terms])
    load = time.perf_counter() - t0
    targets = negated = flagged = 0
    t1, c1 = time.perf_counter(), time.process_time()
    for doc in nlp.pipe(texts):
        for e in doc.ents:
            targets += 1
            negated += int(e._.is_negated)
            flagged += int(any((e._.is_negated, e._.is_uncertain, e._.is_historical,
                            e._.is_family, e._.is_hypothetical)))
    secs, cpu = time.perf_counter() - t1, time.process_time() - c1
    return _result(f"medspaCy ConText ({'PyRuSH' if sentencizer == 'pyrush' else 'spaCy sentencizer'})",
                   f"medspacy {medspacy.__version__}, spacy {spacy.__version__}",
                   len(texts), secs, cpu, load, targets=targets, negated=negated, flagged=flagged)


def _medspacy_there(python: str, texts: list[str], terms: list[str], sentencizer: str) -> dict[str, Any]:
    fd, name = tempfile.mkstemp(prefix="medcoder-baseline-", suffix=".json")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"texts": texts, "terms": terms, "sentencizer": sentencizer}, f)
        p = subprocess.run([python, str(Path(__file__).resolve()), "--worker-medspacy", name],
                           capture_output=True, text=True, timeout=3600)
    finally:
        os.unlink(name)
    if p.returncode != 0:
        # the class of the error only: a message could quote a note
        last = (p.stderr.strip().splitlines() or ["?"])[-1].split(":", 1)[0]
        return {"name": "medspaCy ConText", "skipped": f"{python} exited {p.returncode} ({last})"}
    r: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    r["python"] = python
    return r


def medspacy_context(texts: list[str], terms: list[str] | None = None, python: str | None = None,
                     sentencizer: str = "pyrush") -> dict[str, Any]:
    """medspaCy's ConText pipeline alone over ``texts`` (``nlp.pipe``), in this interpreter, or
    in ``python`` (default ``$MEDCODER_MEDSPACY_PYTHON``) when given. ``sentencizer``:
    ``"pyrush"`` (medspacy.load()'s default) or ``"spacy"`` (spaCy's punctuation rules)."""
    if sentencizer not in ("pyrush", "spacy"):
        raise ValueError(f"sentencizer must be 'pyrush' or 'spacy', not {sentencizer!r}")
    terms = condition_terms() if terms is None else terms
    python = python or os.environ.get(PYTHON_ENV)
    if python:
        return _medspacy_there(python, texts, terms, sentencizer)
    try:
        return _medspacy_here(texts, terms, sentencizer)
    except (ImportError, ValueError) as exc:  # ValueError: spaCy built for numpy 1 under numpy 2
        return {"name": "medspaCy ConText",
                "skipped": f"medspacy not usable here ({type(exc).__name__}); pip install medspacy==1.3.1 "
                           f"in a separate venv and pass --medspacy-python / ${PYTHON_ENV}"}


def icd10_coder(texts: list[str], terms: list[str] | None = None) -> dict[str, Any]:
    """icd10-coder's ICD-10-CM term search on every condition mention of ``texts`` (top code)."""
    terms = condition_terms() if terms is None else terms
    t0 = time.perf_counter()
    try:
        import icd10_coder as pkg
        from icd10_coder import coder
    except ImportError:
        return {"name": "icd10-coder", "skipped": "not installed (pip install icd10-coder==0.2.3)"}
    conn = coder.get_conn(coder.CM_DB)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
                         + r")\b", re.IGNORECASE)
    load = time.perf_counter() - t0
    mentions = coded = 0
    distinct: set[str] = set()
    t1, c1 = time.perf_counter(), time.process_time()
    for text in texts:
        for m in pattern.finditer(text):
            mentions += 1
            distinct.add(m.group(0).lower())
            coded += bool(coder.cm_search(conn, m.group(0), limit=1))
    secs, cpu = time.perf_counter() - t1, time.process_time() - c1
    conn.close()
    return _result("icd10-coder (ICD-10-CM term search per condition mention)", pkg.__version__,
                   len(texts), secs, cpu, load, targets=mentions, distinct=len(distinct), coded=coded)


def _worker(payload: Path) -> None:
    data = json.loads(payload.read_text(encoding="utf-8"))
    print(json.dumps(_medspacy_here(data["texts"], data["terms"], data["sentencizer"])))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker-medspacy":  # medspaCy's own interpreter
        _worker(Path(sys.argv[2]))
        return
    sys.path.insert(0, str(HERE))
    from bench_scale import DEFAULT_DATA

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--medspacy-python", help=f"interpreter with medspacy (default ${PYTHON_ENV})")
    ap.add_argument("--spacy-sentencizer", action="store_true",
                    help="also run medspaCy with spaCy's sentencizer in place of PyRuSH")
    a = ap.parse_args()
    folder = a.data / "dev" / "text_files_en"
    if not folder.is_dir():
        sys.exit(f"no CodiEsp dev English texts at {folder}")
    texts = codiesp_texts(folder, a.limit, a.repeat)
    terms = condition_terms()
    print(json.dumps(medspacy_context(texts, terms, a.medspacy_python)), flush=True)
    if a.spacy_sentencizer:
        print(json.dumps(medspacy_context(texts, terms, a.medspacy_python, "spacy")), flush=True)
    print(json.dumps(icd10_coder(texts, terms)))


if __name__ == "__main__":
    main()
