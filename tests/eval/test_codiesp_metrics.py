"""The CodiEsp metrics on the mini corpus, each value worked out by hand in the comments.

Dev gold of tests/fixtures/codiesp_mini (invented cases):
    doc 4: diagnoses i10, r50.9, r10.9    procedures bw03zzz
    doc 5: diagnoses e11.9, r11.10        procedures bn20 (partial PCS code, as CodiEsp has them)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.eval.analysis import MISSED, WRONG_SPECIFICITY, analyse
from medcoder.eval.codes import corpus_code, display_code, infer_system, is_valid_shape_d
from medcoder.eval.codiesp import Doc, load_split, score_predictions
from medcoder.eval.metrics import average_precision, judge, score

MINI = Path(__file__).parents[1] / "fixtures" / "codiesp_mini"
DOC4 = "S0000-00000000000004-1"
DOC5 = "S0000-00000000000005-1"


@pytest.fixture(scope="module")
def dev() -> list[Doc]:
    return load_split(MINI, "dev")


def gold_d(docs: list[Doc]) -> dict[str, list[str]]:
    return {d.doc_id: d.gold_d for d in docs}


def gold_p(docs: list[Doc]) -> dict[str, list[str]]:
    return {d.doc_id: d.gold_p for d in docs}


# doc 4: r50.9 (hit, rank 1), an invalid code (filtered out, closes up), k35.80, i10 (hit, rank 3),
#        r10.0 (same category as the gold r10.9)
# doc 5: e11.65, e11.9 (hit, rank 2)
RANKED = {
    DOC4: ["R50.9", "not-a-code", "K35.80", "I10", "R10.0"],
    DOC5: ["E11.65", "E11.9"],
}


def test_perfect_predictions_score_one(dev: list[Doc]) -> None:
    report = score_predictions(dev, gold_d(dev), gold_p(dev))
    assert report.diagnoses is not None and report.procedures is not None
    for s in (report.diagnoses.codes, report.diagnoses.categories, report.procedures.codes):
        assert (s.map, s.map_all_docs, s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0, 1.0, 1.0)


def test_known_ranking_gives_the_hand_computed_map_and_f1(dev: list[Doc]) -> None:
    s = score(RANKED, gold_d(dev), valid=is_valid_shape_d)
    # doc 4: AP = (1/1 + 2/3) / 3 gold = 5/9; doc 5: AP = (1/2) / 2 gold = 1/4
    # MAP = (5/9 + 1/4) / 2 = 29/72
    assert s.map == pytest.approx(29 / 72)
    # TP 3 (r50.9, i10, e11.9) of 6 valid predictions and 5 gold codes
    assert (s.tp, s.predicted, s.gold) == (3, 6, 5)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.6)
    assert s.f1 == pytest.approx(2 * 0.5 * 0.6 / 1.1)


def test_category_level_cuts_to_three_characters_and_deduplicates(dev: list[Doc]) -> None:
    s = score(RANKED, gold_d(dev), valid=is_valid_shape_d, categories=True)
    # doc 4: r50 k35 i10 r10 against {i10, r50, r10}: AP = (1 + 2/3 + 3/4) / 3 = 29/36
    # doc 5: e11 e11 -> e11 against {e11, r11}: AP = 1/2
    assert s.map == pytest.approx((29 / 36 + 1 / 2) / 2)
    assert (s.tp, s.predicted, s.gold) == (4, 5, 5)
    assert s.f1 == pytest.approx(0.8)


def test_documents_without_predictions_are_left_out_of_the_official_map(dev: list[Doc]) -> None:
    only_doc4 = {DOC4: RANKED[DOC4]}
    s = score(only_doc4, gold_d(dev), valid=is_valid_shape_d)
    assert s.map == pytest.approx(5 / 9)  # the challenge's MAP: doc 5 not counted
    assert s.map_all_docs == pytest.approx(5 / 18)  # our stricter one: doc 5 counts 0
    assert (s.docs_ranked, s.docs_gold) == (1, 2)


def test_a_document_with_predictions_and_no_gold_counts_zero() -> None:
    s = score({"a": ["r52"], "b": ["r69"]}, {"a": ["r52"]})
    assert s.map == pytest.approx(0.5)
    assert s.precision == pytest.approx(0.5)


def test_partial_procedure_codes_match_by_prefix_only_when_asked(dev: list[Doc]) -> None:
    preds = {DOC4: ["BW03ZZZ"], DOC5: ["BN20ZZZ", "BN20ZZ1"]}
    exact = score(preds, gold_p(dev))
    # the challenge: bn20zzz is not bn20 -> doc 4 AP 1, doc 5 AP 0
    assert exact.map == pytest.approx(0.5)
    assert (exact.tp, exact.predicted) == (1, 3)
    prefix = score(preds, gold_p(dev), prefix_partial=True)
    # bn20zzz finds bn20 at rank 1; bn20zz1 finds nothing (one to one)
    assert prefix.map == pytest.approx(1.0)
    assert (prefix.tp, prefix.predicted, prefix.gold) == (2, 3, 2)
    assert prefix.precision == pytest.approx(2 / 3)


def test_judge_prefers_an_exact_gold_code_then_the_partial_one() -> None:
    assert judge(["bw03zzz", "bw03zz1"], ["bw03", "bw03zzz"], prefix_partial=True) == [
        "bw03zzz",
        "bw03",
    ]
    assert judge(["bw03"], ["bw03zzz"], prefix_partial=True) == [None]  # less specific: no


def test_average_precision_stops_at_the_depth() -> None:
    found = [None] * 1000 + ["x"]
    assert average_precision(found, 1) == 0.0
    assert average_precision(found, 1, depth=1001) == pytest.approx(1 / 1001)


def test_error_analysis_sorts_gold_codes_into_found_wrong_specificity_missed(dev: list[Doc]) -> None:
    a = analyse(RANKED, gold_d(dev), valid=is_valid_shape_d)
    assert (a.found, a.wrong_specificity, a.missed) == (3, 1, 1)
    by_gold = {o.gold: o for o in a.outcomes}
    assert by_gold["r10.9"].outcome == WRONG_SPECIFICITY and by_gold["r10.9"].predicted == "r10.0"
    assert by_gold["r11.10"].outcome == MISSED
    assert by_gold["i10"].rank == 3  # the invalid code left no gap
    # k35.80, r10.0 (near the unfound r10.9) and e11.65 (e11.9 was found: not near)
    assert (a.false_positives, a.false_positives_near) == (3, 1)
    assert a.top_wrong_specificity == [("r10.9", "r10.0", 1)]


def test_report_renders_markdown_and_json(dev: list[Doc]) -> None:
    report = score_predictions(dev, RANKED, {DOC4: ["BW03ZZZ"]}, predictor="hand", split="dev")
    md = report.to_markdown()
    assert "| diagnoses | codes | 0.403 |" in md  # 29/72
    assert "| r11.10 | 1 |" in md  # a missed code
    d = report.to_dict()
    assert d["diagnoses"]["codes"]["map"] == round(29 / 72, 4)
    assert d["analysis"]["diagnoses"]["wrong_specificity"] == 1


@pytest.mark.parametrize(
    ("given", "corpus", "printed", "system"),
    [
        ("n28.1", "n28.1", "N28.1", "ICD-10-CM"),
        ("R69", "r69", "R69", "ICD-10-CM"),
        ("F17210", "f17.210", "F17.210", "ICD-10-CM"),
        ("bw03zzz", "bw03zzz", "BW03ZZZ", "ICD-10-PCS"),
        ("b030", "b030", "B030", "ICD-10-PCS"),
    ],
)
def test_code_spellings(given: str, corpus: str, printed: str, system: str) -> None:
    assert infer_system(given) == system
    assert corpus_code(given) == corpus
    assert display_code(given) == printed
