"""The audit's inputs (``medcoder.audit.inputs``): claim-line CSV extracts, 837P and claim files,
documentation folders, 835 paid amounts, members, and the claim/documentation join.

Fixtures: ``tests/fixtures/audit`` (invented patients, code numbers only); the 837P and 835
files are written here from invented claims with medcoder's own writers."""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from medcoder.audit.inputs import (
    DocsResult,
    attach_remits,
    join,
    read_billed_claims,
    read_claim_extract,
    read_documentation,
    read_members,
)
from medcoder.audit.model import AuditClaim
from medcoder.claims.model import (
    Address,
    Claim,
    ClaimDiagnosis,
    Payer,
    Person,
    Provider,
    ServiceLine,
)
from medcoder.claims.serialize import claim_to_dict
from medcoder.claims.writers.x837p import write_837p
from medcoder.errors import InputError
from medcoder.remit.generate import adjudicate, remittance_for
from medcoder.remit.model import Party
from medcoder.remit.writers.x835 import write_835

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "audit"
DOS = _dt.date(2026, 5, 4)
SUBMITTER = {"submitter_name": "Riverside Family Medicine", "submitter_id": "1234567893",
             "contact_name": "Billing Office", "contact_phone": "217-555-0100",
             "created": _dt.datetime(2026, 5, 10, 9, 30)}
PAYER = Party(name="Example Health Plan", id_qualifier="XV", id="12345", address=["PO Box 100"],
              city="Springfield", state="IL", zip="62701", contact={"BL": "EDI Support", "BL.TE": "8005550100"})
PAYEE = Party(name="Riverside Family Medicine", id_qualifier="XX", id="1234567893", address=["1 Main St"],
              city="Springfield", state="IL", zip="62701", references={"TJ": "123456789"})
HEADER = "claim_id,patient_id,provider_id,date_of_service,code,modifiers,units,charge,paid,diagnoses\n"


def make_claim(pcn: str, codes: tuple[str, ...] = ("99214", "96372"),
               charges: tuple[str, ...] = ("210", "40")) -> Claim:
    """An invented professional claim (as tests/remit/conftest.py builds them)."""
    addr = Address("5 Oak Ave", "Springfield", "IL", "62704")
    sub = Person("Doe", "John", _dt.date(1950, 3, 2), "M", member_id="1EG4TE5MK73", address=addr)
    lines = [ServiceLine(code=c, system="CPT", charge=Decimal(ch), units=Decimal(1), date_of_service=DOS,
                         modifiers=["25"] if i == 0 and len(codes) > 1 else [], pointers=[1])
             for i, (c, ch) in enumerate(zip(codes, charges, strict=True))]
    return Claim(
        kind="professional", patient_control_number=pcn,
        billing=Provider(name="Riverside Family Medicine", npi="1234567893", tax_id="123456789",
                         tax_id_kind="EIN", address=Address("1 Main St", "Springfield", "IL", "62701")),
        payer=Payer(key="medicare", name="Medicare Part B", payer_id="00952", kind="medicare"),
        patient=sub, subscriber=sub, service_from=DOS, service_to=DOS, place_of_service="11",
        diagnoses=[ClaimDiagnosis("E11.9"), ClaimDiagnosis("I10")], lines=lines,
        rendering=Provider(name="Lee", first_name="Ann", npi="1245319599", entity="person"),
    )


def write_two_claim_837p(path: Path) -> Path:
    """One 837P file with two claims (two interchanges, as a clearinghouse batch)."""
    a = write_837p(make_claim("C1001"), control_number=1, **SUBMITTER)
    b = write_837p(make_claim("C1002", ("99213",), ("145",)), control_number=2, **SUBMITTER)
    path.write_text(a + "\n" + b, encoding="ascii")
    return path


def write_era(path: Path, payments: list, *, trace: str = "EFT0001", number: int = 1) -> Path:
    rem = remittance_for(payments, payer=PAYER, payee=PAYEE, trace=trace, paid_on=_dt.date(2026, 6, 1))
    path.write_text(write_835([rem], sender="EXAMPLEHP", receiver="RIVERSIDE", control_number=number,
                              when=_dt.datetime(2026, 6, 1, 8, 0)), encoding="ascii")
    return path


def by_id(claims: list[AuditClaim]) -> dict[str, AuditClaim]:
    return {c.claim_id: c for c in claims}


