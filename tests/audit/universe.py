"""An audit universe built from the audit cases (``tests/audit/cases``): what an auditor
receives, in the files an auditor receives (a claim-line CSV extract, a folder with one note per
claim id, a members file), with the right answer known for every claim.

``write_universe(folder, copies=k)`` writes each case ``k`` times (claim ids ``A02-001`` …,
one patient per copy, providers rotated so the E/M mix differs) and returns the expected
findings per claim id. Options add the bad inputs an audit must survive: claims without a note,
a note whose id matches no claim, a row whose amount does not parse. Used by
tests/audit/test_audit_run.py and benchmarks/bench_audit.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).resolve().parent / "cases"
PROVIDERS = ("1245319599", "1679576722", "1093780000")
HEADER = ["claim_id", "line", "patient_id", "provider_id", "date_of_service", "code", "modifiers", "units",
          "charge", "paid", "diagnoses", "pointers", "place_of_service"]


@dataclass
class Universe:
    folder: Path
    claims_csv: Path
    docs: Path
    members: Path
    expected: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # claim id -> expect rows
    needs_fees: set[str] = field(default_factory=set)  # claim ids whose amounts need the MPFS
    without_docs: list[str] = field(default_factory=list)
    orphan_docs: list[str] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)  # claim ids kept out by a bad row

    @property
    def claim_ids(self) -> list[str]:
        return sorted(self.expected)


def cases() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(CASES.glob("*.yaml"))]


def _rows(claim: dict[str, Any], cid: str, patient: str, provider: str) -> list[list[str]]:
    out = []
    dx = ";".join(str(d) for d in claim.get("diagnoses", []))
    for i, ln in enumerate(claim["lines"], start=1):
        out.append([cid, str(i), patient, provider, str(ln.get("date", claim["date_of_service"])), str(ln["code"]),
                    " ".join(str(m) for m in ln.get("modifiers", [])), str(ln.get("units", 1)),
                    str(ln.get("charge", "")), str(ln.get("paid", "")), dx,
                    " ".join(str(p) for p in ln.get("pointers", [1])), str(claim.get("place_of_service", "11"))])
    return out


def write_universe(folder: Path, *, copies: int = 1, without_docs: int = 0, orphan_docs: int = 0,
                   bad_rows: int = 0, skip: tuple[str, ...] = ()) -> Universe:
    """Write the universe into ``folder`` (claims.csv, docs/, members.csv)."""
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    u = Universe(folder, folder / "claims.csv", docs, folder / "members.csv")
    rows: list[list[str]] = []
    members: list[list[str]] = []
    n = 0
    for stem, spec in cases():
        if stem in skip:
            continue
        for k in range(1, copies + 1):
            n += 1
            patient = f"M{n:06d}"
            provider = PROVIDERS[n % len(PROVIDERS)]
            suffix = f"-{k:03d}"
            for h in spec.get("history") or []:  # the earlier claim of a duplicate pair: same patient
                hid = f"{h['claim_id']}{suffix}"
                rows += _rows(h, hid, patient, provider)
                (docs / f"{hid}.txt").write_text(h.get("note", spec["note"]), encoding="utf-8")
                u.expected[hid] = []
            cid = f"{spec['claim']['claim_id']}{suffix}"
            rows += _rows(spec["claim"], cid, patient, provider)
            (docs / f"{cid}.txt").write_text(spec["note"], encoding="utf-8")
            u.expected[cid] = list(spec.get("expect") or [])
            if "fee-schedule" in (spec.get("needs") or []):
                u.needs_fees.add(cid)
            if spec.get("member"):
                m = spec["member"]
                members.append([patient, str(m.get("enrolled_from", "")), str(m.get("enrolled_to", "")),
                                str(m.get("date_of_death", ""))])
    ids = list(u.expected)
    for cid in ids[:without_docs]:  # documentation not produced for these
        (docs / f"{cid}.txt").unlink()
        u.without_docs.append(cid)
    for i in range(orphan_docs):
        name = f"Z{i:04d}"
        (docs / f"{name}.txt").write_text("Established patient. Assessment: hypertension.\n", encoding="utf-8")
        u.orphan_docs.append(name)
    for cid in [c for c in reversed(ids) if c not in u.without_docs][:bad_rows]:
        for r in rows:
            if r[0] == cid:
                r[9] = "12,50O"  # a paid amount that does not parse (letter O)
                break
        u.bad_rows.append(cid)
        del u.expected[cid]
    with u.claims_csv.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    with u.members.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["patient_id", "enrolled_from", "enrolled_to", "date_of_death"])
        w.writerows(members)
    return u
