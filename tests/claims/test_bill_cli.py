"""``medcoder bill``: a note in, the claim files out (837 valid under pyx12, the claim file
reads back the same, the scrubber's report beside them), nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from medcoder.claims.io import load_claims
from medcoder.claims.validate import validate_x12
from medcoder.cli.main import app

EX = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"


def _bill(note: str, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["bill", str(EX / note), "--profile", str(EX / "practice-profile.yaml"),
                                    "--patient", str(EX / "patient.yaml"), "--out", str(out), "--json", *extra])


def test_bill_office_injection(tabular_kb: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _bill("office-injection.json", out)
    assert run.exit_code == 0, run.output
    summary = json.loads(run.output)
    assert summary["kind"] == "professional" and summary["clean"]
    # the visit with 25, the injection and the drug units from the documented dose
    assert {ln["code"] for ln in summary["lines"]} == {"99213", "96372", "J1885"}
    assert [ln["modifiers"] for ln in summary["lines"] if ln["code"] == "99213"] == [["25"]]
    v = validate_x12(out / "claim.837")
    assert v.ok, v.errors
    (back,) = load_claims(out / "claim.837")
    (saved,) = load_claims(out / "claim.yaml")
    def lines(c: Any) -> list[tuple[Any, ...]]:
        return [(ln.code, ln.modifiers, ln.units, ln.charge, ln.pointers, ln.date_of_service) for ln in c.lines]

    assert lines(saved) == lines(back)  # Decimal: 19.00 == 19
    assert [d.code for d in back.diagnoses] == summary["diagnoses"]
    fhir = json.loads((out / "claim.fhir.json").read_text(encoding="utf-8"))
    assert fhir["resourceType"] == "Claim" and len(fhir["item"]) == 3
    scrub = json.loads((out / "scrub.json").read_text(encoding="utf-8"))
    assert scrub["clean"] and scrub["claim"] == summary["claim"]
    assert (out / "claim.pdf").read_bytes().startswith(b"%PDF")  # the CMS-1500
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_bill_without_submitter_phone_writes_nothing(tabular_kb: Any, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    text = (EX / "practice-profile.yaml").read_text(encoding="utf-8")
    profile.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("submitter")), encoding="utf-8")
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["bill", str(EX / "office-injection.json"), "--profile", str(profile),
                                   "--patient", str(EX / "patient.yaml"), "--out", str(out)])
    assert run.exit_code != 0
    assert "submitter.phone" in str(run.exception)
    assert not out.exists()
