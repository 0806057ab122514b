"""Classify denied and reduced 835 claim lines into root causes, with the action a billing office takes.

The mapping is data (``rules.yaml`` beside this module): a rule maps CARCs (835 CAS02/05/…,
X12 Claim Adjustment Reason Codes), optionally narrowed by the CAS01 group code, the RARC remarks
(LQ*HE on the line, MOA/MIA on the claim), the line's modifiers or a crossover (NM1*TT), to a
root-cause category, an action, whether the money is recoverable, a plain reason and a
reference. Rules carry an effective date range.

:func:`classify` looks at each service line (loop 2110), and at the claim-level CAS of a denied
claim (CLP02 4) or of a claim without lines:

- adjustments whose rule is ``contractual`` (CO-45 fee schedule, CO-253 sequestration …) or
  ``patient-responsibility`` (PR-1/2/3 deductible, coinsurance, co-payment) are not denials: a
  fully paid line with only those yields nothing (patient shares come back only with
  ``include_patient=True``, one extra item per line, ``denied=False``);
- any other adjustment makes the line a denial (paid 0) or a reduction (paid > 0): one
  :class:`~medcoder.remit.model.Denial` whose deciding CARC is the adjustment with the largest
  amount (ties: the category order of :data:`CATEGORIES`), amount the sum of those adjustments;
- a line paid 0 with only contractual adjustments (a capitated service, CO-24) is reported as
  ``contractual``, to be written off;
- a reversal (CLP02 22) is not a denial: nothing is returned.

Rules are compiled once into a dict keyed by (CARC, group); a lookup scans the few rules of that key.
"""

from __future__ import annotations

import datetime as _dt
import functools
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from medcoder.codesets.carc_rarc.layout import LISTS
from medcoder.errors import InputError

from ..model import ZERO, Adjustment, ClaimPayment, Denial

#: root-cause categories, in tie-break order (first wins when two adjustments weigh the same)
CATEGORIES: dict[str, str] = {
    "eligibility": "Eligibility / coverage",
    "timely-filing": "Timely filing",
    "duplicate": "Duplicate claim or service",
    "authorization": "Authorization / referral",
    "missing-info": "Missing / invalid information",
    "modifier": "Modifier",
    "coding-bundling": "Coding / bundling (NCCI)",
    "medical-necessity": "Medical necessity",
    "non-covered": "Non-covered service",
    "other": "Other",
    "contractual": "Contractual adjustment",
    "patient-responsibility": "Patient responsibility",
}

#: categories that are not denials (see the module docstring)
NOT_DENIALS = frozenset({"contractual", "patient-responsibility"})

ACTIONS: dict[str, str] = {
    "corrected-claim": "Correct the claim and resubmit it",
    "appeal": "Appeal with the supporting documentation",
    "bill-secondary": "Bill the other payer (secondary or responsible payer)",
    "bill-patient": "Bill the patient",
    "write-off": "Write it off",
    "review": "Review the claim before acting",
}

GROUPS = ("CO", "CR", "OA", "PI", "PR")
TEMPLATE_FIELDS = frozenset({"group", "carc", "where", "code", "amount", "rarcs"})
_RULE_KEYS = frozenset(
    {"id", "carcs", "groups", "rarcs", "modifiers", "crossover", "category", "action", "fixable",
     "reason", "reference", "effective"}
)
_PRIORITY = {c: i for i, c in enumerate(CATEGORIES)}
_CARC_LIST = LISTS["carc"]
_RARC_LIST = LISTS["rarc"]
_FAR_PAST = _dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Rule:
    """One mapping: CARCs (+ conditions) → category, action, fixable, reason, reference."""

    id: str
    carcs: frozenset[str]
    category: str
    action: str
    fixable: bool
    reason: str  # a str.format template over TEMPLATE_FIELDS
    reference: str
    groups: frozenset[str] | None = None
    rarcs: frozenset[str] | None = None
    modifiers: frozenset[str] | None = None
    crossover: bool | None = None
    start: _dt.date = _FAR_PAST
    end: _dt.date | None = None
    order: int = 0

    @property
    def specificity(self) -> int:
        return sum(
            x is not None for x in (self.groups, self.rarcs, self.modifiers, self.crossover)
        )

    def applies(
        self, rarcs: frozenset[str], modifiers: frozenset[str], crossover: bool, on: _dt.date
    ) -> bool:
        if on < self.start or (self.end is not None and on > self.end):
            return False
        if self.rarcs is not None and self.rarcs.isdisjoint(rarcs):
            return False
        if self.modifiers is not None and self.modifiers.isdisjoint(modifiers):
            return False
        return self.crossover is None or self.crossover == crossover


