"""`medcoder batch`: folder, JSONL and Parquet in and out, resume after a crash or a
half-written line, the errors file, workers=2 identical to workers=1, and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from medcoder.batch import run_batch
from medcoder.coding import code
from medcoder.errors import InputError

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
DOS = "2026-05-04"

# invented notes, a few lines each
NOTES = {
    "n1": "Assessment: Acute bronchitis. Cough for a week.",
    "n2": "Assessment and Plan:\n1. Type 2 diabetes mellitus without complications.\n"
          "2. Essential hypertension, controlled.",
    "n3": "HPI: Sore throat for two days. No fever.\nAssessment: Acute pharyngitis.",
    "n4": "Assessment: Migraine without aura.",
    "n5": "Assessment: Urinary tract infection. Denies fever.",
}


class Crash(Exception):
    pass


def _jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _notes_jsonl(path: Path) -> Path:
    return _jsonl(path, [{"id": k, "text": v, "date_of_service": DOS, "clinic": f"c-{k}"}
                         for k, v in NOTES.items()])


def _codes(row: dict[str, Any]) -> list[str]:
    return [d["code"] for d in row["diagnoses"]]


def test_folder_of_notes_gives_one_row_per_file_as_medcoder_code_does(
    tmp_path: Path, coding_kb: Any
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name in ("office_visit.txt", "mdm_t02.hl7", "fhir_discharge_bundle.json",
                 "encounter_sections.json"):
        shutil.copy(DOCS / name, folder / name)
    (folder / "empty.txt").write_text("  \n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02garbage\xff")
    (folder / ".hidden.txt").write_text("Assessment: Acute bronchitis.")
    out = tmp_path / "out.jsonl"
    s = run_batch(folder, out, kb=coding_kb, chunk=2)
    rows = _rows(out)
    ids = ["encounter_sections", "fhir_discharge_bundle", "mdm_t02", "office_visit"]
    assert [r["id"] for r in rows] == ids  # sorted by name, the bad files left out
    for r in rows:
        src = next(folder.glob(r["id"] + ".*"))
        expected = code(src, kb=coding_kb).to_dict()
        assert {k: v for k, v in r.items() if k not in ("id", "metadata")} == expected
    assert (s.total, s.done, s.skipped, s.errors) == (6, 4, 0, 2)
    errs = _rows(tmp_path / "out.jsonl.errors.jsonl")
    assert sorted(e["id"] for e in errs) == ["binary", "empty"]
    assert all(e["code"].startswith("MC1") and e["file"].endswith(".txt") for e in errs)
    assert "garbage" not in (tmp_path / "out.jsonl.errors.jsonl").read_text()
    state = json.loads((tmp_path / "out.jsonl.state.json").read_text())
    assert state["finished"] is True and state["done"] == 4


def test_jsonl_rows_keep_metadata_and_bad_rows_go_to_the_errors_file(
    tmp_path: Path, coding_kb: Any
) -> None:
    secret = "Assessment: Acute bronchitis, patient Zebediah"
    inp = _jsonl(tmp_path / "in.jsonl", [
        {"id": "a", "text": NOTES["n1"], "setting": "ED", "age": 40, "sex": "female",
         "date_of_service": DOS, "payer": "P1"},
        '{"id": "broken", "text": "Assessment: Acute br',
        "",
        {"id": "notext", "body": secret},
        {"id": "blank", "text": "   "},
        {"id": "badsex", "text": secret, "sex": "Q"},
        {"text": secret},
        {"id": 7, "text": NOTES["n3"], "date_of_service": DOS},
        {"id": "a", "text": secret},
        ["not", "an", "object"],
    ])
    out = tmp_path / "out.jsonl"
    s = run_batch(inp, out, kb=coding_kb)
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["a", "7"]
    a = rows[0]
    assert a["setting"] == "emergency" and a["date_of_service"] == DOS
    assert a["metadata"] == {"payer": "P1"}
    assert _codes(a)[0] == "J20.9"
    assert a["diagnoses"][0]["evidence"][0]["text"] == "Acute bronchitis"
    assert a["source"] == f"{inp}:1"
    assert (s.total, s.done, s.errors) == (9, 2, 7)
    text = (tmp_path / "out.jsonl.errors.jsonl").read_text()
    assert "Zebediah" not in text
    errs = {(e["id"], e["line"]): e for e in map(json.loads, text.splitlines())}
    assert set(errs) == {(None, 2), ("notext", 4), ("blank", 5), ("badsex", 6), (None, 7),
                         ("a", 9), (None, 10)}
    assert errs[(None, 2)]["code"] == "MC110" and "malformed JSON" in errs[(None, 2)]["message"]
    assert "no text" in errs[("notext", 4)]["message"]
    assert "empty" in errs[("blank", 5)]["message"]
    assert "sex" in errs[("badsex", 6)]["message"]
    assert "no id" in errs[(None, 7)]["message"]
    assert "duplicate id" in errs[("a", 9)]["message"]
    # a rerun finds everything done, errors included, and adds nothing
    again = run_batch(inp, out, kb=coding_kb)
    assert (again.done, again.skipped, again.errors) == (0, 9, 0)
    assert [r["id"] for r in _rows(out)] == ["a", "7"]
    assert len((tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()) == 7


def test_resume_drops_a_half_written_last_line_and_skips_what_is_done(
    tmp_path: Path, coding_kb: Any
) -> None:
    inp = _notes_jsonl(tmp_path / "in.jsonl")
    ref = tmp_path / "ref.jsonl"
    run_batch(inp, ref, kb=coding_kb)
    out = tmp_path / "out.jsonl"
    shutil.copy(ref, out)
    shutil.copy(tmp_path / "ref.jsonl.state.json", tmp_path / "out.jsonl.state.json")
    data = out.read_bytes()
    lines = data.splitlines(keepends=True)
    cut = sum(len(x) for x in lines[:3]) + len(lines[3]) // 2  # 3 rows whole, the 4th half
    out.write_bytes(data[:cut])
    s = run_batch(inp, out, kb=coding_kb, chunk=2)
    assert (s.total, s.skipped, s.done, s.errors) == (5, 3, 2, 0)
    assert out.read_bytes() == ref.read_bytes()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_crash_loses_at_most_the_chunk_in_flight(
    tmp_path: Path, coding_kb: Any, suffix: str
) -> None:
    pytest.importorskip("pyarrow")
    inp = _notes_jsonl(tmp_path / "in.jsonl")
    ref = tmp_path / f"ref{suffix}"
    run_batch(inp, ref, kb=coding_kb)
    out = tmp_path / f"out{suffix}"

    def crash_after_two_chunks(completed: int, total: int) -> None:
        if completed >= 4:
            raise Crash

    with pytest.raises(Crash):
        run_batch(inp, out, kb=coding_kb, chunk=2, progress=crash_after_two_chunks)
    s = run_batch(inp, out, kb=coding_kb, chunk=2)
    assert (s.skipped, s.done) == (4, 1)
    if suffix == ".jsonl":
        assert out.read_bytes() == ref.read_bytes()
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(out).to_pylist() == pq.read_table(ref).to_pylist()
        assert not (tmp_path / "out.parquet.parts").exists()


def test_parquet_in_and_out(tmp_path: Path, coding_kb: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    inp = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "id": ["p1", "p2", "p3"],
        "text": [NOTES["n1"], "", NOTES["n4"]],
        "setting": ["outpatient", "outpatient", "inpatient"],
        "date_of_service": [DOS, DOS, DOS],
        "clinic": ["north", "south", "east"],
        "visits": [1, 2, 3],
    }), inp)
    out = tmp_path / "out.parquet"
    s = run_batch(inp, out, kb=coding_kb, chunk=1)
    assert (s.total, s.done, s.errors) == (3, 2, 1)
    got = pq.read_table(out).to_pylist()
    assert [r["id"] for r in got] == ["p1", "p3"]
    assert json.loads(got[0]["metadata"]) == {"clinic": "north", "visits": 1}
    assert got[1]["setting"] == "inpatient"
    assert got[0]["diagnoses"][0]["code"] == "J20.9"
    ev = got[0]["diagnoses"][0]["evidence"][0]
    assert NOTES["n1"][ev["start"]:ev["end"]] == ev["text"]
    assert not (tmp_path / "out.parquet.parts").exists()
    errs = _rows(tmp_path / "out.parquet.errors.jsonl")
    assert [(e["id"], e["line"]) for e in errs] == [("p2", 2)]
    # the same rows as the JSONL output, JSON-for-JSON
    js = tmp_path / "out.jsonl"
    run_batch(inp, js, kb=coding_kb)
    for pr, jr in zip(got, _rows(js), strict=True):
        assert [d["code"] for d in pr["diagnoses"]] == _codes(jr)
        assert pr["warnings"] == jr["warnings"] and pr["source"] == jr["source"]


def test_two_workers_give_the_same_output_as_one(tmp_path: Path, coding_kb: Any) -> None:
    inp = _notes_jsonl(tmp_path / "in.jsonl")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    s1 = run_batch(inp, one, kb=coding_kb, workers=1)
    s2 = run_batch(inp, two, kb=coding_kb, workers=2, chunk=1)
    assert (s1.done, s2.done) == (5, 5)
    assert one.read_bytes() == two.read_bytes()
    assert [r["id"] for r in _rows(two)] == list(NOTES)


def test_unusable_inputs_and_outputs_are_refused_before_any_work(
    tmp_path: Path, coding_kb: Any
) -> None:
    inp = _notes_jsonl(tmp_path / "in.jsonl")
    with pytest.raises(InputError, match="no such file"):
        run_batch(tmp_path / "missing.jsonl", tmp_path / "o.jsonl", kb=coding_kb)
    (tmp_path / "in.csv").write_text("id,text\n")
    with pytest.raises(InputError, match="unknown batch input"):
        run_batch(tmp_path / "in.csv", tmp_path / "o.jsonl", kb=coding_kb)
    with pytest.raises(InputError, match="unknown batch output"):
        run_batch(inp, tmp_path / "o.csv", kb=coding_kb)
    with pytest.raises(InputError, match="unknown engine"):
        run_batch(inp, tmp_path / "o.jsonl", kb=coding_kb, engine="spark")
    mine = tmp_path / "mine.jsonl"
    mine.write_text('{"id": "x"}\n')
    with pytest.raises(InputError, match="not written by medcoder batch"):
        run_batch(inp, mine, kb=coding_kb)
    assert mine.read_text() == '{"id": "x"}\n'
    out = tmp_path / "o.jsonl"
    run_batch(inp, out, kb=coding_kb)
    other = _jsonl(tmp_path / "other.jsonl", [{"id": "z", "text": NOTES["n4"]}])
    with pytest.raises(InputError, match="another job"):
        run_batch(other, out, kb=coding_kb)
    assert not (tmp_path / "o.jsonl.parts").exists()


def test_cli_batch_prints_a_json_summary_and_exits_0(
    tmp_path: Path, coding_kb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from medcoder.cli.batch_cmd import register

    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `batch` is a subcommand
    register(app, typer.Typer())
    monkeypatch.setenv("MEDCODER_DATA", str(coding_kb.store.root))
    inp = _jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": NOTES["n1"], "date_of_service": DOS},
                                         {"id": "b", "text": ""}])
    out = tmp_path / "out.jsonl"
    r = CliRunner().invoke(app, ["batch", str(inp), str(out), "--json", "--setting", "ED"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert {k: summary[k] for k in ("total", "done", "skipped", "errors")} == {
        "total": 2, "done": 1, "skipped": 0, "errors": 1}
    assert _rows(out)[0]["setting"] == "emergency"
    r = CliRunner().invoke(app, ["batch", str(inp), str(out), "--engine", "spark", "--no-progress"])
    assert isinstance(r.exception, InputError) and "unknown engine" in str(r.exception)
