"""``medcoder claim scrub`` on the bundled example claims: the clean claim passes, the broken
one is reported line by line, and the exit status tells a script whether to send the batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from medcoder.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples" / "claims-office.yaml"


def _scrub(*args: str) -> Any:
    return CliRunner().invoke(app, ["claim", "scrub", *args])


def test_scrub_json_reports_each_claim(tabular_kb: Any) -> None:
    run = _scrub(str(EXAMPLE), "--json")
    assert run.exit_code == 1, run.output
    first, second = json.loads(run.output)
    # info findings say which edits could not run (no NCCI/MUE table in this data dir)
    assert first["claim"] == "PCN-1001" and first["clean"]
    assert [f for f in first["findings"] if f["severity"] != "info"] == []
    assert "validity" in first["edits_run"] and "duplicates" in first["edits_run"]
    assert not second["clean"]
    rules = {(f["rule"], tuple(f["lines"]), tuple(f["diagnoses"])) for f in second["findings"]
             if f["severity"] != "info"}
    assert rules == {
        ("validity/invalid-diagnosis", (), (1,)),  # E11.2 is a subcategory
        ("pointers/missing", (3,), ()),
        ("duplicates/line", (2, 3), ()),
    }
    assert all(f["reference"] for f in second["findings"])


def test_scrub_table_and_exit_status(tabular_kb: Any, tmp_path: Path) -> None:
    run = _scrub(str(EXAMPLE))
    assert run.exit_code == 1
    assert "PCN-1002" in run.output and "will be rejected" in run.output and "E11.21" in run.output
    clean = tmp_path / "clean.yaml"
    clean.write_text(EXAMPLE.read_text(encoding="utf-8").split("  - <<: *first")[0], encoding="utf-8")
    ok = _scrub(str(clean))
    assert ok.exit_code == 0, ok.output
    assert "clean" in ok.output


def test_history_finds_a_claim_sent_twice(tabular_kb: Any, tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text(EXAMPLE.read_text(encoding="utf-8").split("  - <<: *first")[0], encoding="utf-8")
    again = tmp_path / "again.yaml"
    again.write_text(clean.read_text(encoding="utf-8").replace("PCN-1001", "PCN-2001"), encoding="utf-8")
    run = _scrub(str(again), "--history", str(clean), "--edit", "duplicates", "--json")
    assert run.exit_code == 1
    (report,) = json.loads(run.output)
    assert report["edits_run"] == ["duplicates"]
    assert [f["rule"] for f in report["findings"]] == ["duplicates/claim"]
    assert "PCN-1001" in report["findings"][0]["message"]


def test_unknown_edit_family_is_refused(tabular_kb: Any) -> None:
    run = _scrub(str(EXAMPLE), "--edit", "no-such-edit")
    assert run.exit_code != 0
    assert "no-such-edit" in str(run.exception) and "validity" in str(run.exception)
