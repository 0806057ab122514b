"""E/M level patterns per provider (medcoder.audit.patterns): the documented rule, its minimum
volumes, and the output the workbook reads. Code numbers only; no descriptors."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from medcoder.audit.patterns import FAMILIES, LEAD_NOTE, em_distribution
from medcoder.audit.report.workbook import build_workbook
from medcoder.audit.stats import chi2_sf
from medcoder.errors import InputError


def _visits(provider: str, **codes: int) -> list[tuple[str, str]]:
    """_visits("P1", c99213=12, c99214=8) -> 20 (provider, code) pairs."""
    return [(provider, code[1:]) for code, k in codes.items() for _ in range(k)]


# Seven peers with 20 established-patient visits each; high-level (99214/99215) counts
# 6, 7, 8, 8, 9, 10, 8 -> shares .30 .35 .40 .40 .45 .50 .40 (mean .40, SD sqrt(.025/6)).
PEER_HIGH = [6, 7, 8, 8, 9, 10, 8]


def _office() -> list[tuple[str, str]]:
    claims: list[tuple[str, str]] = []
    for k, high in enumerate(PEER_HIGH, 1):
        claims += _visits(f"P{k}", c99213=20 - high, c99214=high)
    claims += _visits("P0", c99213=2, c99214=6, c99215=12)  # 18 of 20 high = 90%
    return claims


def test_a_provider_far_above_its_peers_is_a_lead_and_said_to_be_no_finding() -> None:
    pats = em_distribution(_office())
    [lead] = pats.leads
    assert (lead.provider, lead.family, lead.visits) == ("P0", "office-established", 20)
    assert lead.high_share == Decimal("0.9000")
    assert lead.peers == 7
    sd = math.sqrt(0.025 / 6)
    assert lead.peer_mean == Decimal("0.4000") and lead.peer_sd == Decimal(f"{sd:.4f}")
    assert lead.z == pytest.approx((0.9 - 0.4) / sd)
    assert "lead, not a finding" in lead.reason and "99214/99215" in lead.reason
    others = [a for a in pats.assessments if a.provider != "P0"]
    assert others and all(a.status == "within range" for a in others)


def test_the_threshold_is_two_peer_standard_deviations() -> None:
    # P0 at exactly 50%: (0.5 - 0.4) / 0.06455 = 1.55 SD -> within range; at 55%: 2.32 SD -> lead
    base = [c for c in _office() if c[0] != "P0"]
    at_50 = em_distribution(base + _visits("P0", c99213=10, c99214=10))
    assert next(a for a in at_50.assessments if a.provider == "P0").status == "within range"
    at_55 = em_distribution(base + _visits("P0", c99213=9, c99214=11))
    p0 = next(a for a in at_55.assessments if a.provider == "P0")
    assert p0.status == "lead" and p0.z == pytest.approx(0.15 / math.sqrt(0.025 / 6))
    # a stricter rule flags nobody
    assert em_distribution(base + _visits("P0", c99213=9, c99214=11), z=3.0).leads == []


def test_low_volume_providers_are_not_assessed_and_are_not_peers() -> None:
    claims = _office() + _visits("P9", c99215=9)  # 9 visits, all at the top level
    pats = em_distribution(claims)
    p9 = next(a for a in pats.assessments if a.provider == "P9")
    assert p9.status == "not assessed" and not p9.lead and "fewer than 10" in p9.reason
    p0 = next(a for a in pats.assessments if a.provider == "P0")
    assert p0.peers == 7  # P9 is not a peer; P0 is not its own peer
    # with the floor at 9, P9 is assessed (2.88 SD: a lead) and, as a peer, widens P0's peer
    # spread enough that P0 (1.93 SD) is no longer one
    assert [a.provider for a in em_distribution(claims, min_volume=9).leads] == ["P9"]


def test_too_few_peers_or_no_peer_spread_means_not_assessed() -> None:
    few = [c for c in _office() if c[0] in {"P0", "P1", "P2", "P3"}]
    assert all(a.status == "not assessed" and "fewer than 5" in a.reason
               for a in em_distribution(few).assessments)
    same: list[tuple[str, str]] = []
    for k in range(1, 7):
        same += _visits(f"S{k}", c99213=10, c99214=10)
    same += _visits("S0", c99215=20)
    s0 = next(a for a in em_distribution(same).assessments if a.provider == "S0")
    assert s0.status == "not assessed" and "same share" in s0.reason


def test_families_are_kept_apart_and_other_codes_ignored() -> None:
    claims = _office() + _visits("P0", c99284=3, c99285=1) + [("P1", "99214-25"), ("P1", "J1885"),
                                                                ("P2", "99999"), ("P2", "G0439")]
    pats = em_distribution(claims)
    assert pats.ignored == 3
    assert pats.counts["office-established"]["P1"]["99214"] == PEER_HIGH[0] + 1
    assert pats.counts["emergency"]["P0"] == {"99284": 3, "99285": 1}
    ed = [a for a in pats.assessments if a.family == "emergency"]
    assert [(a.provider, a.status) for a in ed] == [("P0", "not assessed")]


def test_rows_give_each_code_share_against_the_pooled_other_providers() -> None:
    pats = em_distribution(_office())
    rows = [r for r in pats.rows() if r["family"] == "office-established"]
    codes = FAMILIES["office-established"][1]
    assert len(rows) == 8 * len(codes)
    p0 = {r["code"]: r for r in rows if r["provider"] == "P0"}
    assert p0["99215"]["count"] == 12 and p0["99215"]["share"] == "0.6000"
    # peers pooled: 140 visits, 56 at 99214, none at 99215
    assert p0["99214"]["peer_count"] == 56 and p0["99214"]["peer_share"] == "0.4000"
    assert p0["99215"]["peer_share"] == "0.0000"
    for provider in {r["provider"] for r in rows}:
        assert sum(Decimal(r["share"]) for r in rows if r["provider"] == provider) == 1


def test_to_dict_feeds_the_workbook() -> None:
    d = em_distribution(_office()).to_dict()
    assert d["note"] == LEAD_NOTE and "2 standard deviations" in d["rule"]
    assert d["min_volume"] == 10 and d["families"]["emergency"]["high_levels"] == ["99284", "99285"]
    assert [x["provider"] for x in d["leads"]] == ["P0"]
    wb = build_workbook([], {}, patterns=d)
    assert wb.patterns_done and wb.patterns_rule == d["rule"]
    assert len(wb.patterns) == len(d["rows"])
    assert [(x.provider, x.family) for x in wb.leads] == [("P0", "office-established")]
    assert "lead, not a finding" in wb.leads[0].reason


def test_bad_input() -> None:
    with pytest.raises(InputError, match="expected"):
        em_distribution([("P1", "99213", "extra")])  # type: ignore[list-item]
    with pytest.raises(InputError, match="provider id"):
        em_distribution([("", "99213")])
    with pytest.raises(InputError, match="min_volume"):
        em_distribution([], min_peers=1)
    assert em_distribution([]).to_dict()["rows"] == []


@pytest.mark.parametrize(
    ("x", "k", "p"),
    [(3.841459, 1, 0.05), (5.991465, 2, 0.05), (9.487729, 4, 0.05), (18.307038, 10, 0.05),
     (6.634897, 1, 0.01), (43.772972, 30, 0.05), (2.705543, 1, 0.10)],
)
def test_chi_square_survival_matches_published_tables(x: float, k: int, p: float) -> None:
    # chi2_sf is in stats for a goodness-of-fit alternative; upper-tail table values
    assert chi2_sf(x, k) == pytest.approx(p, abs=2e-7)


def test_chi_square_survival_exact_cases() -> None:
    for x in (0.1, 1.0, 7.5, 40.0):
        assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-12)  # k = 2: e^(-x/2)
    assert chi2_sf(0.0, 3) == 1.0