def csv_file(tmp_path: Path, body: str, header: str = HEADER, name: str = "extract.csv") -> Path:
    p = tmp_path / name
    p.write_text(header + body, encoding="utf-8")
    return p


# -- CSV extract --------------------------------------------------------------------------------------
def test_extract_groups_rows_into_claims() -> None:
    res = read_claim_extract(FIX / "extract.csv")
    assert res.problems == [] and res.left_out == []
    claims = by_id(res.claims)
    assert [c.claim_id for c in res.claims] == ["C1001", "C1002", "C1003"]
    c = claims["C1001"]
    assert (c.patient_id, c.provider_id, c.date_of_service) == ("P001", "1245319599", DOS)
    assert [(ln.line, ln.code, ln.modifiers) for ln in c.lines] == [(1, "99214", ["25"]), (2, "96372", [])]
    assert c.lines[0].charge == Decimal("210.00") and c.lines[0].paid == Decimal("120.00")
    assert c.lines[0].paid_source == "extract"
    assert c.paid == Decimal("138.50")
    assert c.diagnoses == ["E11.9", "I10"] and c.lines[1].pointers == [1, 2]
    assert (c.payer, c.patient_name, c.patient_birth_date, c.patient_sex) == (
        "Example Health Plan", "Doe, John", _dt.date(1950, 3, 2), "M")
    assert c.place_of_service == "11" and c.lines[0].place_of_service == "11"
    assert c.source.endswith("extract.csv:2")
    j = claims["C1003"].lines[1]
    assert (j.code, j.units, j.paid, j.paid_source) == ("J1885", Decimal("4"), None, None)
    assert claims["C1003"].paid is None


def test_extract_aliases_numbered_columns_tab_and_line_numbers() -> None:
    res = read_claim_extract(FIX / "extract_aliases.tsv")
    assert res.problems == []
    (c,) = res.claims
    assert (c.claim_id, c.patient_id, c.date_of_service) == ("C2001", "M-77", DOS)
    # the line column orders the lines, not the file
    assert [(ln.line, ln.code) for ln in c.lines] == [(1, "93000"), (2, "99215"), (3, "20610")]
    assert c.lines[2].modifiers == ["59", "RT"] and c.lines[1].modifiers == ["25"]
    assert c.lines[1].charge == Decimal("1250.00")
    # dx1..dx3 without dots; each row's diagnoses become its pointers into the claim's list
    assert c.diagnoses == ["E11.22", "N18.3", "I10", "M17.11"]
    assert c.lines[1].pointers == [1, 2, 3] and c.lines[0].pointers == [3] and c.lines[2].pointers == [4]


@pytest.mark.parametrize("mods, expected", [("25", ["25"]), ("25,59", ["25", "59"]), ("25 59", ["25", "59"]),
                                            ("rt;59", ["RT", "59"]), ("", [])])
def test_modifier_forms(tmp_path: Path, mods: str, expected: list[str]) -> None:
    p = csv_file(tmp_path, f'C1,P1,1245319599,05/04/2026,99213,"{mods}",1,100,,I10\n')
    (c,) = read_claim_extract(p).claims
    assert c.lines[0].modifiers == expected and c.date_of_service == DOS


def test_bad_amount_keeps_the_whole_claim_out_and_says_where(tmp_path: Path) -> None:
    p = csv_file(tmp_path, "C10,P1,1245319599,2026-05-04,99213,,1,100,50,I10\n"
                           "C12,P2,1245319599,2026-05-04,99213,,1,100,50,I10\n"
                           "C12,P2,1245319599,2026-05-04,96372,,1,40,abc,I10\n")
    res = read_claim_extract(p)
    assert [c.claim_id for c in res.claims] == ["C10"]
    assert res.left_out == ["C12"]
    (prob,) = res.problems
    assert (prob.path, prob.line, prob.column, prob.claim_id) == (str(p), 4, "paid", "C12")
    assert prob.message.startswith("claim C12 left out: line 4 paid 'abc' is not an amount")
    assert str(prob).startswith(f"{p}:4 (paid): claim C12 left out")


