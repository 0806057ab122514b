"""The finding families one by one, on claims built here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcoder.audit.checks import CheckContext, eligibility, modifiers, mue, ncci
from medcoder.audit.review import Reviewer
from medcoder.codesets.kb import KnowledgeBase


def _claim(build: Any, lines: list[dict[str, Any]], dos: str = "2026-08-12", **kw: Any) -> Any:
    return build.claim({"claim_id": "K1", "date_of_service": dos, "diagnoses": ["M17.11"], "lines": lines, **kw})


def test_outside_enrolment(build: Any, audit_kb: KnowledgeBase) -> None:
    c = _claim(build, [{"code": "20610", "paid": "60.00"}])
    m = build.member("P1", {"enrolled_from": "2026-09-01"})
    (f,) = eligibility.check(c, None, CheckContext(kb=audit_kb, member=m))
    assert (f.category, f.line, f.amount) == ("not-enrolled", 1, Decimal("60.00"))
    assert "42 CFR 424.5" in f.reference
    inside = build.member("P1", {"enrolled_from": "2026-01-01", "date_of_death": "2026-12-01"})
    assert eligibility.check(c, None, CheckContext(kb=audit_kb, member=inside)) == []


def test_mue_table_not_loaded_gives_no_finding_and_says_so(build: Any, kb: KnowledgeBase) -> None:
    c = _claim(build, [{"code": "96372", "units": 9, "paid": "90.00"}])
    ctx = CheckContext(kb=kb)
    assert mue.check(c, None, ctx) == []
    assert "mue-practitioner" in ctx.missing


def test_mue_line_edit_and_denied_lines(build: Any, audit_kb: KnowledgeBase) -> None:
    c = _claim(build, [{"code": "A4253", "units": 3, "paid": "30.00"}, {"code": "36415", "units": 3, "paid": "0"}])
    (f,) = mue.check(c, None, CheckContext(kb=audit_kb))  # the unpaid line has nothing to recover
    assert (f.line, f.billed, f.supported, f.amount) == (1, "A4253 x 3", "A4253 x 2", Decimal("10.00"))
    assert "MAI 1" in f.reference


def test_ncci_bypass_and_deleted_edit(build: Any, audit_kb: KnowledgeBase) -> None:
    bypassed = _claim(build, [{"code": "11042", "paid": "100"}, {"code": "97597", "modifiers": ["XS"], "paid": "50"}])
    ctx = CheckContext(kb=audit_kb)
    assert ncci.check(bypassed, None, ctx) == []
    (pr,) = ctx.ptp_pairs(bypassed)
    assert (pr.column1_line, pr.column2_line, pr.bypass) == (1, 2, "XS")
    # 12002/12001 was deleted on 2022-12-31: not applied in 2026
    assert ncci.check(_claim(build, [{"code": "12002"}, {"code": "12001"}]), None, CheckContext(kb=audit_kb)) == []
    (f,) = ncci.check(_claim(build, [{"code": "12002"}, {"code": "12001"}], dos="2022-06-01"), None,
                      CheckContext(kb=audit_kb))
    assert f.category == "ncci-unbundled" and f.line == 2 and f.amount == 0
    assert f.amount_basis.startswith("not quantified")


def test_59_with_a_separate_site_documented_is_supported(build: Any, audit_kb: KnowledgeBase) -> None:
    note = ("Assessment: laceration of right forearm without foreign body and of the face.\n"
            "Procedure: simple repair of a 2 cm laceration of the right forearm and, at a separate site, "
            "simple repair of a 1 cm laceration of the face.")
    c = _claim(build, [{"code": "12001", "modifiers": ["59"], "paid": "70.00"}], dos="2022-06-01")
    r = Reviewer(audit_kb).review([c], {"K1": build.doc("K1", note)})[0]
    assert not [f for f in r.findings if f.category == "modifier-unsupported"]
    bare = build.doc("K1", "Procedure: simple repair of a 2 cm laceration of the right forearm.")
    r2 = Reviewer(audit_kb).review([c], {"K1": bare})[0]
    (f,) = [f for f in r2.findings if f.category == "modifier-unsupported"]
    assert f.direction == "none" and f.amount == 0  # no NCCI edit was bypassed: compliance only
    assert modifiers.REF_X in f.reference
