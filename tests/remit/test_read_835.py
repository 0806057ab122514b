"""The 835 reader on the shared samples (``../shared/data/x12/835``): every file reads, every
element the model carries comes out with its value and segment number, pyx12's verdict is the
one the reader's docstring documents, and every sample balances (TR3 1.10.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from medcoder.errors import InputError
from medcoder.remit.balance import check_balance
from medcoder.remit.model import Adjustment, ProviderAdjustment
from medcoder.remit.readers.x835 import read_835, read_835_files, read_835_text

D = Decimal
# file -> (transactions, claims, service lines); the first nine are valid 005010X221A1
VALID = {
    "X221-dollars-and-data-sent-separate.edi": (1, 2, 2),
    "X221-dollars-and-data-sent-together.edi": (1, 2, 0),
    "X221-era-sample.edi": (1, 1, 5),
    "X221-multiple-claims-single-check.edi": (1, 9, 33),
    "X221-secondary-payment-with-higher-fee-schedule.edi": (1, 1, 1),
    "X221-secondary-payments.edi": (1, 2, 2),
    "X221-tertiary-payments.edi": (1, 1, 1),
    "emedny_sample.txt": (1, 3, 10),
    "pyx12_835_mult_loops.txt": (1, 1, 3),
}
INVALID = {  # file -> (words of pyx12's findings, claims, lines)
    "lfh_demo.835": (["PER", "TS309", "TS311"], 2, 0),
    "united_healthcare_legacy_sample.txt": (["(NP) is not a valid code", "N402"], 2, 5),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_sample_reads_with_pyx12_validation(samples_835: Path, name: str) -> None:
    rems = read_835(samples_835 / name)
    txs, claims, lines = VALID[name]
    assert len(rems) == txs
    assert sum(len(r.claims) for r in rems) == claims
    assert sum(len(c.lines) for r in rems for c in r.claims) == lines
    assert all(r.warnings == [] for r in rems)
    assert rems[0].source == str(samples_835 / name) and rems[0].interchange_control
    assert read_835(samples_835 / name, validate=False) == rems  # pyx12 changes nothing read


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_sample_is_refused_by_pyx12_and_read_with_warnings(samples_835: Path, name: str) -> None:
    words, claims, lines = INVALID[name]
    with pytest.raises(InputError, match="pyx12") as err:
        read_835(samples_835 / name)
    assert all(w in str(err.value) for w in words)
    (rem,) = read_835(samples_835 / name, validate="warn")
    assert len(rem.claims) == claims and sum(len(c.lines) for c in rem.claims) == lines
    assert rem.warnings and all(w.startswith("pyx12: ") for w in rem.warnings)
    assert all(any(w in x for x in rem.warnings) for w in words)
    (plain,) = read_835(samples_835 / name, validate=False)
    assert plain.warnings == [] and plain.claims == rem.claims


def test_bare_transaction_without_envelope(samples_835: Path) -> None:
    path = samples_835 / "blue_cross_nc_sample.txt"
    with pytest.raises(InputError, match="no ISA/GS envelope"):
        read_835(path)
    with pytest.raises(InputError, match=r"SE01 says '33' segments .* has 32") as err:
        read_835(path, validate=False)
    assert err.value.where == f"{path}:32"
    (rem,) = read_835(path, validate=False, strict=False)
    assert rem.interchange_control == "" and rem.sender == ""
    assert rem.warnings[0].startswith("no ISA/GS envelope")
    assert any("segment 28 (SVC) has 10 elements" in w for w in rem.warnings)
    assert any("SVC02 charge or SVC03 paid is empty" in w for w in rem.warnings)
    (c,) = rem.claims
    assert c.received == dt.date(2011, 1, 3) and c.patient_responsibility == D("142.54")
    l1, _, l3 = c.lines
    assert (l1.code, l1.submitted_code, l1.submitted_qualifier, l1.units_paid) == ("59430", "59410", "HC", D(1))
    assert l1.line_control_number == "0001" and l1.allowed == D("1175.4")
    assert l1.adjustments == [Adjustment("CO", "42", D("34.6")), Adjustment("PR", "2", D("117.54"))]
    assert (l3.code, l3.charge, l3.paid, l3.units_submitted, l3.segment) == ("59426", D(0), D(0), D(742), 28)
    assert check_balance(rem) == []


def test_separate_dollars_and_data_every_header_field(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "X221-dollars-and-data-sent-separate.edi")
    assert (r.control_number, r.handling, r.total_paid, r.credit_debit, r.method) == ("112233", "I", D(945), "C", "ACH")
    assert r.payment_date == dt.date(2002, 3, 16) and r.production_date == dt.date(2002, 3, 14)
    assert r.key == ("71700666555", "1935665544")
    assert (r.interchange_control, r.sender, r.receiver, r.segment) == ("000010216", "1234567890", "1234567981", 3)
    assert r.payer.name == "RUSHMORE LIFE" and r.payer.address == ["10 SOUTH AVENUE"]
    assert (r.payer.city, r.payer.state, r.payer.zip) == ("RAPID CITY", "SD", "55111")
    assert r.payer.contact == {"BL": "JOHN WAYNE", "BL.TE": "8005551212", "BL.EX": "123"}
    assert (r.payee.name, r.payee.id_qualifier, r.payee.id) == ("ACME MEDICAL CENTER", "XX", "5544667733")
    assert r.payee.references == {"TJ": "777667755"}
    c1, c2 = r.claims
    assert (c1.patient_control_number, c1.status, c1.charge, c1.paid, c1.patient_responsibility) == (
        "5554555444", "1", D(800), D(450), D(300))
    assert (c1.filing_indicator, c1.payer_claim_id, c1.segment) == ("12", "94060555410000", 14)
    assert c1.adjustments == [Adjustment("CO", "A2", D(50))]
    assert c1.patient == {"entity": "1", "last": "BUDD", "first": "WILLIAM", "id_qualifier": "MI", "id": "33344555510"}
    (ln,) = c1.lines
    assert (ln.qualifier, ln.code, ln.charge, ln.paid, ln.segment) == ("HC", "99211", D(800), D(500), 17)
    assert (ln.date_from, ln.date_to) == (dt.date(2002, 3, 1), dt.date(2002, 3, 4))
    assert ln.adjustments == [Adjustment("PR", "1", D(300))]
    assert c2.lines[0].adjustments == [Adjustment("PR", "1", D(600)), Adjustment("CO", "45", D(50))]


def test_institutional_remarks_ts3_and_plb(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "X221-dollars-and-data-sent-together.edi")
    assert r.payer.references == {"2U": "999"} and r.payer.contact == {"BL": "", "BL.UR": "www.anyhealthplan.com/policies.html"}
    c1, c2 = r.claims
    assert (c1.facility_type, c1.frequency, c1.filing_indicator) == ("11", "1", "MA")
    assert c1.patient["middle"] == "O" and c1.patient["id_qualifier"] == "HN"
    assert (c1.service_from, c1.service_to) == (dt.date(2002, 8, 16), dt.date(2002, 8, 24))
    assert c1.remarks == [] and c2.remarks == ["MA02"]  # MIA without remarks; MOA03
    assert r.provider_adjustments == [ProviderAdjustment("6543210903", dt.date(2002, 12, 31), "CV", "CP", D("-1.27"))]
    assert r.plb_total == D("-1.27")


def test_dental_lines_rendering_and_allowed(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "X221-era-sample.edi")
    (c,) = r.claims
    assert c.rendering == {"entity": "1", "last": "BAN", "first": "ERIN", "id_qualifier": "XX",
                           "id": "1811901945", "npi": "1811901945"}
    assert c.amounts == {"AU": D(132)}
    assert [(ln.qualifier, ln.code, ln.allowed) for ln in c.lines][:2] == [("AD", "D0120", D(25)), ("AD", "D0220", D(14))]
    assert all(ln.date_from == dt.date(2014, 3, 24) and ln.date_to is None for ln in c.lines)
    assert [ln.segment for ln in c.lines] == [17, 21, 25, 29, 33]


def test_multi_triplet_cas_modifiers_and_line_refs(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "X221-secondary-payments.edi")
    c1, c2 = r.claims
    assert c1.lines == [] and c1.amounts == {"AU": D(912)}
    assert c2.rendering["entity"] == "2" and c2.rendering["id_qualifier"] == "BS"
    l1, l2 = c2.lines
    assert (l1.code, l1.modifiers, l1.units_paid) == ("12345", ["26"], D(1))
    assert (l2.revenue_code, l2.allowed) == ("220", D(500))
    assert l2.adjustments == [Adjustment("PR", "1", D(150)), Adjustment("PR", "2", D(70)), Adjustment("CO", "42", D(85))]


def test_emedny_corrected_patient_remarks_and_two_address_lines(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "emedny_sample.txt")
    assert r.payer.address == ["OFFICE OF HEALTH INSURANCE PROGRAMS", "CORNING TOWER, EMPIRE STATE PLAZA"]
    assert r.payer.contact == {"BL": "PROVIDER SERVICES", "BL.TE": "8003439000", "BL.UR": "www.emedny.org"}
    c1, c2, c3 = r.claims
    assert c1.corrected_patient == {"entity": "1", "last": "CORRECTED LAST", "first": "CORRECTED FIRST"}
    assert c1.references == {"EA": "PATIENT ACCOUNT NUMBER"}
    assert c1.lines[0].modifiers == ["RB"] and c1.lines[3].units_paid == D(2)
    assert [ln.remarks for ln in c3.lines] == [[], [], ["N206"], ["N206"]]
    assert c3.lines[1].date_from == dt.date(2013, 9, 17)
    assert c2.status == "2" and c2.paid == 0


def test_denied_claim_and_notification_only(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "pyx12_835_mult_loops.txt")
    assert (r.handling, r.total_paid, r.method) == ("H", D(0), "NON")
    (c,) = r.claims
    assert c.is_denied and c.patient["id_qualifier"] == "MR"
    assert [ln.remarks for ln in c.lines] == [["N14"]] * 3
    assert [ln.units_paid for ln in c.lines] == [D(68), D(16), D(36)]
    assert c.lines[0].adjustments == [Adjustment("CO", "16", D("500.04"))]


def test_component_separator_from_isa16(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "united_healthcare_legacy_sample.txt", validate=False)
    c1, c2 = r.claims
    assert [ln.code for ln in c2.lines] == ["B4154", "B4034", "B4154"]
    assert c2.lines[2].adjustments == [Adjustment("PR", "2", D("5.13")), Adjustment("PR", "1", D(110)),
                                       Adjustment("CO", "45", D("184.32"))]
    assert c1.received == dt.date(2021, 1, 14) and c1.references["CE"] == "ILLINOIS DEPARTMENT OF CMS"
    assert r.payer.contact["CX.TE"] == "8778423210" and r.payer.contact["BL.UR"].startswith("WWW.")


def test_every_shared_sample_balances(samples_835: Path) -> None:
    paths = sorted(samples_835.iterdir())
    assert len(paths) == 12
    for p in paths:
        for r in read_835(p, validate=False, strict=False):
            assert check_balance(r) == [], p.name


def test_balance_problems_name_the_rule_and_the_difference(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "X221-secondary-payments.edi")
    r.claims[1].lines[1].paid += D("0.01")
    r.total_paid = D("1221")
    probs = check_balance(r)
    assert [(p.level, p.difference) for p in probs] == [("line", D("0.01")), ("transaction", D(-1))]
    assert "line 2 66543 (segment 35)" in probs[0].where and "0001" in probs[1].where
    r.claims[1].lines[1].paid -= D("0.01")
    r.total_paid = D("1222")
    assert check_balance(r) == []
    r.claims[0].adjustments.append(Adjustment("CO", "45", D(2)))
    (p,) = check_balance(r)
    assert (p.level, p.expected, p.found) == ("claim", D(910), D(912))


def test_many_transactions_and_groups_in_one_file(samples_835: Path) -> None:
    one = (samples_835 / "X221-tertiary-payments.edi").read_text()
    two = (samples_835 / "X221-secondary-payments.edi").read_text()
    isa, rest = one.split("~", 1)
    g1 = rest[: rest.index("IEA*")]
    g2 = two[two.index("GS*"): two.index("IEA*")].replace("*20213~", "*20214~").replace("*20213*X*", "*20214*X*")
    text = f"{isa}~{g1}{g2}IEA*2*000010216~"
    rems = read_835_text(text, source="joined", validate=True)
    assert [r.key for r in rems] == [("0012524879", "1559123456"), ("0012524965", "1559123456")]
    assert [r.segment for r in rems] == [3, 29]
    assert rems[1].claims[1].lines[0].segment == 29 + 27  # segment 30 of its own file, whose ST is 3
    same_group = text.replace("GE*1*20213~GS*HP*1234567890*1234567981*20080503*1705*20214*X*005010X221A1~", "")
    same_group = same_group.replace("GE*1*20214", "GE*2*20213").replace("IEA*2*", "IEA*1*")
    assert [r.key for r in read_835_text(same_group, validate=False)] == [r.key for r in rems]


def test_same_payment_in_two_files_counts_once(samples_835: Path, tmp_path: Path) -> None:
    src = samples_835 / "X221-era-sample.edi"
    multi = samples_835 / "X221-multiple-claims-single-check.edi"  # the same TRN (12345, 1512345678)
    batch = read_835_files([src, multi])
    assert [r.source for r in batch.remittances] == [str(src)]
    assert len(batch.claims) == 1 and len(batch.duplicates) == 1
    assert "already read" in batch.warnings[0] and multi.name in batch.warnings[0]
