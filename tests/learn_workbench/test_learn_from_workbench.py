"""`medcoder learn --workbench`: the site model learns from the encounters the workbench's
coders completed (their final codes and the evidence they kept), not from what was only
suggested or rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medcoder.cli.main import app
from medcoder.errors import InputError
from medcoder.learn.model import SiteModel
from medcoder.learn.workbench import learn_workbench
from medcoder.workbench import Settings, Workbench
from medcoder.workbench.security import SYSTEM

# Three visits where the coder added Z91.81 (history of falling) for "falls at home", which the
# coder does not suggest on its own, and rejected the hypertension code on one of them.
NOTE = ("Assessment and Plan:\n1. Essential hypertension, controlled.\n"
        "2. Patient reports repeated falls at home this year; home safety reviewed.\n")


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(database_url=f"sqlite:///{tmp_path / 'wb.sqlite'}", env="test",
                             secret_key="learn-test-" + "s" * 40)


def _complete(wb: Workbench, dos: str, *, reject_htn: bool = False) -> int:
    enc = json.dumps({"setting": "outpatient", "date_of_service": dos, "text": NOTE,
                      "patient": {"age": 81, "sex": "F"}})
    eid = int(wb.ingest(SYSTEM, enc, filename="visit.json")["id"])
    wb.run_pending(worker_id="test")
    view: dict[str, Any] = wb.encounter(SYSTEM, eid)
    for c in view["codes"]:
        if c["kind"] != "diagnosis":
            continue
        if reject_htn and c["code"] == "I10":
            wb.decide(SYSTEM, eid, action="reject", code="I10", reason="not addressed today")
        else:
            wb.decide(SYSTEM, eid, action="accept", code=c["code"])
    wb.decide(SYSTEM, eid, action="add", code="Z91.81", reason="falls documented")
    wb.complete(SYSTEM, eid)
    return eid


def test_the_site_model_learns_the_codes_coders_added(tmp_path: Path, coding_kb: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    with Workbench.open(settings, kb=coding_kb) as wb:
        for i, dos in enumerate(("2026-03-02", "2026-04-06", "2026-05-04")):
            _complete(wb, dos, reject_htn=i == 0)
        # an encounter only coded by the machine, never completed, is not a training document
        wb.ingest(SYSTEM, json.dumps({"setting": "outpatient", "date_of_service": "2026-05-05",
                                      "text": "Assessment: gout flare of the left foot."}),
                  filename="other.json")
        wb.run_pending(worker_id="test")
    model = learn_workbench(settings)
    assert model.provenance["corpus"] == "workbench"
    assert model.provenance["encounters"] == 3
    assert model.priors["Z91.81"] == pytest.approx(1.0)
    assert model.priors["I10"] == pytest.approx(2 / 3, abs=1e-4)  # rejected on one of the three
    assert "M10.072" not in model.priors and "M10.9" not in model.priors
    assert any(p.code == "Z91.81" for p in model.phrases)


def test_the_cli_learns_from_the_workbench_into_the_data_dir(tmp_path: Path, coding_kb: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    with Workbench.open(settings, kb=coding_kb) as wb:
        _complete(wb, "2026-03-02")
        _complete(wb, "2026-04-06")
    monkeypatch.setenv("MEDCODER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDCODER_ENV", "test")
    monkeypatch.setenv("MEDCODER_SECRET_KEY", settings.secret_key)
    res = CliRunner().invoke(app, ["learn", "--workbench", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["provenance"]["encounters"] == 2
    saved = SiteModel.load()
    assert saved is not None and "Z91.81" in saved.priors


def test_learn_wants_one_source(tmp_path: Path) -> None:
    # the error main() prints as error[MC100] with exit status 2
    for args in (["learn"], ["learn", str(tmp_path), "--workbench"]):
        res = CliRunner().invoke(app, args)
        assert isinstance(res.exception, InputError)
        assert "either a CodiEsp folder or --workbench" in str(res.exception)


def test_an_empty_workbench_says_there_is_nothing_to_learn(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no coded encounters to learn from"):
        learn_workbench(_settings(tmp_path))
