"""Where the coder's terms come from beyond the Tabular: the Neoplasm Table, the Index's 'see'
references, and how a list of conditions is read (one condition per list item)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medcoder.coding import code_text

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "icd10cm_index"


def codes(text: str, kb: Any, **kw: Any) -> dict[str, Any]:
    r = code_text(text, date_of_service="2026-05-04", kb=kb, **kw)
    return {d.code: d for d in r.diagnoses}


def test_a_list_of_conditions_is_read_item_by_item(tabular_kb: Any) -> None:
    # "pulmonary disease, hypertension" is two conditions, not pulmonary hypertension (I27.2-)
    got = codes("Assessment: chronic obstructive pulmonary disease, hypertension and gout.", tabular_kb)
    assert "I10" in got and "J44.9" in got
    assert not [c for c in got if c.startswith("I27")], list(got)
    # a qualifier after a comma still belongs to its condition
    got = codes("Assessment: chronic kidney disease, stage 3a.", tabular_kb)
    assert "N18.31" in got, list(got)


def test_neoplasm_table_rows_code_site_and_behaviour(tabular_kb: Any) -> None:
    tabular_kb.import_file("icd10cm-neoplasm", FIX / "icd10cm-neoplasm-2025-sample.xml")
    got = codes("CT: multiple lung metastases.", tabular_kb, mode="mentions")
    assert "C78.00" in got, list(got)  # Malignant Secondary of lung, laterality unspecified
    assert "the Neoplasm Table row" in got["C78.00"].rationale[0]
    got = codes("Biopsy: carcinoma of the right upper lobe of the lung.", tabular_kb, mode="mentions")
    assert "C34.11" in got, list(got)  # Malignant Primary, upper lobe, right
    # a tumor whose behaviour is not stated: the Unspecified Behavior column
    got = codes("A lung tumor was found.", tabular_kb, mode="mentions")
    assert "D49.1" in got, list(got)
    # behaviour stated: never also 'unspecified behavior' for the same words
    got = codes("A malignant tumor of the lung.", tabular_kb, mode="mentions")
    assert "D49.1" not in got and any(c.startswith("C34") for c in got), list(got)
    # "secondary to" is not a metastasis
    got = codes("Anemia secondary to lung disease.", tabular_kb, mode="mentions")
    assert not [c for c in got if c.startswith("C78")], list(got)


def test_an_index_see_reference_is_followed(tabular_kb: Any) -> None:
    tabular_kb.import_file("icd10cm-index", FIX / "icd10cm-index-2025-sample.xml")
    got = codes("Abdominalgia for two days.", tabular_kb, mode="mentions")
    # Index: Abdominalgia - see Pain, abdominal -> R10.9
    assert "R10.9" in got, list(got)
    assert "'see' reference" in got["R10.9"].rationale[0]


def test_context_lowers_confidence_only_for_billing(tabular_kb: Any) -> None:
    text = "Assessment: no pneumonia. Gout."
    mentions = codes(text, tabular_kb, mode="mentions")
    assert mentions["J18.9"].context.negated
    # in mentions mode confidence is how well the code fits the words, whatever the context
    assert abs(mentions["J18.9"].confidence - mentions["M10.9"].confidence) < 0.1
    billing = codes(text, tabular_kb)
    assert "J18.9" not in billing and "M10.9" in billing


def test_an_index_manifestation_code_is_reported_after_its_etiology(tabular_kb: Any) -> None:
    # Index: Amyloidosis, heart E85.4 [I43]; I43 Cardiomyopathy in diseases classified elsewhere
    # says "Code first underlying disease, such as: amyloidosis (E85.-)"
    tabular_kb.import_file("icd10cm-index", FIX / "icd10cm-index-2025-sample.xml")
    for setting in ("outpatient", "inpatient"):
        r = code_text("Assessment: cardiac amyloidosis with heart failure symptoms.",
                      setting=setting, date_of_service="2026-05-04", kb=tabular_kb)
        got = [d.code for d in r.diagnoses]
        assert "E85.4" in got and "I43" in got, got
        assert got.index("E85.4") < got.index("I43"), got  # a manifestation is never first
        assert got[0] != "I43"
        i43 = next(d for d in r.diagnoses if d.code == "I43")
        assert any("I.A.13" in x for x in i43.rationale), i43.rationale
        assert i43.evidence[0].text.lower().startswith(("cardiac", "amyloidosis"))
