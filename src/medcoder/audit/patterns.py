"""E/M level distribution per provider against its peers: leads for review, never findings.

CMS Program Integrity Manual (Pub. 100-08) Ch. 2 (data analysis to target medical review)
uses comparative billing data of this kind to choose whom to review; an unusual distribution is
a reason to look at the records, not evidence that any claim is wrong.

Families (E/M code ranges, CPT numbers only, with medcoder's own short labels; lowest level first):

    office-new            99202-99205   office visits, new patient
    office-established    99211-99215   office visits, established patient
    hospital-initial      99221-99223   hospital stay, first day
    hospital-subsequent   99231-99233   hospital stay, later days
    emergency             99281-99285   emergency department

The rule (one rule, ``RULE``), per family:

* a provider's **high-level share** is the share of its visits in the family billed at the
  top two levels (99204-99205, 99214-99215, 99222-99223, 99232-99233, 99284-99285);
* providers with at least ``min_volume`` (10) visits in the family are *eligible*; for each
  eligible provider the peers are the **other** eligible providers of the family (leave one
  out), and the peer mean and sample standard deviation (n - 1) of their high-level shares are
  computed;
* a provider is a **lead** when its high-level share is more than ``z`` (2) standard deviations
  above the peer mean, with at least ``min_peers`` (5) peers; with fewer peers, or peers all
  at one share (standard deviation 0), it is "not assessed", never a lead.

The reported peer distribution per code (``peer_share``) pools the visits of all other
providers in the data set for the family (every volume), as comparative billing reports do.
Codes outside the families are counted in ``ignored`` and otherwise left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from medcoder.errors import InputError

FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "office-new": ("Office/outpatient, new patient", ("99202", "99203", "99204", "99205")),
    "office-established": ("Office/outpatient, established patient",
                           ("99211", "99212", "99213", "99214", "99215")),
    "hospital-initial": ("Hospital inpatient/observation, initial", ("99221", "99222", "99223")),
    "hospital-subsequent": ("Hospital inpatient/observation, subsequent",
                            ("99231", "99232", "99233")),
    "emergency": ("Emergency department", ("99281", "99282", "99283", "99284", "99285")),
}
FAMILY_OF: dict[str, str] = {c: fam for fam, (_, codes) in FAMILIES.items() for c in codes}
LEAD_NOTE = "lead, not a finding: a pattern to review against the records, not an error"
RULE = ("share of visits at the top two levels of the family more than {z:g} standard deviations "
        "above the mean of the other providers with at least {min_volume} visits in the family "
        "(at least {min_peers} such peers; a provider needs {min_volume} visits itself)")

_CODE = re.compile(r"^\s*(\d{5})(?:\s*[-: ]\s*[0-9A-Za-z]{2})*\s*$")
_SHARE = Decimal("0.0001")


def _share(num: int, den: int) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(_SHARE, rounding=ROUND_HALF_UP) if den else Decimal(0)


def _norm_code(code: Any) -> str | None:
    """``99214``, ``99214-25`` or ``99214:25 59`` -> ``99214``; anything else -> None."""
    if not isinstance(code, str):
        return None
    m = _CODE.match(code)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Assessment:
    """One provider in one family, and whether it is a lead."""

    provider: str
    family: str
    visits: int
    high_share: Decimal
    peers: int
    peer_mean: Decimal | None
    peer_sd: Decimal | None
    z: float | None
    status: str  # lead | within range | not assessed
    reason: str

    @property
    def lead(self) -> bool:
        return self.status == "lead"

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "family": self.family, "visits": self.visits,
                "high_share": str(self.high_share), "peers": self.peers,
                "peer_mean": None if self.peer_mean is None else str(self.peer_mean),
                "peer_sd": None if self.peer_sd is None else str(self.peer_sd),
                "z": None if self.z is None else round(self.z, 3), "status": self.status,
                "lead": self.lead, "reason": self.reason}


@dataclass(frozen=True)
class EmPatterns:
    counts: dict[str, dict[str, Counter[str]]]  # family -> provider -> code -> visits
    assessments: tuple[Assessment, ...]
    min_volume: int
    min_peers: int
    z: float
    ignored: int  # claims whose code is in no family
    rule: str = field(default="")

    @property
    def leads(self) -> list[Assessment]:
        return [a for a in self.assessments if a.lead]

    def rows(self) -> list[dict[str, Any]]:
        """One row per provider, family and code: count, share, peer share (all other providers
        of the family pooled), for a table or a chart."""
        out: list[dict[str, Any]] = []
        for fam, (_, codes) in FAMILIES.items():
            by_provider = self.counts.get(fam)
            if not by_provider:
                continue
            family_total: Counter[str] = Counter()
            for c in by_provider.values():
                family_total.update(c)
            grand = sum(family_total.values())
            for provider in sorted(by_provider):
                own = by_provider[provider]
                own_total = sum(own.values())
                peer_total = grand - own_total
                for code in codes:
                    out.append({
                        "provider": provider, "family": fam, "code": code,
                        "count": own.get(code, 0), "share": str(_share(own.get(code, 0), own_total)),
                        "peer_count": family_total.get(code, 0) - own.get(code, 0),
                        "peer_share": (str(_share(family_total.get(code, 0) - own.get(code, 0),
                                                  peer_total)) if peer_total else None),
                    })
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "note": LEAD_NOTE,
            "min_volume": self.min_volume,
            "min_peers": self.min_peers,
            "z": self.z,
            "families": {k: {"label": v[0], "codes": list(v[1]), "high_levels": list(v[1][-2:])}
                         for k, v in FAMILIES.items()},
            "ignored": self.ignored,
            "rows": self.rows(),
            "assessments": [a.to_dict() for a in self.assessments],
            "leads": [a.to_dict() for a in self.leads],
        }


def _mean_sd(xs: list[float]) -> tuple[float, float]:
    m = math.fsum(xs) / len(xs)
    if len(xs) < 2:
        return m, 0.0
    return m, math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def em_distribution(
    claims: Iterable[tuple[str, str]],
    *,
    min_volume: int = 10,
    min_peers: int = 5,
    z: float = 2.0,
) -> EmPatterns:
    """Count E/M levels per provider and family from (provider id, code) pairs (one per visit
    billed) and flag leads by ``RULE``."""
    if min_volume < 1 or min_peers < 2 or not z > 0:
        raise InputError("min_volume >= 1, min_peers >= 2 and z > 0 are required", where="options")
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    ignored = 0
    for k, item in enumerate(claims, 1):
        try:
            provider, code = item
        except (TypeError, ValueError):
            raise InputError(f"item {k}: expected (provider id, code), not {item!r}",
                             where="claims") from None
        if not isinstance(provider, str) or not provider.strip():
            raise InputError(f"item {k}: the provider id must be a non-empty string", where="claims")
        c = _norm_code(code)
        fam = FAMILY_OF.get(c) if c else None
        if fam is None or c is None:
            ignored += 1
            continue
        counts[fam][provider.strip()][c] += 1
    assessments: list[Assessment] = []
    for fam, (_, codes) in FAMILIES.items():
        by_provider = counts.get(fam)
        if not by_provider:
            continue
        high = set(codes[-2:])
        shares: dict[str, tuple[int, float]] = {}
        for p, per_code in by_provider.items():
            total = sum(per_code.values())
            shares[p] = (total, sum(v for code, v in per_code.items() if code in high) / total)
        eligible = {p for p, (total, _) in shares.items() if total >= min_volume}
        for p in sorted(by_provider):
            total, share = shares[p]
            hs = _share(round(share * total), total)
            if p not in eligible:
                assessments.append(Assessment(p, fam, total, hs, 0, None, None, None, "not assessed",
                                              f"{total} visit(s) in the family, fewer than "
                                              f"{min_volume}"))
                continue
            peer = [shares[q][1] for q in sorted(eligible) if q != p]
            if len(peer) < min_peers:
                assessments.append(Assessment(p, fam, total, hs, len(peer), None, None, None,
                                              "not assessed", f"{len(peer)} peer(s) with at least "
                                              f"{min_volume} visits, fewer than {min_peers}"))
                continue
            m, sd = _mean_sd(peer)
            pm = Decimal(repr(m)).quantize(_SHARE, rounding=ROUND_HALF_UP)
            psd = Decimal(repr(sd)).quantize(_SHARE, rounding=ROUND_HALF_UP)
            if sd == 0:
                assessments.append(Assessment(p, fam, total, hs, len(peer), pm, psd, None,
                                              "not assessed", "the peers all have the same share"))
                continue
            zz = (share - m) / sd
            top = "/".join(codes[-2:])
            if zz > z:
                reason = (f"{hs * 100:.1f}% of {total} {fam} visits at {top} vs. a peer mean of "
                          f"{pm * 100:.1f}% (SD {psd * 100:.1f}%, {len(peer)} peers): {zz:.2f} SD "
                          f"above; {LEAD_NOTE}")
                status = "lead"
            else:
                reason = f"{zz:.2f} SD from the peer mean, within {z:g} SD"
                status = "within range"
            assessments.append(Assessment(p, fam, total, hs, len(peer), pm, psd, zz, status, reason))
    plain = {fam: dict(v) for fam, v in counts.items()}
    return EmPatterns(plain, tuple(assessments), min_volume, min_peers, z, ignored,
                      RULE.format(z=z, min_volume=min_volume, min_peers=min_peers))
