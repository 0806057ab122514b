"""The curated code history (``medcoder/data/code_history.csv``) and what it changes for a coder:
a deleted or expanded code is refused for a date of service on or after the change, naming
what to report instead, and accepted before it even when the release loaded is newer.
"""

from __future__ import annotations

import datetime as _dt
import json
import re

import pytest
from typer.testing import CliRunner

from medcoder.cli.main import app
from medcoder.codesets import history
from medcoder.codesets.history import (
    HistoryStatus,
    card,
    entries,
    history_for,
    parse_rows,
    replacements,
    status_on,
)
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.validate import validate
from medcoder.errors import DataError, InputError

D = _dt.date
HEADER = "system,code,change,effective,replacements,note,citation\n"


# -- the data file ---------------------------------------------------------------------------
def test_every_row_cites_an_official_source() -> None:
    rows = entries()
    assert len(rows) >= 70
    for e in rows:
        assert re.search(r"CPT 20\d\d|CMS|CDC|FR \d", e.citation), (e.code, e.citation)
        assert e.note, e.code


def test_psychotherapy_90804_to_90829_all_deleted_on_2013_01_01() -> None:
    # the series skipped 90820 and 90825 (never psychotherapy codes)
    codes = [f"{n}" for n in range(90804, 90830) if n not in (90820, 90825)]
    assert history_for("90820") == [] and history_for("90825") == []
    for c in codes:
        (e,) = history_for(c, "CPT")
        assert e.change == "deleted" and e.effective == D(2013, 1, 1)
        assert set(e.replacements) <= {
            "90832",
            "90833",
            "90834",
            "90836",
            "90837",
            "90838",
            "90785",
        }
    assert history_for("90806", "CPT")[0].replacements == ("90834",)
    assert history_for("90812", "CPT")[0].replacements == ("90834", "90785")  # interactive
    assert history_for("90807", "CPT")[0].replacements == ("90836",)  # with E/M: the add-on


def test_icd10cm_expansions_name_their_new_codes() -> None:
    assert replacements("M54.5") == ["M54.50", "M54.51", "M54.59"]
    assert replacements("m545") == ["M54.50", "M54.51", "M54.59"]  # dot and case optional
    assert replacements("B88.0") == ["B88.01", "B88.09"]
    assert replacements("N18.3") == ["N18.30", "N18.31", "N18.32"]
    (u071,) = history_for("U07.1")
    assert (u071.change, u071.effective) == ("added", D(2020, 4, 1))


def test_replacements_of_expanded_icd_codes_exist_in_the_bundled_fy2026_tabular(
    tabular_kb: KnowledgeBase,
) -> None:
    tab = tabular_kb.open("icd10cm-tabular", "2026-05-01").reader
    for e in entries():
        if e.system != "ICD-10-CM":
            continue
        if e.change == "expanded":
            assert not tab.validate(e.code).valid, f"{e.code} should be a header in FY2026"
        for r in e.replacements if e.change == "expanded" else (e.code,):
            assert tab.validate(r).valid, f"{r} ({e.code} {e.change}) is not valid in FY2026"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ICD-10-CM,M54.5,expanded,2021-10-01,,n,c\n", "must list the codes it became"),
        ("ICD-10-CM,M54.5,deleted,2021-10-01,M54.50,n,\n", "needs a citation"),
        ("CPT,90806,removed,2013-01-01,90834,n,c\n", "is not one of"),
        ("CPT,90806,deleted,2013-13-01,90834,n,c\n", "is not an ISO date"),
        ("CPT,9080,deleted,2013-01-01,90834,n,c\n", "not shaped like a CPT code"),
        ("CPT,90806,deleted,2013-01-01,9083X,n,c\n", "are not codes"),
        ("LOINC,1234-5,deleted,2013-01-01,,n,c\n", "unknown code system"),
        (
            "CPT,90806,deleted,2013-01-01,90834,n,c\nCPT,90806,deleted,2013-01-01,90834,n,c\n",
            "twice",
        ),
    ],
)
def test_a_malformed_row_is_a_data_error_with_its_line(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message) as err:
        parse_rows(HEADER + text)
    assert "code_history.csv:" in str(err.value)


def test_wrong_columns_are_refused() -> None:
    with pytest.raises(DataError, match="expected columns"):
        parse_rows("code,change\n90806,deleted\n")


# -- the API ---------------------------------------------------------------------------------
def test_history_for_searches_every_system_unless_told() -> None:
    assert [e.system for e in history_for("A0030")] == ["HCPCS"]
    assert history_for("A0030", "ICD-10-CM") == []  # A00.30 has no recorded change
    assert history_for("90806", "cpt") == history_for("90806")
    assert history_for("CPT", "90806") == history_for("90806")  # the order validate uses
    assert history_for("99213") == []
    with pytest.raises(InputError, match="unknown code system"):
        history_for("90806", "SNOMED")


