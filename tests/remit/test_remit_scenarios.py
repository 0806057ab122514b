"""YAML denial scenarios (``scenarios/<category>/*.yaml``), one test each.

Each file holds a ``description`` a coder can read, a ``claim`` (a ClaimPayment in the
``medcoder.remit.serialize`` dict form), optional ``options`` (``include_patient``, ``on``) and
``expect``: the full list of denials, each ``{line, category, action, carc, fixable}`` (plus
``amount`` / ``denied`` where given), compared exactly, in order.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.errors import InputError
from medcoder.remit.denials import ACTIONS, CATEGORIES, classify
from medcoder.remit.model import Adjustment, Party, ProviderAdjustment, Remittance
from medcoder.remit.serialize import (
    adjustment_from_value,
    claim_payment_from_dict,
    remittance_from_dict,
    remittance_to_dict,
)

SCENARIOS = Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIOS.rglob("*.yaml"))
KEYS = ("line", "category", "action", "carc", "fixable")
OPTIONAL = ("amount", "denied")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) <= {"description", "claim", "expect", "options"}, path
    assert isinstance(data.get("description"), str) and data["description"].strip(), path
    assert isinstance(data.get("expect"), list), path
    return data


def _expected(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: item[k] for k in KEYS}
    out["carc"] = str(out["carc"])
    for k in OPTIONAL:
        if k in item:
            out[k] = Decimal(str(item[k])) if k == "amount" else item[k]
    return out


def test_scenarios_are_there() -> None:
    assert len(FILES) >= 25


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SCENARIOS)) for p in FILES])
def test_scenario(path: Path) -> None:
    data = _load(path)
    claim = claim_payment_from_dict(data["claim"], source=str(path))
    opts = data.get("options") or {}
    on = opts.get("on")
    denials = classify(
        claim,
        include_patient=bool(opts.get("include_patient", False)),
        on=on if isinstance(on, _dt.date) else None,
    )
    want = [_expected(e) for e in data["expect"]]
    got = []
    for d, w in zip(denials, want + [{}] * len(denials), strict=False):
        g: dict[str, Any] = {
            "line": d.line,
            "category": d.category,
            "action": d.action,
            "carc": d.carcs[0],
            "fixable": d.fixable,
        }
        for k in OPTIONAL:
            if k in w:
                g[k] = getattr(d, k)
        got.append(g)
    assert got == want
    for d in denials:  # every item explains itself
        assert d.reason and d.reference and d.category_label and d.action_label
        assert d.patient_control_number == claim.patient_control_number


def test_the_scenarios_cover_every_category_and_action() -> None:
    seen_cat: set[str] = set()
    seen_act: set[str] = set()
    for path in FILES:
        for e in _load(path)["expect"]:
            seen_cat.add(e["category"])
            seen_act.add(e["action"])
    assert seen_cat == set(CATEGORIES)
    assert seen_act == set(ACTIONS)


def test_scenario_folders_name_the_category_of_what_they_expect() -> None:
    for path in FILES:
        folder = path.parent.name
        assert folder in CATEGORIES, path
        cats = {e["category"] for e in _load(path)["expect"]}
        # a folder holds its category's cases, and the cases that show it is not reported
        assert not cats or folder in cats, path


# -- the scenario (serialize) format --------------------------------------------------------------

CLAIM = {
    "patient_control_number": "PCN-1",
    "status": 1,
    "charge": 200,
    "paid": "120.50",
    "service_from": _dt.date(2024, 6, 3),
    "lines": [
        {"code": 99213, "modifiers": ["25"], "charge": 200.0, "paid": "$120.50",
         "date_from": "2024-06-03", "adjustments": ["CO-45 50", {"group": "pr", "reason": "002", "amount": "29.50"}],
         "remarks": "M15"},
    ],
}


def test_claim_from_dict_converts_codes_amounts_and_dates() -> None:
    c = claim_payment_from_dict(CLAIM)
    assert (c.status, c.charge, c.paid, c.patient_responsibility) == ("1", Decimal(200), Decimal("120.50"), None)
    (ln,) = c.lines
    assert (ln.code, ln.qualifier, ln.charge, ln.paid, ln.date_from) == (
        "99213", "HC", Decimal("200.0"), Decimal("120.50"), _dt.date(2024, 6, 3))
    assert ln.adjustments == [Adjustment("CO", "45", Decimal(50)), Adjustment("PR", "2", Decimal("29.50"))]
    assert ln.remarks == ["M15"]


def test_short_adjustment_form() -> None:
    assert adjustment_from_value("co-97 1,200.00 2") == Adjustment("CO", "97", Decimal("1200.00"), Decimal(2))
    assert adjustment_from_value("OA-23 -9.00") == Adjustment("OA", "23", Decimal("-9.00"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"charge": "abc"}, "claim.charge: expected an amount such as 120.00, got 'abc'"),
        ({"paid": True}, "claim.paid: expected an amount such as 120.00, got True"),
        ({"service_from": "06/03/2024"}, "claim.service_from: expected an ISO date YYYY-MM-DD, got '06/03/2024'"),
        ({"chrage": 1}, "claim.chrage: unknown field"),
        ({"status": None}, "claim.status: is required"),
        ({"lines": [{"code": "99213", "charge": 1}]}, "claim.lines[0].paid: is required"),
        ({"lines": [{"code": "99213", "charge": 1, "paid": 0, "adjustments": ["CO45 1"]}]},
         "claim.lines[0].adjustments[0]: expected GROUP-CARC AMOUNT such as 'CO-45 20.00', got 'CO45 1'"),
        ({"lines": [{"code": "99213", "charge": 1, "paid": 0,
                     "adjustments": [{"group": "XX", "reason": "45", "amount": 1}]}]},
         "claim.lines[0].adjustments[0].group: 'XX' is not a CAS group code"),
        ({"lines": {"code": "99213"}}, "claim.lines: expected a list of service lines"),
    ],
)
def test_bad_claim_data_names_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as e:
        claim_payment_from_dict({**CLAIM, **change}, source="claims.yaml")
    assert e.value.message.startswith(message)
    assert e.value.where == "claims.yaml"


def test_remittance_round_trips_through_its_dict_form() -> None:
    rem = Remittance(
        control_number="0001", handling="I", total_paid=Decimal("91.80"), credit_debit="C",
        method="ACH", payment_date=_dt.date(2024, 7, 1), trace_number="T1", trace_originator="1999999999",
        payer=Party(name="Example Health Plan", id_qualifier="XV", id="12345", address=["PO Box 100"]),
        payee=Party(name="Riverside Family Medicine", id_qualifier="XX", id="1234567893"),
        claims=[claim_payment_from_dict(CLAIM)],
        provider_adjustments=[ProviderAdjustment("1234567893", _dt.date(2024, 12, 31), "WO", "X1", Decimal("31.40"))],
        source="a.835",
    )
    data = remittance_to_dict(rem)
    assert data["claims"][0]["lines"][0]["adjustments"][0] == {
        "group": "CO", "reason": "45", "amount": "50", "quantity": None}
    back = remittance_from_dict(yaml.safe_load(yaml.safe_dump(data)), source="elsewhere")
    assert back == rem


def test_remittance_needs_payer_payee_and_total() -> None:
    with pytest.raises(InputError, match=r"remittance\.payer: is required"):
        remittance_from_dict({"total_paid": 1, "payee": {"name": "X"}}, source="r.yaml")
    rem = remittance_from_dict({"total_paid": 1, "payer": {"name": "P"}, "payee": {"name": "X"}}, source="r.yaml")
    assert rem.source == "r.yaml" and rem.claims == [] and rem.payment_date is None
