"""Reading a CodiEsp split, writing predictions, running a predictor: mini corpus and the real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medcoder.errors import FileFormatError, InputError
from medcoder.eval.codiesp import (
    Doc,
    evaluate,
    load_evidence,
    load_split,
    read_predictions,
    write_predictions,
)

MINI = Path(__file__).parents[1] / "fixtures" / "codiesp_mini"


def test_load_split_reads_texts_and_gold_in_file_order() -> None:
    docs = load_split(MINI, "train")
    assert [d.doc_id for d in docs] == [f"S0000-0000000000000{i}-1" for i in (1, 2, 3)]
    first = docs[0]
    assert first.text.startswith("A 54-year-old man with a history of hypertension")
    assert first.gold_d == ["i10", "r50.9", "r10.9", "k35.80"]
    assert first.gold_p == ["bw03zzz", "0dtj4zz"]
    assert docs[2].gold_p == ["bw40"]
    spanish = load_split(MINI, "train", "es", limit=1)
    assert len(spanish) == 1 and spanish[0].text.startswith("Varón de 54 años")


def test_a_split_without_gold_loads_and_reports_no_gold(tmp_path: Path) -> None:
    docs = load_split(MINI, "test")
    assert len(docs) == 1 and not docs[0].has_gold and docs[0].gold_d == []
    report = evaluate(docs, lambda d: (["R50.9"], []), name="fever")
    assert not report.has_gold and report.diagnoses is None
    assert "No gold" in report.to_markdown()
    d_path, _ = write_predictions(tmp_path, report.preds_d, report.preds_p)
    assert d_path.read_text() == "S0000-00000000000006-1\tr50.9\n"


def test_write_predictions_uses_the_corpus_spelling_best_first_without_repeats(tmp_path: Path) -> None:
    d_path, p_path = write_predictions(
        tmp_path / "out",
        {"doc1": ["N28.1", "n28.1", "R69", "F17210"], "doc2": []},
        {"doc1": ["BW03ZZZ", "bn20"]},
    )
    assert d_path.read_text() == "doc1\tn28.1\ndoc1\tr69\ndoc1\tf17.210\n"
    assert p_path.read_text() == "doc1\tbw03zzz\ndoc1\tbn20\n"
    assert read_predictions(d_path) == {"doc1": ["n28.1", "r69", "f17.210"]}


def test_evaluate_runs_the_predictor_with_progress_and_records_failures() -> None:
    docs = load_split(MINI, "dev")
    seen: list[tuple[int, int]] = []

    def predict(doc: Doc) -> tuple[list[str], list[str]]:
        if doc.doc_id.endswith("5-1"):
            raise ValueError("boom")
        return ["I10", "R50.9", "R10.9"], ["BW03ZZZ"]

    report = evaluate(docs, predict, name="fixed", split="dev", progress=lambda n, t: seen.append((n, t)))
    assert seen == [(1, 2), (2, 2)]
    assert report.failures == [("S0000-00000000000005-1", "ValueError")]
    assert report.diagnoses is not None
    assert report.diagnoses.codes.map == 1.0  # the failed document has no prediction
    assert report.diagnoses.codes.map_all_docs == 0.5


def copy_mini(tmp_path: Path) -> Path:
    dst = tmp_path / "codiesp"
    shutil.copytree(MINI, dst)
    return dst


def test_layout_errors_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_split(tmp_path / "nowhere", "dev")
    with pytest.raises(InputError, match=r"no 'valid' folder.*dev, test, train"):
        load_split(MINI, "valid")
    with pytest.raises(InputError, match="unknown language"):
        load_split(MINI, "dev", "fr")
    data = copy_mini(tmp_path)
    shutil.rmtree(data / "dev" / "text_files_en")
    with pytest.raises(InputError, match="no text_files_en/ folder"):
        load_split(data, "dev")
    (data / "train" / "trainP.tsv").unlink()
    with pytest.raises(InputError, match=r"trainP\.tsv is missing"):
        load_split(data, "train")


def test_a_bad_gold_line_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    data = copy_mini(tmp_path)
    gold = data / "dev" / "devD.tsv"
    gold.write_text(gold.read_text() + "S0000-00000000000005-1 r52\n")
    with pytest.raises(FileFormatError, match="2 tab-separated columns") as err:
        load_split(data, "dev")
    assert err.value.where == f"{gold}:6"


def test_gold_for_a_document_without_text_is_an_error(tmp_path: Path) -> None:
    data = copy_mini(tmp_path)
    (data / "dev" / "text_files_en" / "S0000-00000000000005-1.txt").unlink()
    with pytest.raises(FileFormatError, match="no text file"):
        load_split(data, "dev")


def test_load_evidence_reads_spanish_offsets() -> None:
    ev = load_evidence(MINI, "train")["S0000-00000000000001-1"]
    spanish = load_split(MINI, "train", "es")[0].text
    first = ev[0]
    assert (first.label, first.code) == ("DIAGNOSTICO", "i10")
    assert spanish[first.start : first.end] == "hipertensión"


# ---- the real corpus (../shared/data/codiesp) ----------------------------------------------


@pytest.mark.shared
def test_real_corpus_splits_have_the_published_sizes(shared_data: Path) -> None:
    codiesp = shared_data / "codiesp"
    train = load_split(codiesp, "train")
    dev = load_split(codiesp, "dev")
    assert (len(train), len(dev)) == (500, 250)
    assert sum(len(d.gold_d) for d in train) == 5639
    assert sum(len(d.gold_d) for d in dev) == 2677
    assert sum(len(d.gold_p) for d in dev) == 817
    assert sum(1 for d in dev if d.gold_p) == 222  # 28 dev cases have no procedure
    assert all(d.gold_d for d in train + dev)
    first = train[0]
    assert first.doc_id == "S0004-06142005000700014-1"
    assert first.gold_d[:2] == ["n44.8", "z20.818"]


@pytest.mark.shared
def test_real_evidence_offsets_point_at_the_spanish_words(shared_data: Path) -> None:
    codiesp = shared_data / "codiesp"
    evidence = load_evidence(codiesp, "dev")
    spanish = {d.doc_id: d.text for d in load_split(codiesp, "dev", "es", limit=20)}
    checked = 0
    for doc_id, text in spanish.items():
        for ev in evidence.get(doc_id, ()):
            assert 0 <= ev.start < ev.end <= len(text)
            checked += 1
    assert checked > 100
