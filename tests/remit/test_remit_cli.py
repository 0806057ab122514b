"""``medcoder remit parse|explain|match|report|fix`` on the shared 835 samples and on 835s
generated for medcoder's own claims: what a biller sees, the exit codes, the files written."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medcoder.claims.serialize import claim_to_dict
from medcoder.cli.main import app
from medcoder.codesets.kb import KnowledgeBase
from medcoder.remit.generate import adjudicate, remittance_for
from medcoder.remit.model import Adjustment, Party
from medcoder.remit.writers.x835 import write_835

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["remit", *args])


def test_parse_lists_payments_and_says_the_835_balances(remit_lists: KnowledgeBase, samples_835: Path) -> None:
    run = invoke("parse", str(samples_835 / "X221-multiple-claims-single-check.edi"), "--json")
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    (rem,) = data["remittances"]
    assert rem["total_paid"] == "810.8" and rem["trace_number"] == "12345"
    assert len(rem["claims"]) == 9 and rem["balance"] == []
    text = invoke("parse", str(samples_835 / "X221-multiple-claims-single-check.edi")).output
    assert "balances" in text and "DENTAL OF ABC" in text


def test_parse_counts_a_duplicate_payment_once(tmp_path: Path, remit_lists: KnowledgeBase, samples_835: Path) -> None:
    copy = tmp_path / "again.835"
    copy.write_bytes((samples_835 / "emedny_sample.txt").read_bytes())
    run = invoke("parse", str(samples_835 / "emedny_sample.txt"), str(copy), "--json")
    data = json.loads(run.output)
    assert len(data["remittances"]) == 1
    assert [d["trace_number"] for d in data["duplicates"]] == ["10100000000"]
    assert any("duplicate remittance left out" in w for w in data["warnings"])


def test_parse_exits_1_when_an_835_does_not_balance(tmp_path: Path, remit_lists: KnowledgeBase, claim: Any,
                                                     payer: Party, payee: Party) -> None:
    import datetime as dt

    paid = adjudicate(claim, "paid", allowed={1: Decimal("100"), 2: Decimal("30"), 3: Decimal("50")})
    rem = remittance_for([paid], payer=payer, payee=payee, trace="EFT1", paid_on=dt.date(2026, 6, 1))
    rem.total_paid += Decimal("10.00")  # the check says $10 more than the claims
    bad = tmp_path / "unbalanced.835"
    bad.write_text(write_835([rem], sender="PAYER", receiver="PRACTICE"), encoding="ascii")
    run = invoke("parse", str(bad))
    assert run.exit_code == 1
    assert "does not balance" in run.output


def test_explain_says_what_happened_with_root_cause_and_action(remit_lists: KnowledgeBase, samples_835: Path) -> None:
    run = invoke("explain", str(samples_835 / "emedny_sample.txt"), "--json")
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    (rem,) = data["remittances"]
    second = rem["denials"][1]  # claim 2: both lines denied CO-29 (filing limit)
    assert {(d["line"], d["category"], d["carcs"][0]) for d in second} == {(1, "timely-filing", "29"),
                                                                             (2, "timely-filing", "29")}
    assert "The time limit for filing has expired" in rem["claims"][1]["summary"]
    text = invoke("explain", str(samples_835 / "emedny_sample.txt")).output
    assert "Timely filing" in text and "CO-29" in text


def _claims_file(tmp_path: Path, *claims: Any) -> Path:
    import yaml

    p = tmp_path / "claims.yaml"
    p.write_text(yaml.safe_dump([claim_to_dict(c) for c in claims], sort_keys=False), encoding="utf-8")
    return p


def _generated(tmp_path: Path, claims: list[Any], payments: list[Any], payer: Party, payee: Party) -> Path:
    import datetime as dt

    rem = remittance_for(payments, payer=payer, payee=payee, trace="EFT77", paid_on=dt.date(2026, 6, 1))
    p = tmp_path / "era.835"
    p.write_text(write_835([rem], sender="PAYER", receiver="PRACTICE"), encoding="ascii")
    return p


def test_match_finds_the_claims_and_the_one_without_remittance(tmp_path: Path, remit_lists: KnowledgeBase,
                                                                make_claim: Any, payer: Party, payee: Party) -> None:
    a, b = make_claim("PCN-A"), make_claim("PCN-B")
    era = _generated(tmp_path, [a], [adjudicate(a, "paid")], payer, payee)
    run = invoke("match", str(era), "--claims", str(_claims_file(tmp_path, a, b)), "--no-price", "--json")
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert [m["patient_control_number"] for m in data["matched"]] == ["PCN-A"]
    assert data["matched"][0]["method"] == "patient-control-number"
    assert [c["patient_control_number"] for c in data["unpaid_claims"]] == ["PCN-B"]


def test_report_writes_tables_json_and_chart(tmp_path: Path, remit_lists: KnowledgeBase, samples_835: Path) -> None:
    out = tmp_path / "report"
    run = invoke("report", str(samples_835 / "emedny_sample.txt"), str(samples_835 / "X221-secondary-payments.edi"),
                 "--out", str(out))
    assert run.exit_code == 0, run.output
    names = sorted(p.name for p in out.iterdir())
    assert {"by-carc.csv", "by-category.csv", "by-payer.csv", "report.json", "denials.png"} <= set(names)
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    cats = {r["category"] for r in rep["by_category"]}
    assert "timely-filing" in cats
    assert (out / "denials.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fix_adds_modifier_25_the_note_supports_and_writes_the_837(tmp_path: Path, remit_lists: KnowledgeBase,
                                                                    make_claim: Any, payer: Party, payee: Party) -> None:
    c = make_claim("PCN-FIX")
    c.lines[0].modifiers = []  # 99213 sent without 25 beside the same-day injection and arthrocentesis
    p = adjudicate(c, "paid")
    em = p.lines[0]  # denied CO-97: bundled into the procedure
    em.adjustments = [Adjustment("CO", "97", em.charge)]
    p.paid -= em.paid
    em.paid = Decimal("0")
    era = _generated(tmp_path, [c], [p], payer, payee)
    note = tmp_path / "PCN-FIX.txt"
    note.write_text("Knee pain, aspiration and injection done. Blood pressure was also evaluated and "
                    "the lisinopril dose adjusted.\n", encoding="utf-8")
    out = tmp_path / "fix"
    run = invoke("fix", str(era), "--claims", str(_claims_file(tmp_path, c)), "--out", str(out),
                 "--profile", str(EXAMPLES / "practice-profile.yaml"), "--documentation", str(note), "--json")
    assert run.exit_code == 0, run.output
    (item,) = json.loads(run.output)["claims"]
    assert item["claim"] == "PCN-FIX" and item["denials"] == 1
    (change,) = item["changes"]
    assert (change["kind"], change["line"], change["after"]) == ("add-modifier", 1, "25")
    assert any("also evaluated" in e for e in change["evidence"])
    x12 = (out / "PCN-FIX.corrected.837").read_text(encoding="ascii")
    assert "CLM*PCN-FIX*" in x12 and ":B:7*" in x12  # frequency 7, replacement of the payer's claim
    assert "SV1*HC:99213:25*" in x12
    fixed = json.loads((out / "PCN-FIX.corrected.json").read_text(encoding="utf-8"))
    assert fixed["original_claim_id"] == p.payer_claim_id


def test_fix_drafts_an_appeal_for_a_medical_necessity_denial(tmp_path: Path, remit_lists: KnowledgeBase,
                                                              make_claim: Any, payer: Party, payee: Party) -> None:
    c = make_claim("PCN-APPEAL")
    p = adjudicate(c, "paid")
    inj = p.lines[2]  # 20610 denied CO-50: not deemed a medical necessity
    inj.adjustments = [Adjustment("CO", "50", inj.charge)]
    p.paid -= inj.paid
    inj.paid = Decimal("0")
    era = _generated(tmp_path, [c], [p], payer, payee)
    note = tmp_path / "PCN-APPEAL.txt"
    note.write_text("Right knee effusion limiting walking. Arthrocentesis 20610 performed after failed "
                    "NSAIDs for 6 weeks.\n", encoding="utf-8")
    out = tmp_path / "appeal"
    run = invoke("fix", str(era), "--claims", str(_claims_file(tmp_path, c)), "--out", str(out),
                 "--documentation", str(note))
    assert run.exit_code == 0, run.output
    letter = (out / "PCN-APPEAL.appeal.md").read_text(encoding="utf-8")
    assert "PCN-APPEAL" in letter and "50" in letter and "failed NSAIDs" in letter
    assert (out / "PCN-APPEAL.appeal.pdf").read_bytes()[:5] == b"%PDF-"


def test_bad_835_is_refused_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "cut.835"
    bad.write_text("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260601*1200*^*00501*"
                   "000000001*0*P*:~GS*HP*A*B*20260601*1200*1*X*005010X221A1~ST*835*0001~BPR*I*10*C*CHK", encoding="ascii")
    run = subprocess.run([sys.executable, "-m", "medcoder.cli", "remit", "parse", str(bad)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stderr.startswith("error[") and "cut.835" in run.stderr


@pytest.mark.parametrize("command", ["parse", "explain", "match", "report", "fix"])
def test_every_subcommand_has_help(command: str) -> None:
    run = invoke(command, "--help")
    assert run.exit_code == 0 and "Usage" in run.output