UNMAPPED = Rule(
    id="unmapped",
    carcs=frozenset(),
    category="other",
    action="review",
    fixable=False,
    reason=(
        "{group}-{carc} on {where}: this reason code is not mapped to a root cause; read the "
        "CARC and remark wording (remarks {rarcs}) and decide."
    ),
    reference="X12 Claim Adjustment Reason Code list (x12.org/codes/claim-adjustment-reason-codes)",
)


class RuleSet:
    """The compiled rules: ``(CARC, group) → rules``, most specific first."""

    def __init__(self, rules: Iterable[Rule], *, source: str = "") -> None:
        self.rules = tuple(rules)
        self.source = source
        index: dict[tuple[str, str], list[Rule]] = {}
        for r in self.rules:
            for carc in r.carcs:
                for g in r.groups or GROUPS:
                    index.setdefault((carc, g), []).append(r)
        self._index = {
            k: tuple(sorted(v, key=lambda r: (-r.specificity, r.order))) for k, v in index.items()
        }

    def match(
        self,
        carc: str,
        group: str,
        *,
        rarcs: frozenset[str] = frozenset(),
        modifiers: frozenset[str] = frozenset(),
        crossover: bool = False,
        on: _dt.date | None = None,
    ) -> Rule:
        """The rule deciding one adjustment (:data:`UNMAPPED` when none applies)."""
        d = on or _dt.date.today()
        for r in self._index.get((carc, group), ()):
            if r.applies(rarcs, modifiers, crossover, d):
                return r
        return UNMAPPED


# -- loading ------------------------------------------------------------------------------------


def load_rules(path: Path | str | None = None) -> RuleSet:
    """Read and validate a rules file (the packaged ``rules.yaml`` when ``path`` is None).

    A rule naming an unknown category or action, a malformed CARC/RARC/group, a template field
    that does not exist, or an empty date range raises InputError naming the rule.
    """
    import yaml

    if path is None:
        text = resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8")
        where = "medcoder/remit/denials/rules.yaml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the denial rules: {exc.strerror}", where=path) from None
        where = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", where=where) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise InputError("expected a mapping with a `rules:` list", where=where)
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["rules"]):
        rule = _rule(raw, i, where)
        if rule.id in seen:
            raise InputError(f"rule {rule.id!r}: the id is used twice", where=where)
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(rules, source=where)