def test_every_bad_value_of_a_claim_is_reported(tmp_path: Path) -> None:
    p = csv_file(tmp_path, "C12,P2,1245319599,2026-02-30,99213,,two,100,,I10\n"
                           "C12,P2,1245319599,2026-05-04,9921,,1,-5,,I10\n")
    res = read_claim_extract(p)
    assert res.claims == [] and res.left_out == ["C12"]
    got = {(pr.line, pr.column) for pr in res.problems}
    assert got == {(2, "date_of_service"), (2, "units"), (3, "code"), (3, "charge")}
    text = " | ".join(pr.message for pr in res.problems)
    assert "not a date that exists" in text and "leading zeros" in text and "negative" in text


def test_missing_required_columns_raise_naming_file_and_columns(tmp_path: Path) -> None:
    p = csv_file(tmp_path, "C1,P1,2026-05-04,100\n", header="claim_id,patient_id,dos,charge\n")
    with pytest.raises(InputError) as err:
        read_claim_extract(p)
    msg = str(err.value)
    assert str(p) in msg and "provider_id" in msg and "code" in msg and "date_of_service" not in msg.split(".")[0]
    assert "Expected columns claim_id, patient_id, provider_id, date_of_service, code" in msg


def test_duplicate_claim_line_is_a_problem(tmp_path: Path) -> None:
    p = csv_file(tmp_path, "C1,P1,1245319599,2026-05-04,99213,,1,100,,I10,1\n"
                           "C1,P1,1245319599,2026-05-04,96372,,1,40,,I10,1\n",
                 header=HEADER.strip() + ",line\n")
    res = read_claim_extract(p)
    assert res.claims == [] and res.left_out == ["C1"]
    (prob,) = res.problems
    assert prob.line == 3 and "repeats claim line 1 (also on line 2)" in prob.message


@pytest.mark.parametrize("second, words", [
    ("C1,P9,1245319599,2026-05-04,96372,,1,40,,I10", "patient 'P9' differs from 'P1'"),
    ("C1,P1,1245319599,2026-05-05,96372,,1,40,,I10", "date of service 2026-05-05 differs from 2026-05-04"),
])
def test_rows_of_one_claim_must_agree(tmp_path: Path, second: str, words: str) -> None:
    p = csv_file(tmp_path, "C1,P1,1245319599,2026-05-04,99213,,1,100,,I10\n" + second + "\n")
    res = read_claim_extract(p)
    assert res.claims == [] and res.left_out == ["C1"]
    (prob,) = res.problems
    assert words in prob.message and prob.line == 3


def test_disagreeing_payer_and_provider_are_reported_and_first_kept(tmp_path: Path) -> None:
    p = csv_file(tmp_path, "C1,P1,1245319599,2026-05-04,99213,,1,100,,I10,Plan A\n"
                           "C1,P1,1679576722,2026-05-04,96372,,1,40,,I10,Plan B\n",
                 header=HEADER.strip() + ",payer\n")
    res = read_claim_extract(p)
    (c,) = res.claims
    assert (c.payer, c.provider_id) == ("Plan A", "1245319599")
    assert [(pr.line, pr.column) for pr in res.problems] == [(3, "provider_id"), (3, "payer")]
    assert "provider differs" in res.problems[0].message and "payer differs" in res.problems[1].message
    assert all("first value is kept" in pr.message and pr.claim_id == "C1" for pr in res.problems)


def test_row_without_claim_id_and_blank_lines(tmp_path: Path) -> None:
    p = csv_file(tmp_path, "\n,P1,1245319599,2026-05-04,99213,,1,100,,I10\n\n"
                           "C2,P1,1245319599,2026-05-04,99213,,1,100,,I10\n")
    res = read_claim_extract(p)
    assert [c.claim_id for c in res.claims] == ["C2"]
    (prob,) = res.problems
    assert prob.line == 3 and "no claim id" in prob.message


