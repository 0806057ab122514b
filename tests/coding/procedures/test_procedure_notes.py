"""Procedure notes: each ``notes/<family>/*.note`` is a note and the lines a coder would bill.

The YAML header says the encounter and the expected lines; the text marks the words each line
must cite as evidence with ``[[words|CODE]]``:

    setting, dos, age, sex, metadata    the encounter (metadata: e.g. patient_type: new)
    lines: ["99213 25 ->1,2", "96372", "J1885 x2 ->1"]
        every procedure line, exactly (order free): code, then ``xN`` units (default 1),
        modifiers in billing order, ``->`` diagnosis pointers (not checked when omitted)
    absent: [CODE, ..]                  codes that must not be produced
    warnings: [words, ..]               words some warning must contain
    rationale: {CODE: [words, ..]}      words the line's rationale must contain
    tables: {kind: path}                official tables the note needs, imported from
                                        ../shared/data (the note is skipped without it)

The notes are written by the project (no patient data).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.coding import code as code_document
from medcoder.encounter import Encounter

NOTES = sorted((Path(__file__).parent / "notes").glob("*/*.note"))
_MARK = re.compile(r"\[\[([^|\]]+)\|([A-Z0-9]+)\]\]")


def parse(path: Path) -> tuple[dict[str, Any], str, list[tuple[int, int, str]]]:
    raw = path.read_text(encoding="utf-8")
    _, head, body = raw.split("---\n", 2)
    meta = yaml.safe_load(head)
    text, marks, pos = "", [], 0
    for m in _MARK.finditer(body):
        text += body[pos : m.start()]
        start = len(text)
        text += m.group(1)
        marks.append((start, len(text), m.group(2)))
        pos = m.end()
    return meta, text + body[pos:], marks


def spec(entry: str) -> tuple[str, int | float, list[str], list[int] | None]:
    code, *rest = str(entry).split()
    units: int | float = 1
    mods: list[str] = []
    ptrs: list[int] | None = None
    for tok in rest:
        if re.fullmatch(r"x\d+(?:\.\d)?", tok):
            units = float(tok[1:]) if "." in tok else int(tok[1:])
        elif tok.startswith("->"):
            ptrs = [int(p) for p in tok[2:].split(",") if p]
        else:
            mods.append(tok)
    return code, units, mods, ptrs


@pytest.mark.parametrize("path", NOTES, ids=[f"{p.parent.name}/{p.stem}" for p in NOTES])
def test_procedure_note(path: Path, request: pytest.FixtureRequest) -> None:
    meta, text, marks = parse(path)
    tables = meta.get("tables") or {}
    # a note that needs more tables gets a knowledge base of its own; the others share one
    kb = request.getfixturevalue("tabular_kb" if tables else "coding_kb")
    for kind, rel in tables.items():
        shared: Path = request.getfixturevalue("shared_data")  # skips when ../shared is absent
        kb.import_file(kind, shared / rel)
    enc = Encounter(
        text=text,
        setting=meta.get("setting", "outpatient"),
        patient_age=meta.get("age"),
        patient_sex=meta.get("sex", "U"),
        metadata=dict(meta.get("metadata") or {}),
    )
    r = code_document(enc, date_of_service=str(meta.get("dos", "2026-05-04")), kb=kb)
    got = [(p.code, p.units or 1, p.modifiers, p.diagnosis_pointers) for p in r.procedures]
    want = [spec(e) for e in meta.get("lines", [])]
    shown = [(c, u, m) for c, u, m, _ in got]
    assert sorted(shown) == sorted((c, u, m) for c, u, m, _ in want), (shown, r.warnings)
    for code, _u, _m, ptrs in want:
        if ptrs is not None:
            line = next(g for g in got if g[0] == code)
            assert line[3] == ptrs, (code, line[3], [d.code for d in r.diagnoses])
    for code in meta.get("absent", []):
        assert code not in {p.code for p in r.procedures}
    for words in meta.get("warnings", []):
        assert any(words.lower() in w.lower() for w in r.warnings), (words, r.warnings)
    for code, words_list in (meta.get("rationale") or {}).items():
        line = next(p for p in r.procedures if p.code == code)
        for words in words_list:
            assert any(words.lower() in w.lower() for w in line.rationale), (words, line.rationale)
    for start, end, code in marks:
        cited = [(e.start, e.end) for p in r.procedures if p.code == code for e in p.evidence]
        assert any(s <= start and end <= e for s, e in cited), (code, text[start:end], cited)
