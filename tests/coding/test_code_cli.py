"""`medcoder code` and `medcoder demo` as a user runs them: output, JSON schema, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"
BAD = Path(__file__).resolve().parents[1] / "bad_inputs" / "documents"


def run(args: list[str], data_dir: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    import os

    env = {**os.environ, "MEDCODER_DATA": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "medcoder.cli", *args], input=stdin, capture_output=True, env=env
    )


@pytest.fixture(scope="module")
def built(_built_tabular: Any) -> Path:
    return Path(_built_tabular)


def test_code_json_follows_the_documented_schema(built: Path) -> None:
    r = run(["code", str(EXAMPLES / "office-diabetes-ckd.json"), "--format", "json"], built)
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout)
    assert out["schema_version"] == "1.2"
    assert out["setting"] == "outpatient" and out["mode"] == "billing"
    codes = [d["code"] for d in out["diagnoses"]]
    assert codes[:3] == ["E11.22", "I12.9", "N18.31"]
    assert "Z68.33" in codes and "Z80.3" in codes
    text = json.loads((EXAMPLES / "office-diabetes-ckd.json").read_text())["text"]
    for d in out["diagnoses"]:
        assert set(d) >= {"code", "system", "description", "sequence", "confidence",
                          "evidence", "rationale", "context"}
        for e in d["evidence"]:
            assert text[e["start"] : e["end"]] == e["text"]
    em = [(p["code"], p["modifiers"]) for p in out["procedures"]]
    assert em == [("99213", [])] and isinstance(out["queries"], list)  # the example is established


def test_code_reads_stdin_and_options_override(built: Path) -> None:
    note = b"Assessment: probable pneumonia. Cough and fever."
    out = json.loads(run(["code", "-", "--format", "json", "--dos", "2026-05-04"], built, note).stdout)
    assert [d["code"] for d in out["diagnoses"]] == ["R05.9", "R50.9"]
    out = json.loads(
        run(["code", "-", "--format", "json", "--setting", "inpatient", "--dos", "2026-05-04"],
            built, note).stdout
    )
    assert "J18.9" in [d["code"] for d in out["diagnoses"]]


def test_mentions_mode_keeps_negated_mentions_flagged(built: Path) -> None:
    note = b"Denies chest pain. Hypertension."
    out = json.loads(
        run(["code", "-", "--mode", "mentions", "--format", "json", "--dos", "2026-05-04"], built, note).stdout
    )
    by = {d["code"]: d for d in out["diagnoses"]}
    assert by["R07.9"]["context"]["negated"] is True
    assert by["I10"]["context"]["negated"] is False
    assert all(d["sequence"] == 0 for d in out["diagnoses"])


def test_table_output_shows_codes_and_evidence(built: Path) -> None:
    r = run(["code", str(EXAMPLES / "office-heart-failure.json")], built)
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "I11.0" in out and "I50.9" in out and "query" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--setting", "hospice"], ["unknown setting", "outpatient"]),
        (["--mode", "everything"], ["unknown mode"]),
        (["--dos", "2026-02-30"], ["2026-02-30"]),
        (["--format", "xml"], ["unknown format"]),
    ],
)
def test_bad_options_exit_2_with_a_clear_error(built: Path, args: list[str], words: list[str]) -> None:
    r = run(["code", str(EXAMPLES / "office-heart-failure.json"), *args], built)
    assert r.returncode == 2
    err = r.stderr.decode().lower()
    assert "traceback" not in err
    for w in words:
        assert w.lower() in err


@pytest.mark.parametrize("bad", ["empty.txt", "binary_nul.txt"])
def test_bad_documents_exit_2_and_write_nothing(built: Path, bad: str) -> None:
    r = run(["code", str(BAD / bad), "--format", "json"], built)
    assert r.returncode == 2
    assert r.stdout == b""
    assert "error[" in r.stderr.decode() and "traceback" not in r.stderr.decode().lower()


def test_demo_codes_the_bundled_examples(built: Path) -> None:
    r = run(["demo", "--json"], built)
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout)
    coded = {c["example"]: [d["code"] for d in c["diagnoses"]] for c in out["coding"]}
    assert coded["ed-wrist-fracture.json"] == ["S52.502A", "W19.XXXA"]
    assert coded["office-uncertain-cough.json"] == ["R05.9", "R50.9"]
    assert coded["inpatient-sepsis-pneumonia.json"][0] == "A41.51"
    assert "I11.0" in coded["office-heart-failure.json"]
    # every kind of note, coded end to end: (code, units, modifiers) per line
    lines = {
        c["example"]: [(p["code"], p["units"], p["modifiers"]) for p in c["procedures"]]
        for c in out["coding"]
    }
    assert lines["office-injection.json"] == [
        ("J1885", 2, []), ("96372", 1, []), ("99213", 1, ["25"])
    ]
    assert lines["office-physical-therapy.json"] == [("97110", 2, ["GP"]), ("97140", 1, ["GP"])]
    assert lines["office-psychotherapy.json"] == [("90834", 1, [])]
    assert lines["ed-wrist-fracture.json"] == [("25605", 1, ["LT"]), ("99283", 1, ["57"])]
    assert lines["anesthesia-record.json"] == [("00790", 81, ["QX", "P2"])]
    assert lines["ambulance-run.json"] == [("A0427", 1, ["RH"]), ("A0425", 8.4, ["RH"])]
    assert lines["inpatient-operative-note.json"] == [("0DTJ4ZZ", 1, [])]