def test_empty_extract_raises(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_claim_extract(p)


def test_header_only_extract_has_no_claims(tmp_path: Path) -> None:
    res = read_claim_extract(csv_file(tmp_path, ""))
    assert res.claims == [] and res.problems == []


# -- 837P / claim files / folders ---------------------------------------------------------------------
def test_billed_claims_from_a_two_claim_837p(tmp_path: Path) -> None:
    res = read_billed_claims(write_two_claim_837p(tmp_path / "batch.837"))
    assert res.problems == []
    assert [c.claim_id for c in res.claims] == ["C1001", "C1002"]
    c = res.claims[0]
    assert isinstance(c.claim, Claim) and c.claim.patient_control_number == "C1001"
    assert (c.patient_id, c.provider_id, c.date_of_service) == ("1EG4TE5MK73", "1245319599", DOS)
    assert [(ln.line, ln.code, ln.modifiers, ln.charge) for ln in c.lines] == [
        (1, "99214", ["25"], Decimal("210")), (2, "96372", [], Decimal("40"))]
    assert c.diagnoses == ["E11.9", "I10"] and c.lines[0].pointers == [1]
    assert c.patient_birth_date == _dt.date(1950, 3, 2) and c.patient_sex == "M"
    assert all(ln.paid is None for ln in c.lines)
    assert res.claims[1].lines[0].code == "99213"


def test_billed_claims_from_a_claim_json_file(tmp_path: Path) -> None:
    p = tmp_path / "claim.json"
    p.write_text(json.dumps(claim_to_dict(make_claim("C3001"))), encoding="utf-8")
    (c,) = read_billed_claims(p).claims
    assert c.claim_id == "C3001" and [ln.code for ln in c.lines] == ["99214", "96372"]


def test_billed_claims_from_a_folder_keeps_going(tmp_path: Path) -> None:
    folder = tmp_path / "claims"
    folder.mkdir()
    write_two_claim_837p(folder / "a.837")
    (folder / "b.csv").write_text(HEADER + "C5,P5,1245319599,2026-05-04,99213,,1,100,,I10\n")
    (folder / "c.csv").write_text("claim_id,charge\nC6,10\n")  # no required columns
    (folder / "d.pdf").write_text("not a claim")
    (folder / "README.md").write_text("notes for the auditor")
    res = read_billed_claims(folder)
    assert [c.claim_id for c in res.claims] == ["C1001", "C1002", "C5"]
    msgs = {Path(p.path).name: p.message for p in res.problems}
    assert set(msgs) == {"c.csv", "d.pdf"}
    assert "missing required column" in msgs["c.csv"] and "not a claims file" in msgs["d.pdf"]


def test_single_bad_file_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_billed_claims(tmp_path / "nope.csv")


def test_claim_id_in_two_files_keeps_both_out(tmp_path: Path) -> None:
    folder = tmp_path / "claims"
    folder.mkdir()
    write_two_claim_837p(folder / "a.837")
    (folder / "b.csv").write_text(HEADER + "C1002,P5,1245319599,2026-05-04,99213,,1,100,,I10\n")
    res = read_billed_claims(folder)
    assert [c.claim_id for c in res.claims] == ["C1001"]
    assert res.left_out == ["C1002"]
    (prob,) = res.problems
    assert "appears 2 times" in prob.message and "a.837" in prob.message and "b.csv" in prob.message


# -- documentation ------------------------------------------------------------------------------------
def test_documentation_folder() -> None:
    res = read_documentation(FIX / "docs")
    assert res.problems == [] and res.not_reviewable == {}
    assert sorted(res.docs) == ["C1001", "C1002", "X9999", "c01003"]
    assert {k: d.format for k, d in res.docs.items()} == {
        "C1001": "text", "C1002": "encounter-json", "X9999": "text", "c01003": "hl7v2"}
    d = res.docs["C1002"]
    assert d.claim_id == "C1002" and d.path.endswith("C1002.json")
    assert d.encounter.date_of_service == _dt.date(2026, 5, 5)


def test_two_files_for_one_claim_are_both_reported(tmp_path: Path) -> None:
    (tmp_path / "C1.txt").write_text("Assessment: essential hypertension.")
    (tmp_path / "C1.json").write_text('{"sections": [{"title": "Assessment", "text": "Hypertension."}]}')
    (tmp_path / "C2.txt").write_text("Assessment: essential hypertension.")
    res = read_documentation(tmp_path)
    assert list(res.docs) == ["C2"]
    assert sorted(Path(p.path).name for p in res.problems) == ["C1.json", "C1.txt"]
    assert all("claim C1 not reviewable" in p.message for p in res.problems)
    assert "two documentation files" in res.not_reviewable["C1"]


def test_unreadable_documentation_is_named_without_its_text(tmp_path: Path) -> None:
    secret = "Patient reports chest pain radiating"
    (tmp_path / "C7.json").write_text('{"sections": [{"text": "' + secret + '"}')  # unclosed
    (tmp_path / "C8.pdf").write_text(secret)
    (tmp_path / "C9.txt").write_text("")
    (tmp_path / "sub").mkdir()
    res = read_documentation(tmp_path)
    assert res.docs == {}
    names = {Path(p.path).name: p.message for p in res.problems}
    assert set(names) == {"C7.json", "C8.pdf", "C9.txt", "sub"}
    assert "malformed JSON" in names["C7.json"] and "C7.json" in names["C7.json"]
    assert "not a documentation format" in names["C8.pdf"] and "empty" in names["C9.txt"]
    assert set(res.not_reviewable) == {"C7", "C8", "C9"}
    assert all(secret.lower() not in str(p).lower() and "chest" not in str(p) for p in res.problems)


def test_documentation_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        read_documentation(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(InputError, match="expected a folder"):
        read_documentation(tmp_path / "f.txt")


# -- join ---------------------------------------------------------------------------------------------
def test_join_pairs_claims_and_reports_mismatched_ids() -> None:
    claims = read_claim_extract(FIX / "extract.csv").claims
    docs = read_documentation(FIX / "docs")
    with_docs, without, orphans = join(claims, docs)
    assert [(c.claim_id, d.claim_id) for c, d in with_docs] == [("C1001", "C1001"), ("C1002", "C1002")]
    assert [c.claim_id for c in without] == ["C1003"]
    got = {o.claim_id: o for o in orphans}
    assert set(got) == {"c01003", "X9999"}
    assert got["c01003"].suggestion == "C1003" and "did you mean 'C1003'" in got["c01003"].message
    assert got["X9999"].suggestion is None and "mismatched id" in got["X9999"].message
    # a plain dict works the same
    assert join(claims, dict(docs.docs))[1] == without
    assert isinstance(docs, DocsResult)


def test_join_near_match_ignores_whitespace_and_leading_zeros() -> None:
    claims = read_claim_extract(FIX / "extract.csv").claims
    docs = read_documentation(FIX / "docs").docs
    fake = {" 001002 ": docs["C1002"], "c1002": docs["C1002"]}
    _, _, orphans = join(claims[1:2], fake)  # only C1002, whose record has other names here
    assert [o.suggestion for o in orphans] == [None, "C1002"]  # " 001002 " lacks the C


# -- 835 paid amounts ---------------------------------------------------------------------------------
def test_835_paid_amounts_fill_an_837_claim(tmp_path: Path) -> None:
    claims = read_billed_claims(write_two_claim_837p(tmp_path / "batch.837")).claims
    c1 = claims[0].claim
    pay = adjudicate(c1, "paid", allowed={1: Decimal("130.00"), 2: Decimal("25.00")},
                     coinsurance=Decimal("31.00"))
    era = write_era(tmp_path / "era.835", [pay])
    notes = attach_remits(claims, [era])
    a = by_id(claims)["C1001"]
    assert [ln.paid for ln in a.lines] == [Decimal("99.00"), Decimal("25.00")]
    assert a.lines[0].paid_source is not None and a.lines[0].paid_source.startswith(f"835 {era}:")
    seg = int(a.lines[0].paid_source.rsplit(":", 1)[1])
    assert era.read_text().split("~\n")[seg - 1].startswith("SVC*HC:99214:25")
    # C1002 was not in the 835: said so, left unknown
    assert by_id(claims)["C1002"].paid is None
    assert notes == ["1 claim(s) have no claim payment in the 835s given (C1002): their paid amounts stay as "
                     "the claims input says"]


def test_835_wins_over_the_extract_and_the_difference_is_noted(tmp_path: Path) -> None:
    claims = read_claim_extract(FIX / "extract.csv").claims
    pay = adjudicate(make_claim("C1001"), "paid", allowed={1: Decimal("120.00"), 2: Decimal("20.00")})
    era = write_era(tmp_path / "era.835", [pay])
    notes = attach_remits(claims, [era])
    c = by_id(claims)["C1001"]
    assert c.lines[0].paid == Decimal("120.00") and c.lines[0].paid_source == "extract"  # agrees: kept
    assert c.lines[1].paid == Decimal("20.00") and c.lines[1].paid_source.startswith("835 ")
    (note,) = [n for n in notes if "C1001" in n]
    assert "extract says paid 18.50, the 835 20.00" in note and "the 835 amount is used" in note


def test_reversal_nets_out_and_duplicate_payment_counts_once(tmp_path: Path) -> None:
    claims = read_billed_claims(write_two_claim_837p(tmp_path / "batch.837")).claims
    c1 = claims[0].claim
    first = adjudicate(c1, "paid")  # paid at charge: 210 + 40
    era1 = write_era(tmp_path / "era1.835", [first], trace="EFT0001")
    back = adjudicate(c1, "reversed", previous=first)
    again = adjudicate(c1, "paid", allowed={1: Decimal("100.00"), 2: Decimal("30.00")})
    other = adjudicate(claims[1].claim, "paid")  # keeps the payment non-negative (BPR02)
    era2 = write_era(tmp_path / "era2.835", [back, again, other], trace="EFT0002", number=2)
    copy = tmp_path / "era1-copy.835"
    copy.write_text(era1.read_text())
    notes = attach_remits(claims, [era1, era2, copy])
    a = by_id(claims)["C1001"]
    assert [ln.paid for ln in a.lines] == [Decimal("100.00"), Decimal("30.00")]
    assert a.lines[0].paid_source is not None and a.lines[0].paid_source.count(".835:") == 3
    assert any("reversal (CLP02 22" in n for n in notes)
    assert by_id(claims)["C1002"].lines[0].paid == Decimal("145.00")
    assert any("duplicate remittance left out" in n and "era1-copy.835" in n for n in notes)


def test_unmatched_claims_and_unreadable_835_are_noted(tmp_path: Path) -> None:
    claims = read_claim_extract(FIX / "extract.csv").claims
    stranger = adjudicate(make_claim("Z9"), "paid")
    era = write_era(tmp_path / "era.835", [stranger])
    broken = tmp_path / "broken.835"
    broken.write_text("this is not an 835")
    notes = attach_remits(claims, [era, broken])
    assert any("835 claim 'Z9'" in n and "matches no claim" in n for n in notes)
    assert any("broken.835" in n and "835 not read" in n for n in notes)
    assert by_id(claims)["C1001"].lines[0].paid == Decimal("120.00")  # untouched


def test_835_line_with_another_code_is_noted(tmp_path: Path) -> None:
    claims = read_claim_extract(FIX / "extract.csv").claims
    c1002 = by_id(claims)["C1002"]
    pay = adjudicate(make_claim("C1002", ("99213", "36415"), ("145", "10")), "paid")
    pay.lines[0].date_from = _dt.date(2026, 5, 5)
    era = write_era(tmp_path / "era.835", [pay])
    notes = attach_remits(claims, [era])
    assert c1002.lines[0].paid == Decimal("145")
    assert any("835 line 36415" in n and "matches no line" in n for n in notes)


# -- members ------------------------------------------------------------------------------------------
def test_members_file() -> None:
    res = read_members(FIX / "members.csv")
    assert res.problems == []
    m = res.members
    assert m["P001"].enrolled_from == _dt.date(2025, 1, 1) and m["P001"].enrolled_to is None
    # two rows that follow each other become one span
    assert (m["P002"].enrolled_from, m["P002"].enrolled_to) == (_dt.date(2024, 1, 1), _dt.date(2026, 12, 31))
    assert m["P003"].date_of_death == _dt.date(2026, 5, 1) and m["P003"].source.endswith("members.csv:5")


def test_members_bad_rows_are_problems(tmp_path: Path) -> None:
    p = tmp_path / "members.csv"
    p.write_text("patient_id,enrolled_from,enrolled_to,date_of_death\n"
                 "A,2025-01-01,2025-03-31,\nA,2025-06-01,,\n"   # a gap
                 "B,2025-13-01,,\n"                              # no month 13
                 "C,2025-05-01,2025-01-01,\n"                    # ends before it starts
                 "D,,,2026-01-01\n,2025-01-01,,\n")
    res = read_members(p)
    assert list(res.members) == ["D"]
    text = [str(x) for x in res.problems]
    assert len(text) == 4
    assert any("member A left out" in t and "gap" in t for t in text)
    assert any(":4 (enrolled_from)" in t and "not a date that exists" in t for t in text)
    assert any("ends 2025-01-01 before it starts" in t for t in text)
    assert any(":7 (patient_id)" in t and "no patient id" in t for t in text)


def test_members_without_patient_column_raise(tmp_path: Path) -> None:
    p = tmp_path / "members.csv"
    p.write_text("name,dod\nX,2026-01-01\n")
    with pytest.raises(InputError, match="patient_id"):
        read_members(p)
