"""Code lookup for adding a code, and coding a note on the spot (``Workbench.code_note``), over
the bundled ICD-10-CM tabular: a code typed in any spelling comes first, words rank the code
medcoder would assign first."""

from __future__ import annotations

import pytest

from medcoder.errors import InputError
from medcoder.workbench import Actor, Workbench

DOS = "2026-05-04"


def _codes(wb: Workbench, actor: Actor, q: str, **kw: object) -> list[str]:
    return [r["code"] for r in wb.lookup(actor, q, date=DOS, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("query", "expected"), [
    ("E11.22", ["E11.22"]),
    ("e1122", ["E11.22"]),
    (" E11.22 ", ["E11.22"]),
    ("E11.2", ["E11.2", "E11.21", "E11.22", "E11.29"]),
    ("e112", ["E11.2", "E11.21", "E11.22", "E11.29"]),
    ("i10", ["I10"]),
    ("S72.001A", ["S72.001A"]),  # a 7th-character code
])
def test_a_code_in_any_spelling_comes_first(wb: Workbench, actors: dict[str, Actor], query: str,
                                            expected: list[str]) -> None:
    rows = wb.lookup(actors["coder"], query, date=DOS)
    assert [r["code"] for r in rows] == expected
    assert all(r["source"] == "code" and r["system"] == "ICD-10-CM" and r["title"] for r in rows)
    assert rows[0]["billable"] is (expected[0] != "E11.2")


def test_a_category_lists_the_codes_under_it(wb: Workbench, actors: dict[str, Actor]) -> None:
    codes = _codes(wb, actors["coder"], "E11", limit=12)
    assert codes[0] == "E11" and len(codes) == 12
    assert {"E11.2", "E11.6", "E11.9"} <= set(codes)  # its subcategories before their children
    assert all(c.startswith("E11") for c in codes)


def test_an_unknown_code_finds_nothing(wb: Workbench, actors: dict[str, Actor]) -> None:
    assert _codes(wb, actors["coder"], "Z99.999") == []


@pytest.mark.parametrize(("query", "first"), [
    ("diabetes", "E11.9"),
    ("type 2 diabetes mellitus", "E11.9"),
    ("type 1 diabetes", "E10.9"),
    ("hypertension", "I10"),
    ("CKD stage 3a", "N18.31"),
    ("chronic kidney disease", "N18.9"),
])
def test_words_rank_the_code_medcoder_assigns_first(wb: Workbench, actors: dict[str, Actor],
                                                     query: str, first: str) -> None:
    rows = wb.lookup(actors["coder"], query, date=DOS)
    assert rows[0]["code"] == first and rows[0]["source"] == "coder", rows[:3]
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)), "each code once"
    assert len(rows) > 1 and {r["source"] for r in rows[1:]} <= {"coder", "index", "tabular"}


def test_diabetes_ranks_diabetes_mellitus_before_insipidus(wb: Workbench,
                                                          actors: dict[str, Actor]) -> None:
    codes = _codes(wb, actors["coder"], "diabetes")
    assert "E23.2" in codes  # diabetes insipidus is still offered, after
    assert codes.index("E11.9") < codes.index("E23.2")


def test_lookup_limits_and_errors(wb: Workbench, actors: dict[str, Actor]) -> None:
    assert len(_codes(wb, actors["coder"], "fracture", limit=3)) == 3
    with pytest.raises(InputError, match="lookup needs some words or a code"):
        wb.lookup(actors["coder"], "  ")
    with pytest.raises(InputError, match="unknown kind"):
        wb.lookup(actors["coder"], "cough", kind="drug")


def test_code_note_returns_the_result_and_stores_nothing(wb: Workbench,
                                                        actors: dict[str, Actor]) -> None:
    out = wb.code_note(actors["coder"], "Type 2 diabetes mellitus with CKD stage 3a.",
                       date_of_service=DOS, age=60, sex="F")
    assert "E11.22" in [d["code"] for d in out["diagnoses"]]
    assert out["setting"] == "outpatient"
    mentions = wb.code_note(actors["admin"], "No chest pain. Cough.", date_of_service=DOS,
                            setting="emergency", mode="mentions")
    assert mentions["mode"] == "mentions"
    assert wb.worklist(actors["coder"])["total"] == 0
    for bad, where in (({"text": " "}, "text"), ({"text": "Cough.", "age": 200}, "age"),
                       ({"text": "Cough.", "sex": "X"}, "sex")):
        with pytest.raises(InputError) as exc:
            wb.code_note(actors["coder"], **bad)  # type: ignore[arg-type]
        assert exc.value.where == where
    with pytest.raises(InputError):
        wb.code_note(actors["coder"], "Cough.", setting="moon")