@functools.lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The packaged rules, loaded and compiled once per process."""
    return load_rules()


def _rule(raw: Any, i: int, where: str) -> Rule:
    name = f"rule #{i + 1}"
    if not isinstance(raw, Mapping):
        raise InputError(f"{name}: expected a mapping", where=where)
    if isinstance(raw.get("id"), str) and raw["id"].strip():
        name = f"rule {raw['id']!r}"

    def fail(msg: str) -> InputError:
        return InputError(f"{name}: {msg}", where=where)

    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r} (expected: {', '.join(sorted(_RULE_KEYS))})")
    for key in ("id", "carcs", "category", "action", "fixable", "reason", "reference"):
        if raw.get(key) is None:
            raise fail(f"`{key}` is required")
    category, action = raw["category"], raw["action"]
    if category not in CATEGORIES:
        raise fail(f"unknown category {category!r} (expected one of: {', '.join(CATEGORIES)})")
    if action not in ACTIONS:
        raise fail(f"unknown action {action!r} (expected one of: {', '.join(ACTIONS)})")
    if not isinstance(raw["fixable"], bool):
        raise fail("`fixable` must be true or false")
    for key in ("reason", "reference"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(f"`{key}` must be text")
    reason = " ".join(raw["reason"].split())
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(reason) if f is not None}
    except ValueError as exc:
        raise fail(f"the reason template is malformed ({exc})") from None
    bad = sorted(names - TEMPLATE_FIELDS)
    if bad:
        raise fail(
            f"the reason uses {{{bad[0]}}}; a template may use {', '.join(sorted(TEMPLATE_FIELDS))}"
        )

    carcs = _codes(raw["carcs"], "carcs", fail, lambda c: _normal_carc(c, fail))
    groups = (
        None if raw.get("groups") is None
        else _codes(raw["groups"], "groups", fail, lambda g: _group(g, fail))
    )
    rarcs = (
        None if raw.get("rarcs") is None
        else _codes(raw["rarcs"], "rarcs", fail, lambda r: _rarc(r, fail))
    )
    modifiers = (
        None if raw.get("modifiers") is None
        else _codes(raw["modifiers"], "modifiers", fail, lambda m: str(m).strip().upper())
    )
    crossover = raw.get("crossover")
    if crossover is not None and not isinstance(crossover, bool):
        raise fail("`crossover` must be true or false")
    start, end = _effective(raw.get("effective"), fail)
    return Rule(
        id=str(raw["id"]),
        carcs=carcs,
        category=category,
        action=action,
        fixable=raw["fixable"],
        reason=reason,
        reference=" ".join(raw["reference"].split()),
        groups=groups,
        rarcs=rarcs,
        modifiers=modifiers,
        crossover=crossover,
        start=start,
        end=end,
        order=i,
    )


def _codes(v: Any, key: str, fail: Any, norm: Any) -> frozenset[str]:
    if not isinstance(v, list) or not v:
        raise fail(f"`{key}` must be a non-empty list")
    return frozenset(norm(x) for x in v)


def _normal_carc(c: Any, fail: Any) -> str:
    s = str(c).strip().upper()
    if not _CARC_LIST.code_re.match(s.lstrip("0") or "0"):
        raise fail(f"{c!r} is not a CARC ({_CARC_LIST.shape})")
    return str(int(s)) if s.isdigit() else s


def _group(g: Any, fail: Any) -> str:
    s = str(g).strip().upper()
    if s not in GROUPS:
        raise fail(f"{g!r} is not a CAS group code ({', '.join(GROUPS)})")
    return s


def _rarc(r: Any, fail: Any) -> str:
    s = str(r).strip().upper()
    if not _RARC_LIST.code_re.match(s):
        raise fail(f"{r!r} is not a RARC ({_RARC_LIST.shape})")
    return s


def _effective(v: Any, fail: Any) -> tuple[_dt.date, _dt.date | None]:
    if v is None:
        return _FAR_PAST, None
    if not isinstance(v, Mapping) or set(v) - {"from", "to"}:
        raise fail("`effective` must be {from: YYYY-MM-DD, to: YYYY-MM-DD}")

    def day(x: Any, key: str) -> _dt.date | None:
        if x is None:
            return None
        if isinstance(x, _dt.date):
            return x
        try:
            return _dt.date.fromisoformat(str(x))
        except ValueError:
            raise fail(f"effective.{key} {x!r} is not a date (YYYY-MM-DD)") from None

    start, end = day(v.get("from"), "from") or _FAR_PAST, day(v.get("to"), "to")
    if end is not None and end < start:
        raise fail(f"effective range ends ({end}) before it starts ({start})")
    return start, end


# -- classifying --------------------------------------------------------------------------------


def classify(
    payment: ClaimPayment,
    *,
    on: _dt.date | None = None,
    include_patient: bool = False,
    rules: RuleSet | None = None,
) -> list[Denial]:
    """The denials (and reductions) of one 835 claim, line by line; see the module docstring.

    ``on`` is the date the rules are taken on (default: each line's service date, else the
    claim's, else today).
    """
    if payment.is_reversal:
        return []
    rs = rules or default_rules()
    claim_rarcs = tuple(dict.fromkeys(payment.remarks))
    crossover = bool(payment.crossover_payer)
    claim_day = on or payment.service_from or payment.received
    out: list[Denial] = []
    for i, line in enumerate(payment.lines, 1):
        if not line.adjustments:
            continue
        rarcs = tuple(dict.fromkeys((*line.remarks, *claim_rarcs)))
        code = "-".join((line.code, *line.modifiers))
        out += _judge(
            payment,
            rs,
            line.adjustments,
            paid=line.paid,
            line=i,
            code=line.code,
            shown=code,
            where=f"line {i} ({code})",
            rarcs=rarcs,
            modifiers=frozenset(m.upper() for m in line.modifiers),
            crossover=crossover,
            on=on or line.date_from or claim_day or _dt.date.today(),
            include_patient=include_patient,
        )
    if payment.adjustments and (payment.is_denied or not payment.lines):
        out += _judge(
            payment,
            rs,
            payment.adjustments,
            paid=payment.paid,
            line=None,
            code=None,
            shown="the claim",
            where="the claim",
            rarcs=claim_rarcs,
            modifiers=frozenset(),
            crossover=crossover,
            on=claim_day or _dt.date.today(),
            include_patient=include_patient,
            denied=payment.is_denied or payment.paid == ZERO,
        )
    return out


def _judge(
    payment: ClaimPayment,
    rs: RuleSet,
    adjustments: list[Adjustment],
    *,
    paid: Decimal,
    line: int | None,
    code: str | None,
    shown: str,
    where: str,
    rarcs: tuple[str, ...],
    modifiers: frozenset[str],
    crossover: bool,
    on: _dt.date,
    include_patient: bool,
    denied: bool | None = None,
) -> list[Denial]:
    rset = frozenset(rarcs)
    hits = [
        (a, rs.match(a.reason, a.group, rarcs=rset, modifiers=modifiers, crossover=crossover, on=on))
        for a in adjustments
    ]
    real = [h for h in hits if h[1].category not in NOT_DENIALS]
    contractual = [h for h in hits if h[1].category == "contractual"]
    patient = [h for h in hits if h[1].category == "patient-responsibility"]
    is_denied = paid == ZERO if denied is None else denied
    out: list[Denial] = []
    concern = real or (contractual if is_denied and not patient else [])
    if concern:
        out.append(_denial(payment, concern, line, code, shown, where, rarcs, is_denied))
    if include_patient and patient:
        out.append(_denial(payment, patient, line, code, shown, where, rarcs, False))
    return out


def _denial(
    payment: ClaimPayment,
    hits: list[tuple[Adjustment, Rule]],
    line: int | None,
    code: str | None,
    shown: str,
    where: str,
    rarcs: tuple[str, ...],
    denied: bool,
) -> Denial:
    ranked = sorted(
        enumerate(hits), key=lambda t: (-t[1][0].amount, _PRIORITY[t[1][1].category], t[0])
    )
    adj, rule = ranked[0][1]
    amount = sum((a.amount for a, _ in hits), ZERO)
    carcs = tuple(dict.fromkeys(a.reason for _, (a, _) in ranked))
    reason = rule.reason.format_map(
        {
            "group": adj.group,
            "carc": adj.reason,
            "where": where,
            "code": shown if code is not None else "the claim",
            "amount": f"${amount:,.2f}",
            "rarcs": ", ".join(rarcs) if rarcs else "none",
        }
    )
    return Denial(
        patient_control_number=payment.patient_control_number,
        payer_claim_id=payment.payer_claim_id,
        line=line,
        code=code,
        category=rule.category,
        category_label=CATEGORIES[rule.category],
        group=adj.group,
        carcs=carcs,
        rarcs=rarcs,
        amount=amount,
        action=rule.action,
        action_label=ACTIONS[rule.action],
        fixable=rule.fixable,
        reason=reason,
        reference=rule.reference,
        denied=denied,
    )
