"""`medcoder batch --engine ray` on a local Ray instance: folder, JSONL and Parquet inputs give
files identical to the local engine, bad rows included; a crashed Ray run resumes; without Ray
the engine asks for ``medcoder[ray]``."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medcoder.batch import run_batch
from medcoder.errors import InputError

# Ray warns about its own deprecated settings as it copies its context
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:ray\..*")

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
DOS = "2026-05-04"

# invented notes, a few lines each
NOTES = [
    "Assessment: Acute bronchitis. Cough for a week.",
    "Assessment and Plan:\n1. Type 2 diabetes mellitus without complications.\n"
    "2. Essential hypertension, controlled.",
    "HPI: Sore throat for two days. No fever.\nAssessment: Acute pharyngitis.",
    "Assessment: Migraine without aura.",
    "Assessment: Urinary tract infection. Denies fever.",
]


class Crash(Exception):
    pass


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    try:
        import ray
        import ray.data
    except ImportError:
        pytest.skip("Ray Data is not installed (pip install 'medcoder[ray]')")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


def _same_files(a: Path, b: Path) -> None:
    assert a.read_bytes() == b.read_bytes()
    ea, eb = (p.with_name(p.name + ".errors.jsonl") for p in (a, b))
    assert ea.exists() == eb.exists()
    if ea.exists():
        assert ea.read_text() == eb.read_text()


def _jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_a_folder_gives_the_same_files_as_the_local_engine(
    tmp_path: Path, coding_kb: Any, ray_instance: Any
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name in ("office_visit.txt", "mdm_t02.hl7", "fhir_discharge_bundle.json"):
        shutil.copy(DOCS / name, folder / name)
    for i, text in enumerate(NOTES[:3]):
        (folder / "more").mkdir(exist_ok=True)
        (folder / "more" / f"n{i}.txt").write_text(text)
    (folder / "empty.txt").write_text("  \n")
    local, ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    s1 = run_batch(folder, local, kb=coding_kb, chunk=2)
    s2 = run_batch(folder, ray, kb=coding_kb, chunk=2, engine="ray", workers=2)
    assert (s2.engine, s2.total, s2.done, s2.errors) == ("ray", 7, 6, 1)
    assert (s1.done, s1.errors) == (s2.done, s2.errors)
    _same_files(local, ray)
    assert [json.loads(x)["id"] for x in ray.read_text().splitlines()][:3] == [
        "fhir_discharge_bundle", "mdm_t02", "more/n0"]


def test_jsonl_with_bad_rows_gives_the_same_files_and_errors(
    tmp_path: Path, coding_kb: Any, ray_instance: Any
) -> None:
    rows: list[Any] = [{"id": f"j{i}", "text": t, "date_of_service": DOS, "clinic": i}
                       for i, t in enumerate(NOTES)]
    rows[1:1] = ['{"id": "broken", "text": "Assess', {"id": "blank", "text": "  "},
                 {"text": NOTES[0]}, {"id": "j0", "text": NOTES[3]}, {"id": "bad", "text": NOTES[2],
                 "sex": "Q"}]
    inp = _jsonl(tmp_path / "in.jsonl", rows)
    local, ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_batch(inp, local, kb=coding_kb, chunk=3)
    s = run_batch(inp, ray, kb=coding_kb, chunk=3, engine="ray", workers=2)
    assert (s.total, s.done, s.errors) == (10, 5, 5)
    _same_files(local, ray)
    errs = [json.loads(x) for x in (tmp_path / "ray.jsonl.errors.jsonl").read_text().splitlines()]
    assert [(e["id"], e["line"]) for e in errs] == [
        (None, 2), ("blank", 3), (None, 4), ("j0", 5), ("bad", 6)]
    assert "duplicate id" in errs[3]["message"]


def test_parquet_across_row_groups_gives_the_same_files(
    tmp_path: Path, coding_kb: Any, ray_instance: Any
) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    ids: list[Any] = ["p0", "p1", None, "p1", "p4", "", "p6", "p7", "p8"]
    texts: list[Any] = [NOTES[0], NOTES[1], NOTES[2], NOTES[3], None, NOTES[4], "", NOTES[3],
                        NOTES[1]]
    inp = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ids, "text": texts, "date_of_service": [DOS] * 9,
                             "visits": list(range(9))}), inp, row_group_size=2)
    assert pq.ParquetFile(inp).metadata.num_row_groups == 5
    local, ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_batch(inp, local, kb=coding_kb, chunk=2)
    s = run_batch(inp, ray, kb=coding_kb, chunk=2, engine="ray", workers=2)
    assert (s.total, s.done, s.errors) == (9, 4, 5)
    _same_files(local, ray)
    errs = [json.loads(x) for x in (tmp_path / "ray.jsonl.errors.jsonl").read_text().splitlines()]
    assert [(e["id"], e["line"]) for e in errs] == [
        (None, 3), ("p1", 4), ("p4", 5), (None, 6), ("p6", 7)]
    row = json.loads((tmp_path / "ray.jsonl").read_text().splitlines()[0])
    assert row["source"] == f"{inp}:1" and row["metadata"] == {"visits": 0}


def test_a_crashed_ray_run_resumes_where_it_stopped_into_the_same_parquet(
    tmp_path: Path, coding_kb: Any, ray_instance: Any
) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    inp = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(10)],
                             "text": [NOTES[i % 5] for i in range(10)]}), inp, row_group_size=3)
    ref = tmp_path / "ref.parquet"
    run_batch(inp, ref, kb=coding_kb, chunk=2)
    out = tmp_path / "out.parquet"

    def crash_after_two_chunks(completed: int, total: int) -> None:
        if completed >= 4:
            raise Crash

    with pytest.raises(Crash):
        run_batch(inp, out, kb=coding_kb, chunk=2, engine="ray", workers=2,
                  progress=crash_after_two_chunks)
    assert len(list((tmp_path / "out.parquet.parts").glob("part-*.parquet"))) == 2
    s = run_batch(inp, out, kb=coding_kb, chunk=2, engine="ray", workers=2)
    assert (s.skipped, s.done) == (4, 6)
    assert out.read_bytes() == ref.read_bytes()
    assert not (tmp_path / "out.parquet.parts").exists()
    again = run_batch(inp, out, kb=coding_kb, engine="ray")  # all done: Ray is not even needed
    assert (again.skipped, again.done) == (10, 0)


def test_without_ray_the_engine_asks_for_the_ray_extra(
    tmp_path: Path, coding_kb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as when not installed
    inp = _jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": NOTES[0]}])
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match=r"pip install 'medcoder\[ray\]'"):
        run_batch(inp, out, kb=coding_kb, engine="ray")
    assert not out.exists()
