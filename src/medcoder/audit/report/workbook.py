"""The audit workbook's content, assembled once and written in every format (HTML, PDF, CSV/JSON).

    wb = build_workbook(reviews, claims, sample=..., estimate=..., patterns=..., provenance=..., title=...)

What goes in, and the rules it follows:

* **Error rate** = claims in error / claims reviewed. A claim is in error when it was reviewed and
  has at least one finding with a payment direction (``ClaimReview.in_error``); compliance-only
  findings (direction ``none``) are listed but do not make a claim "in error". A claim that could
  not be reviewed (no documentation, unreadable record) is listed with its reason and is never
  counted as correct: it is outside both numerator and denominator (CMS Program Integrity Manual,
  Pub. 100-08, Ch. 3 §3.3.1.1: the contractor reviews the documentation submitted; Ch. 8 §8.4
  for how a sampled unit without documentation enters an extrapolation, which the caller decides
  and records in the provenance's ``unreviewable``).
* **Totals**: overpayment / underpayment / net are the sums of ``ClaimReview.overpayment`` /
  ``underpayment`` over the reviewed claims (what each review concluded), not of the findings'
  amounts, which can overlap on one line. Findings by category sum each finding's ``amount``
  (positive = overpaid, negative = underpaid).
* **Extrapolation** (Pub. 100-08 Ch. 8 §8.4, statistical sampling for overpayment estimation:
  the amount demanded is the lower limit of the confidence interval, not the point estimate) is
  reported as ``medcoder.audit.extrapolate`` gave it; this module does no statistics.
* **E/M patterns** are leads, not findings (Pub. 100-08 Ch. 2, data analysis used to target
  review): they never enter the error rate or the totals.

The dicts it takes are the ``to_dict()`` of other modules; only these keys are relied on, each
optional (a missing dict puts "not done" in its section):

``sample`` (``medcoder.audit.sampling.Sample.to_dict()``)
    ``method`` or ``procedure`` (str), ``seed`` (int), ``N`` or ``frame_size`` (int), ``n`` (int),
    ``frame_sha256`` or ``frame_checksum`` (str), ``strata``: list of ``{N_h|N, n_h|n, bounds}``.
``estimate`` (``medcoder.audit.extrapolate.Estimate.to_dict()`` + ``describe``)
    ``point``, ``lower``, ``upper``, ``se`` (amounts, str/Decimal/number), ``df``, ``t``,
    ``precision``, ``n``, ``N``, ``method``, ``confidence`` (default 0.90), ``describe`` (a
    paragraph in plain words).
``patterns`` (``medcoder.audit.patterns.EmPatterns.to_dict()``)
    either ``rows``: ``[{provider|provider_id, family, code, count, share, peer_share}]``, or
    ``providers``: a list (or a dict by provider id) of ``{provider|provider_id, family, codes}``
    where ``codes`` is a list of ``{code, count, share, peer_share}`` or a dict code → that, or
    parallel dicts ``counts`` / ``shares`` / ``peer_shares`` code → value; and ``leads``: a list
    of strings or of ``{provider|provider_id, family, reason|message|why, ...}``; ``rule`` (str).
``provenance``
    ``medcoder`` or ``version``; ``run`` or ``run_date``; ``releases`` ({kind: release}) or
    ``tables`` (``[{kind, release, ...}]``); ``inputs`` (``[{path, sha256}]``); ``seed``;
    ``problems`` (list of str: inputs that could not be read); any other scalar key is shown as
    an option of the run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medcoder.audit.model import ZERO, AuditClaim, ClaimReview
from medcoder.errors import InputError
from medcoder.fileio import write_atomic as _write_atomic

NOT_DONE = "not done"
NO_FINDINGS = "no findings"
LEAD_NOTE = "lead, not a finding"

#: plain labels for the finding categories of :class:`medcoder.audit.model.Finding`
CATEGORY_LABELS = {
    "em-level": "E/M level not supported",
    "diagnosis-unsupported": "diagnosis not supported",
    "diagnosis-missing": "diagnosis documented, not billed",
    "procedure-undocumented": "procedure not documented",
    "ncci-unbundled": "NCCI unbundled pair",
    "mue-units": "units over the MUE",
    "invalid-code": "invalid code on the date of service",
    "modifier-unsupported": "modifier not supported",
    "duplicate-payment": "duplicate payment",
    "after-death": "service after the date of death",
    "not-enrolled": "patient not enrolled",
}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


# -- values -----------------------------------------------------------------------------------------
def to_decimal(value: Any) -> Decimal | None:
    """An amount from a dict value (Decimal, str, int, float); None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        d = Decimal(str(value).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def money(value: Decimal | None) -> str:
    """``$1,234.50``, ``-$12.00``; an empty string for an unknown amount."""
    if value is None:
        return ""
    q = value.quantize(Decimal("0.01"))
    return f"-${-q:,}" if q < 0 else f"${q:,}"


def percent(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return ""
    return f"{(value * 100).quantize(Decimal(1).scaleb(-places))}%"


def _first(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def _plain(value: Any) -> Any:
    """JSON-safe copy: Decimals and dates as strings, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_plain(v) for v in items]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


# -- rows -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FindingRow:
    claim_id: str
    line: int | None
    category: str
    direction: str
    billed: str
    supported: str
    amount: Decimal
    evidence: tuple[str, ...]
    reference: str
    message: str
    amount_basis: str = ""

    @property
    def label(self) -> str:
        return category_label(self.category)


@dataclass(frozen=True)
class ClaimRow:
    claim_id: str
    provider_id: str
    date_of_service: str
    payer: str
    status: str  # reviewed | not-reviewable
    in_error: bool
    paid: Decimal | None
    overpayment: Decimal
    underpayment: Decimal
    findings: int
    reason: str = ""

    @property
    def net(self) -> Decimal:
        return self.overpayment - self.underpayment


@dataclass(frozen=True)
class CategoryRow:
    category: str
    findings: int
    claims: int
    overpaid: Decimal  # sum of the positive finding amounts
    underpaid: Decimal  # sum of the negative finding amounts, as a positive number

    @property
    def label(self) -> str:
        return category_label(self.category)

    @property
    def dollars(self) -> Decimal:
        """Dollars in question, either way (overpaid + underpaid)."""
        return self.overpaid + self.underpaid


@dataclass(frozen=True)
class PatternRow:
    provider: str
    family: str
    code: str
    count: int
    share: Decimal | None
    peer_share: Decimal | None


@dataclass(frozen=True)
class Lead:
    provider: str
    family: str
    reason: str


@dataclass
class Summary:
    universe: int
    selected: int
    reviewed: int
    not_reviewable: int
    claims_in_error: int
    error_rate: Decimal | None  # None: nothing reviewed
    findings: int
    overpayment: Decimal
    underpayment: Decimal
    sampled: bool

    @property
    def net(self) -> Decimal:
        return self.overpayment - self.underpayment

    @property
    def error_rate_text(self) -> str:
        if self.error_rate is None:
            return "not computed (no claim reviewed)"
        return f"{percent(self.error_rate)} ({self.claims_in_error} of {self.reviewed} reviewed claims)"


@dataclass
class Provenance:
    version: str
    run: str
    releases: dict[str, str]
    inputs: list[dict[str, str]]
    seed: Any
    options: dict[str, Any]
    raw: dict[str, Any]

    def releases_text(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.releases.items()) or "none recorded"

    def footer(self) -> str:
        """One line for a page footer."""
        seed = "" if self.seed is None else f" · seed {self.seed}"
        return f"medcoder {self.version} · run {self.run} · releases: {self.releases_text()}{seed}"


@dataclass
class Workbook:
    title: str
    summary: Summary
    categories: list[CategoryRow]
    findings: list[FindingRow]
    claims: list[ClaimRow]
    not_reviewable: list[ClaimRow]
    provenance: Provenance
    sample: dict[str, Any] | None = None
    estimate: dict[str, Any] | None = None
    patterns: list[PatternRow] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    patterns_done: bool = False
    patterns_rule: str = ""
    problems: list[str] = field(default_factory=list)

    # -- texts shared by every format -------------------------------------------------------------
    def sample_text(self) -> str:
        s = self.sample
        if not s:
            return (f"Census: every selected claim was reviewed ({self.summary.selected} of "
                    f"{self.summary.universe} claims); no sample was drawn.")
        n = _first(s, "n", "sample_size")
        big_n = _first(s, "N", "frame_size", "population")
        method = _first(s, "method", "procedure", "design") or "random sample"
        seed = s.get("seed")
        text = f"{method}: {n if n is not None else self.summary.selected} of "
        text += f"{big_n if big_n is not None else self.summary.universe} claims"
        if seed is not None:
            text += f", seed {seed}"
        chk = _first(s, "frame_sha256", "frame_checksum", "checksum")
        if chk:
            text += f", frame sha256 {chk}"
        return text + "."

    def extrapolation_text(self) -> str:
        e = self.estimate
        if not e:
            return f"Extrapolation: {NOT_DONE} (no statistical sample was drawn)."
        d = e.get("describe")
        if isinstance(d, str) and d.strip():
            return d.strip()
        conf = to_decimal(e.get("confidence")) or Decimal("0.90")
        return (f"Estimated overpayment {money(to_decimal(e.get('point')))}; lower limit of the "
                f"two-sided {percent(conf, 0)} confidence interval {money(to_decimal(e.get('lower')))}.")

    def extrapolation_table(self) -> list[tuple[str, str]]:
        e = self.estimate
        if not e:
            return []
        conf = to_decimal(e.get("confidence")) or Decimal("0.90")
        rows: list[tuple[str, str]] = []
        for key, label, kind in (
            ("method", "Method", "text"), ("N", "Claims in the universe (N)", "text"),
            ("n", "Claims in the sample (n)", "text"), ("point", "Point estimate", "money"),
            ("se", "Standard error", "money"), ("df", "Degrees of freedom", "text"),
            ("t", "t value", "text"),
            ("lower", f"Lower limit ({percent(conf, 0)} two-sided)", "money"),
            ("upper", f"Upper limit ({percent(conf, 0)} two-sided)", "money"),
            ("precision", "Precision (half-width / point)", "percent"),
        ):
            v = e.get(key)
            if v is None:
                continue
            if kind == "money":
                rows.append((label, money(to_decimal(v)) or str(v)))
            elif kind == "percent":
                p = to_decimal(v)
                rows.append((label, percent(p) if p is not None else str(v)))
            else:
                rows.append((label, str(v)))
        return rows

    def summary_rows(self) -> list[tuple[str, str]]:
        s = self.summary
        return [
            ("Claims in the universe", f"{s.universe:,}"),
            ("Claims in the sample" if s.sampled else "Claims selected (census)", f"{s.selected:,}"),
            ("Claims reviewed", f"{s.reviewed:,}"),
            ("Claims not reviewable (not counted as correct)", f"{s.not_reviewable:,}"),
            ("Claims in error", f"{s.claims_in_error:,}"),
            ("Error rate (claims in error / reviewed)", s.error_rate_text),
            ("Findings", f"{s.findings:,}"),
            ("Total overpayment", money(s.overpayment)),
            ("Total underpayment", money(s.underpayment)),
            ("Net (over - under)", money(s.net)),
        ]

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-safe (amounts as strings), as summary.json holds it."""
        s = self.summary
        return _plain({
            "title": self.title,
            "summary": {**asdict(s), "net": s.net, "error_rate_text": s.error_rate_text},
            "findings_by_category": [{**asdict(c), "label": c.label, "dollars": c.dollars}
                                     for c in self.categories],
            "findings": [{**asdict(f), "label": f.label} for f in self.findings],
            "claims": [{**asdict(c), "net": c.net} for c in self.claims],
            "not_reviewable": [{"claim_id": c.claim_id, "reason": c.reason, "paid": c.paid}
                               for c in self.not_reviewable],
            "sample": self.sample if self.sample else NOT_DONE,
            "sample_text": self.sample_text(),
            "extrapolation": ({"text": self.extrapolation_text(), **self.estimate}
                              if self.estimate else NOT_DONE),
            "patterns": ({"rule": self.patterns_rule, "note": LEAD_NOTE,
                          "rows": [asdict(r) for r in self.patterns],
                          "leads": [asdict(x) for x in self.leads]} if self.patterns_done else NOT_DONE),
            "provenance": self.provenance.raw,
            "problems": self.problems,
        })


# -- assembly ---------------------------------------------------------------------------------------
def _provenance(prov: dict[str, Any] | None, sample: dict[str, Any] | None) -> Provenance:
    p = dict(prov or {})
    releases: dict[str, str] = {}
    rel = p.get("releases")
    if isinstance(rel, dict):
        releases = {str(k): str(v) for k, v in rel.items()}
    for t in p.get("tables") or []:
        if isinstance(t, dict) and t.get("kind"):
            kind, release = str(t["kind"]), str(t.get("release") or "?")
            if kind in releases and release not in releases[kind].split(", "):
                releases[kind] += f", {release}"
            else:
                releases.setdefault(kind, release)
    inputs = [{"path": str(i.get("path", "")), "sha256": str(i.get("sha256", ""))}
              for i in (p.get("inputs") or []) if isinstance(i, dict)]
    seed = p.get("seed")
    if seed is None and sample:
        seed = sample.get("seed")
    skip = {"medcoder", "version", "run", "run_date", "releases", "tables", "inputs", "seed", "problems"}
    options = {k: (", ".join(f"{a} {b}" for a, b in v.items()) if isinstance(v, dict) else v)
               for k, v in p.items() if k not in skip and v is not None and not isinstance(v, list | tuple)}
    return Provenance(version=str(_first(p, "medcoder", "version") or "unknown"),
                      run=str(_first(p, "run", "run_date") or "not recorded"),
                      releases=releases, inputs=inputs, seed=seed, options=options, raw=_plain(p))


def _share(v: Any) -> Decimal | None:
    return to_decimal(v)


def _pattern_rows(patterns: dict[str, Any]) -> list[PatternRow]:
    out: list[PatternRow] = []

    def add(provider: Any, family: Any, code: Any, info: Any) -> None:
        if isinstance(info, dict):
            count, share, peer = info.get("count"), info.get("share"), _first(info, "peer_share", "peers")
        else:
            count, share, peer = info, None, None
        c = to_decimal(count)
        out.append(PatternRow(str(provider), str(family or ""), str(code), int(c) if c is not None else 0,
                              _share(share), _share(peer)))

    rows = patterns.get("rows")
    if isinstance(rows, list):
        for r in rows:
            if isinstance(r, dict) and r.get("code") is not None:
                add(_first(r, "provider", "provider_id"), r.get("family"), r["code"], r)
        return out
    providers = patterns.get("providers")
    items: list[tuple[Any, Any]] = []
    if isinstance(providers, dict):
        items = [(k, v) for k, v in providers.items()]
    elif isinstance(providers, list):
        items = [(_first(v, "provider", "provider_id") if isinstance(v, dict) else None, v) for v in providers]
    for pid, entry in items:
        if not isinstance(entry, dict):
            continue
        fams = entry.get("families")
        groups = ([{**v, "family": k} for k, v in fams.items() if isinstance(v, dict)]
                  if isinstance(fams, dict) else [entry])
        for g in groups:
            codes = g.get("codes")
            if isinstance(codes, list):
                for c in codes:
                    if isinstance(c, dict) and c.get("code") is not None:
                        add(pid, g.get("family"), c["code"], c)
            elif isinstance(codes, dict):
                for code, info in codes.items():
                    add(pid, g.get("family"), code, info)
            else:
                counts = g.get("counts") or {}
                shares = g.get("shares") or {}
                peers = g.get("peer_shares") or {}
                for code in sorted(set(counts) | set(shares) | set(peers)):
                    add(pid, g.get("family"), code, {"count": counts.get(code, 0), "share": shares.get(code),
                                                     "peer_share": peers.get(code)})
    return out


def _leads(patterns: dict[str, Any]) -> list[Lead]:
    out = []
    for x in patterns.get("leads") or []:
        if isinstance(x, dict):
            reason = _first(x, "reason", "message", "why", "text", "describe") or ""
            out.append(Lead(str(_first(x, "provider", "provider_id") or ""), str(x.get("family") or ""),
                            str(reason)))
        else:
            out.append(Lead("", "", str(x)))
    return out


def build_workbook(
    reviews: list[ClaimReview],
    claims: dict[str, AuditClaim],
    *,
    sample: dict[str, Any] | None = None,
    estimate: dict[str, Any] | None = None,
    patterns: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    title: str = "Claims audit",
) -> Workbook:
    """Assemble the workbook from the reviews (one per selected claim), the universe of billed
    claims by id, and the other modules' ``to_dict()`` (see the module docstring)."""
    seen: set[str] = set()
    for r in reviews:
        if r.claim_id in seen:
            raise InputError(f"claim {r.claim_id!r} was reviewed twice", where="reviews")
        seen.add(r.claim_id)
        if r.status not in ("reviewed", "not-reviewable"):
            raise InputError(f"claim {r.claim_id!r}: status {r.status!r}, expected reviewed or not-reviewable",
                             where="reviews")
    ordered = sorted(reviews, key=lambda r: r.claim_id)
    claim_rows: list[ClaimRow] = []
    findings: list[FindingRow] = []
    for r in ordered:
        c = claims.get(r.claim_id)
        paid = r.paid if r.paid is not None else (c.paid if c is not None else None)
        reviewed = r.status == "reviewed"
        claim_rows.append(ClaimRow(
            claim_id=r.claim_id, provider_id=c.provider_id if c else "",
            date_of_service=c.date_of_service.isoformat() if c else "", payer=(c.payer or "") if c else "",
            status=r.status, in_error=r.in_error, paid=paid,
            overpayment=r.overpayment if reviewed else ZERO, underpayment=r.underpayment if reviewed else ZERO,
            findings=len(r.findings) if reviewed else 0, reason="" if reviewed else (r.reason or "not given")))
        if not reviewed:
            continue
        for f in sorted(r.findings, key=lambda f: (f.line if f.line is not None else 0, f.category, f.billed)):
            findings.append(FindingRow(claim_id=f.claim_id or r.claim_id, line=f.line, category=f.category,
                                       direction=f.direction, billed=f.billed, supported=f.supported,
                                       amount=f.amount, evidence=tuple(f.evidence), reference=f.reference,
                                       message=f.message, amount_basis=f.amount_basis))
    reviewed_rows = [c for c in claim_rows if c.status == "reviewed"]
    not_rev = [c for c in claim_rows if c.status != "reviewed"]
    errors = sum(1 for c in reviewed_rows if c.in_error)
    summary = Summary(
        universe=max(len(claims), len(claim_rows)), selected=len(claim_rows), reviewed=len(reviewed_rows),
        not_reviewable=len(not_rev), claims_in_error=errors,
        error_rate=(Decimal(errors) / Decimal(len(reviewed_rows))).quantize(Decimal("0.0001"))
        if reviewed_rows else None,
        findings=len(findings), overpayment=sum((c.overpayment for c in reviewed_rows), ZERO),
        underpayment=sum((c.underpayment for c in reviewed_rows), ZERO), sampled=bool(sample))
    counts = Counter(f.category for f in findings)
    cats = []
    for cat in counts:
        fs = [f for f in findings if f.category == cat]
        cats.append(CategoryRow(cat, len(fs), len({f.claim_id for f in fs}),
                                sum((f.amount for f in fs if f.amount > 0), ZERO),
                                -sum((f.amount for f in fs if f.amount < 0), ZERO)))
    cats.sort(key=lambda c: (-c.dollars, -c.findings, c.category))
    pats = dict(patterns) if patterns else None
    prov = dict(provenance or {})
    problems = [str(p) for p in (prov.get("problems") or [])]
    return Workbook(
        title=title, summary=summary, categories=cats, findings=findings, claims=claim_rows,
        not_reviewable=not_rev, provenance=_provenance(prov, sample), sample=dict(sample) if sample else None,
        estimate=dict(estimate) if estimate else None,
        patterns=_pattern_rows(pats) if pats else [], leads=_leads(pats) if pats else [],
        patterns_done=pats is not None, patterns_rule=str(pats.get("rule") or "") if pats else "",
        problems=problems)


# -- writing ----------------------------------------------------------------------------------------
def check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise InputError("the folder does not exist", where=path.parent)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` over ``path`` atomically (``medcoder.fileio``), in a folder that exists."""
    path = Path(path)
    check_folder(path)
    return _write_atomic(path, data)


__all__ = [
    "CATEGORY_LABELS", "LEAD_NOTE", "NOT_DONE", "NO_FINDINGS", "CategoryRow", "ClaimRow", "FindingRow",
    "Lead", "PatternRow", "Provenance", "Summary", "Workbook", "build_workbook", "category_label", "money",
    "percent", "to_decimal", "write_atomic",
]
