"""``medcoder audit run`` end to end on an audit universe built from the audit cases
(``universe.py``): a CSV claim-line extract, a folder of notes named after the claim ids, a
members file, with claims whose note was not produced, a note for no claim, and a row whose
amount does not parse. The right answer is known for every claim."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medcoder.audit.run import run_audit
from medcoder.codesets.kb import KnowledgeBase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from universe import write_universe

LOCALITY = "13202-01"  # Manhattan: the locality tests/audit/conftest.py prices the cases for


def _expected_key(e: dict[str, Any]) -> tuple[Any, ...]:
    return (e["category"], e.get("line"), e["direction"])


@pytest.fixture
def universe(tmp_path: Path) -> Any:
    return write_universe(tmp_path / "universe", copies=2, without_docs=2, orphan_docs=1, bad_rows=1)


def test_census_finds_exactly_the_known_errors(universe: Any, audit_kb: KnowledgeBase, fee_schedule: bool,
                                               tmp_path: Path) -> None:
    out = tmp_path / "workbook"
    result = run_audit(universe.claims_csv, universe.docs, out_dir=out, members_path=universe.members,
                       locality=LOCALITY if fee_schedule else None, kb=audit_kb, title="Test audit")
    by_id = {r.claim_id: r for r in result.reviews}
    # the bad row keeps its claim out, said so with the file and line; nothing else is lost
    assert sorted(by_id) == sorted(universe.expected)
    for cid in universe.bad_rows:
        assert any(cid in p and "claims.csv" in p for p in result.problems), result.problems
    assert any("Z0000" in p for p in result.problems)  # the note whose id matches no claim
    for cid in universe.without_docs:
        assert by_id[cid].status == "not-reviewable" and by_id[cid].findings == []
    for cid, want in universe.expected.items():
        r = by_id[cid]
        if cid in universe.without_docs:
            continue
        assert r.status == "reviewed", (cid, r.reason)
        got = sorted(_expected_key({"category": f.category, "line": f.line, "direction": f.direction})
                     for f in r.findings)
        assert got == sorted(_expected_key(e) for e in want), (cid, [f.message for f in r.findings])
        if fee_schedule or cid not in universe.needs_fees:
            assert sorted(f.amount for f in r.findings) == sorted(Decimal(str(e.get("amount", "0"))) for e in want)
    s = result.summary()
    in_error = {cid for cid, want in universe.expected.items()
                if cid not in universe.without_docs and any(e["direction"] != "none" for e in want)}
    assert s["claims_in_error"] == len(in_error)
    assert s["not_reviewable"] == len(universe.without_docs)
    names = {p.name for p in result.written}
    assert {"audit.html", "audit.pdf", "findings.csv", "summary.json"} <= names
    assert result.provenance["medcoder"] and any(t["kind"] == "icd10cm-tabular" for t in result.provenance["tables"])


def test_the_workbook_first_page_renders(universe: Any, audit_kb: KnowledgeBase, tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    out = tmp_path / "wb"
    run_audit(universe.claims_csv, universe.docs, out_dir=out, members_path=universe.members, kb=audit_kb,
              title="Riverside audit")
    pdf = pdfium.PdfDocument(str(out / "audit.pdf"))
    page = pdf[0]
    image = page.render(scale=1).to_pil().convert("L")
    w, h = image.size
    assert (w, h) == (612, 792) or (w, h) == (595, 842)
    dark = sum(image.histogram()[:128])
    assert dark > 2000  # text and table rules, not a blank page
    text = page.get_textpage().get_text_range()
    assert "Riverside audit" in text and "error rate" in text.lower()


def test_a_sample_is_reproducible_and_extrapolated(universe: Any, audit_kb: KnowledgeBase) -> None:
    a = run_audit(universe.claims_csv, universe.docs, sample_size=8, seed=20261203, kb=audit_kb)
    b = run_audit(universe.claims_csv, universe.docs, sample_size=8, seed=20261203, kb=audit_kb)
    assert [r.claim_id for r in a.reviews] == [r.claim_id for r in b.reviews]
    assert len(a.reviews) == 8
    est = a.estimate.to_dict()
    assert Decimal(str(est["lower"])) <= Decimal(str(est["point"])) <= Decimal(str(est["upper"]))
    assert "90" in a.estimate.describe()


def test_without_documentation_nothing_is_called_correct(universe: Any, audit_kb: KnowledgeBase) -> None:
    result = run_audit(universe.claims_csv, None, kb=audit_kb)
    assert result.reviews and all(r.status == "not-reviewable" for r in result.reviews)
    assert result.summary()["claims_in_error"] == 0 and result.summary()["reviewed"] == 0


def test_audit_run_command(universe: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medcoder.cli.main import app

    out = tmp_path / "cli"
    run = CliRunner().invoke(app, ["audit", "run", "--claims", str(universe.claims_csv), "--docs", str(universe.docs),
                                   "--members", str(universe.members), "--out", str(out), "--json"])
    assert run.exit_code == 0, run.output
    s = json.loads(run.output)
    assert s["universe"] == len(universe.expected) and s["not_reviewable"] == len(universe.without_docs)
    assert (out / "audit.html").is_file() and (out / "audit.pdf").is_file()