def test_status_on_reads_the_history_as_a_timeline() -> None:
    before = status_on("M54.5", "2021-09-30")
    assert isinstance(before, HistoryStatus)
    assert before.known and before.reportable and before.entry is None
    after = status_on("M54.5", D(2021, 10, 1))
    assert not after.reportable
    assert after.replacements == ("M54.50", "M54.51", "M54.59")
    assert after.reason is not None and "expanded on 2021-10-01" in after.reason
    early = status_on("U07.1", "2020-03-31")
    assert not early.reportable and early.replacements == ()
    assert early.reason is not None and "took effect on 2020-04-01" in early.reason
    assert status_on("U07.1", "2020-04-01").reportable
    unknown = status_on("99213", "2026-01-01")
    assert unknown.reportable and not unknown.known
    assert status_on("90806", "2024-01-01").as_dict()["replacements"] == ["90834"]


def test_a_code_deleted_and_added_back_is_reportable_again() -> None:
    rows = parse_rows(
        HEADER
        + "HCPCS,G9999,added,2015-01-01,,n,CMS test citation\n"
        + "HCPCS,G9999,deleted,2018-01-01,G9998,n,CMS test citation\n"
        + "HCPCS,G9999,added,2020-01-01,,n,CMS test citation\n"
    )
    hist = sorted(rows, key=lambda e: e.effective)
    decide = history._decisive
    assert decide(hist, D(2014, 6, 1)) is hist[0]  # before it existed
    assert decide(hist, D(2016, 6, 1)) is None
    assert decide(hist, D(2019, 6, 1)) is hist[1]
    assert decide(hist, D(2021, 6, 1)) is None


def test_history_card_for_a_deleted_code() -> None:
    c = card("90806")
    assert c is not None
    assert c["system"] == "CPT" and c["status"] == "deleted"
    assert c["valid_until"] == "2012-12-31" and c["invalid_from"] == "2013-01-01"
    assert c["replacements"] == ["90834"]
    assert "77 FR 68892" in c["history"][0]["citation"]
    a = card("A0030", "HCPCS")
    assert a is not None and a["replacements"] == ["A0430", "A0435"]
    assert card("99213") is None


# -- what validate and show make of it --------------------------------------------------------
def test_validate_deleted_cpt_psychotherapy_code(kb: KnowledgeBase) -> None:
    v = validate("90806", D(2024, 1, 1), system="CPT", kb=kb)
    assert not v.valid
    assert v.replacements == ["90834"]
    assert "90834" in (v.reason or "") and "2013-01-01" in (v.reason or "")
    assert validate("90834", D(2024, 1, 1), system="CPT", kb=kb).valid


def test_validate_deleted_hcpcs_ambulance_code(kb: KnowledgeBase) -> None:
    v = validate("A0030", D(2024, 1, 1), system="HCPCS", kb=kb)
    assert not v.valid and v.replacements == ["A0430", "A0435"]


def test_validate_m54_5_by_date_of_service(tabular_kb: KnowledgeBase) -> None:
    v = validate("M54.5", D(2022, 1, 1), kb=tabular_kb)
    assert not v.valid
    assert v.replacements == ["M54.50", "M54.51", "M54.59"]
    assert "M54.50 / M54.51 / M54.59" in (v.reason or "")
    old = validate("M54.5", D(2021, 9, 30), kb=tabular_kb)  # the FY2026 tabular lists no M54.5
    assert old.valid
    assert "valid code until 2021-09-30" in (old.notice or "")
    assert validate("M54.50", D(2022, 1, 1), kb=tabular_kb).valid


def test_validate_b88_0_by_date_of_service(tabular_kb: KnowledgeBase) -> None:
    v = validate("B88.0", D(2025, 10, 1), kb=tabular_kb)
    assert not v.valid and v.replacements == ["B88.01", "B88.09"]
    assert validate("B88.0", D(2025, 9, 30), kb=tabular_kb).valid


def test_validate_code_added_later(tabular_kb: KnowledgeBase) -> None:
    v = validate("U07.1", D(2020, 3, 1), kb=tabular_kb)
    assert not v.valid and "took effect on 2020-04-01" in (v.reason or "")
    assert validate("U07.1", D(2020, 4, 1), kb=tabular_kb).valid


def _show(code: str, *extra: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["show", code, "--json", *extra])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    return out


def test_show_90806_json_shows_the_deletion_and_replacement(kb: KnowledgeBase) -> None:
    card_ = _show("90806", "--date", "2024-01-01")
    assert card_["system"] == "CPT"
    assert card_["validity"] == {
        "date_of_service": "2024-01-01",
        "valid": False,
        "reason": "90806 was deleted on 2013-01-01; report 90834 instead",
        "replacements": ["90834"],
    }
    (h,) = card_["history"]  # type: ignore[misc]
    assert h["change"] == "deleted" and h["effective"] == "2013-01-01"


def test_show_a0030_json_shows_the_deletion_and_replacements(tabular_kb: KnowledgeBase) -> None:
    card_ = _show("A0030", "--date", "2024-01-01")
    assert card_["system"] == "HCPCS"
    validity = card_["validity"]
    assert isinstance(validity, dict)
    assert validity["valid"] is False
    assert validity["replacements"] == ["A0430", "A0435"]
    assert "deleted on 2001-01-01" in validity["reason"]
