"""Every scrubber scenario under tests/claims/scenarios/<family>/ (see its README.md):
the claim goes in, exactly the findings listed must come out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.claims.edits import families, scrub
from medcoder.claims.serialize import claim_from_dict
from medcoder.codesets.kb import KnowledgeBase

HERE = Path(__file__).parent
SCENARIOS = HERE / "scenarios"
TESTS = HERE.parent
CASES = sorted(p for p in SCENARIOS.glob("*/*.yaml"))
DEFAULTS = yaml.safe_load((SCENARIOS / "defaults.yaml").read_text(encoding="utf-8"))


def _claim(data: dict[str, Any]) -> Any:
    merged = {**DEFAULTS, **data}
    return claim_from_dict(merged, source="scenario", check=False)


def _table_path(value: str, shared: Path | None) -> Path:
    if value.startswith("shared:"):
        if shared is None:
            pytest.skip("../shared/data is absent; this scenario reads an official file from it")
        return shared / value.removeprefix("shared:")
    return TESTS / value


def test_every_family_has_scenarios() -> None:
    have = {p.parent.name for p in CASES}
    missing = [f.name for f in families() if f.name.replace("-", "_") not in have]
    assert not missing, f"edit families without a scenario folder: {missing}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_scenario(case: Path, tabular_kb: KnowledgeBase, request: pytest.FixtureRequest) -> None:
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    assert spec.get("title"), f"{case}: a scenario needs a title a coder can read"
    shared: Path | None = None
    if any(str(v).startswith("shared:") for v in (spec.get("tables") or {}).values()):
        shared = request.getfixturevalue("shared_data")
    for kind, value in (spec.get("tables") or {}).items():
        tabular_kb.import_file(kind, _table_path(str(value), shared))
    history = [_claim(h) for h in spec.get("history") or []]
    claim = _claim(spec["claim"])
    report = scrub(claim, tabular_kb, only=[spec["edit"]], history=history)
    assert report.families_run == [spec["edit"]], f"{case.name}: edit {spec['edit']!r} did not run ({report.families_run})"
    got = sorted(report.findings, key=lambda f: (f.rule, f.lines, f.diagnoses))
    want = sorted(spec.get("expect") or [], key=lambda e: (e["rule"], tuple(e.get("lines", ())), tuple(e.get("diagnoses", ()))))
    shown = "\n".join(f"  {f.rule} {f.severity} lines={list(f.lines)} dx={list(f.diagnoses)}: {f.message}" for f in got)
    assert len(got) == len(want), f"{case.name}: expected {len(want)} finding(s), got {len(got)}:\n{shown}"
    for f, e in zip(got, want, strict=True):
        assert f.rule == e["rule"] and f.severity == e["severity"], f"{case.name}: got\n{shown}"
        if "lines" in e:
            assert list(f.lines) == e["lines"], f"{case.name}: {f.rule} lines {list(f.lines)} != {e['lines']}"
        if "diagnoses" in e:
            assert list(f.diagnoses) == e["diagnoses"], f"{case.name}: {f.rule} diagnoses {list(f.diagnoses)}"
        if "says" in e:
            assert str(e["says"]).lower() in f.message.lower(), f"{case.name}: {f.message!r} lacks {e['says']!r}"
        assert f.reference, f"{f.rule} has no official reference"
