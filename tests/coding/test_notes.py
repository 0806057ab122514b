"""Notes with their expected codes marked inline, as a coder would mark a chart.

Each ``notes/*.note`` file has a YAML header and the note text. In the text,
``[[words|CODE]]`` marks words that must be cited as evidence for ``CODE`` in the billing
result; ``[[words|!CODE]]`` marks words that must NOT lead to ``CODE`` (negated, uncertain in
the setting, hypothetical...). The header says:

    setting, dos, age, sex          the encounter
    expect: [..]                    the billing codes, exactly, in sequence
    includes: [..] / absent: [..]   codes that must / must not be reported
    first: CODE                     the first-listed / principal diagnosis
    queries: [topic, ..]            physician query topics that must be drafted
    warnings: [word, ..]            words some warning must contain

The notes are written by the project (no patient data).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.coding import code_text
from medcoder.result import CodingResult

NOTES = sorted((Path(__file__).parent / "notes").glob("*.note"))
_MARK = re.compile(r"\[\[([^|\]]+)\|(!?)([A-Z0-9.]+)\]\]")


def parse(path: Path) -> tuple[dict[str, Any], str, list[tuple[int, int, str, bool]]]:
    raw = path.read_text(encoding="utf-8")
    _, head, body = raw.split("---\n", 2)
    meta = yaml.safe_load(head)
    text = ""
    marks: list[tuple[int, int, str, bool]] = []
    pos = 0
    for m in _MARK.finditer(body):
        text += body[pos : m.start()]
        start = len(text)
        text += m.group(1)
        marks.append((start, len(text), m.group(3), m.group(2) != "!"))
        pos = m.end()
    text += body[pos:]
    return meta, text, marks


def run(meta: dict[str, Any], text: str, tabular_kb: Any, mode: str = "billing") -> CodingResult:
    return code_text(
        text,
        setting=meta.get("setting", "outpatient"),
        date_of_service=str(meta.get("dos", "2026-05-04")),
        age=meta.get("age"),
        sex=meta.get("sex", "U"),
        mode=mode,
        kb=tabular_kb,
    )


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.stem)
def test_note(path: Path, tabular_kb: Any) -> None:
    meta, text, marks = parse(path)
    result = run(meta, text, tabular_kb)
    codes = [d.code for d in result.diagnoses]
    shown = f"{path.name}: got {codes}"
    if "expect" in meta:
        assert codes == meta["expect"], shown
    for c in meta.get("includes", []):
        assert c in codes, shown
    for c in meta.get("absent", []):
        assert c not in codes, shown
    if "first" in meta:
        assert codes and codes[0] == meta["first"], shown
    topics = [q.topic for q in result.queries]
    for t in meta.get("queries", []):
        assert t in topics, f"{path.name}: queries {topics}"
    for w in meta.get("warnings", []):
        assert any(w.lower() in x.lower() for x in result.warnings), f"{path.name}: {result.warnings}"
    by_code = {d.code: d for d in result.diagnoses}
    for start, end, code, wanted in marks:
        if not wanted:
            assert code not in codes, f"{path.name}: {code} must not be coded from {text[start:end]!r}"
            continue
        assert code in by_code, shown
        spans = [(e.start, e.end) for e in by_code[code].evidence]
        assert any(s < end and start < e for s, e in spans), (
            f"{path.name}: {code} should cite {text[start:end]!r}, cites "
            f"{[text[s:e] for s, e in spans]}"
        )
    # every evidence offset indexes the note exactly, and every code says why
    for d in result.diagnoses:
        assert d.rationale, d.code
        for e in d.evidence:
            assert text[e.start : e.end] == e.text


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.stem)
def test_mentions_mode_flags_what_billing_drops(path: Path, tabular_kb: Any) -> None:
    """In mentions mode every marked-as-not-coded mention is still found, with a context flag
    (or, for uncertain ones, the uncertainty flag) explaining why billing left it out."""
    meta, text, marks = parse(path)
    result = run(meta, text, tabular_kb, mode="mentions")
    assert all(d.sequence == 0 for d in result.diagnoses)
    for start, end, code, wanted in marks:
        if wanted:
            continue
        hits = [
            d
            for d in result.diagnoses
            if d.code == code and any(e.start < end and start < e.end for e in d.evidence)
        ]
        if not hits:
            continue  # a symptom integral to the diagnosis is dropped by rule, not context
        assert any(not d.context.asserted for d in hits), f"{path.name}: {code} has no context flag"
