"""The overpayment estimate from a reviewed sample, and the lower limit that is demanded.

The method is the mean-per-unit (difference) estimator of a total used by federal auditors:
HHS-OIG RAT-STATS "variable appraisal" (unrestricted and stratified), and the CMS Program
Integrity Manual (Pub. 100-08) Ch. 8 §8.4 (statistical sampling for overpayment estimation),
under which the amount demanded is a lower confidence limit, not the point estimate. The
formulas are those of Cochran, *Sampling Techniques* (3rd ed., 1977) §2.4-2.6 and §5.3-5.4,
and Lohr, *Sampling: Design and Analysis*, ch. 2-3.

Which lower limit: we report the lower limit of the TWO-SIDED interval at ``confidence``
(default 90%, t at the 0.95 quantile): the "Estimated Overpayment" of HHS-OIG Corporate
Integrity Agreements (Claims Review: "repay the lower limit of the two-sided 90% confidence
interval") and the 90% limits RAT-STATS prints. It equals the one-sided 95% lower bound, so it
is a little lower (more favourable to the provider) than the lower limit of a ONE-SIDED 90%
interval (t at 0.90), which Pub. 100-08 Ch. 8 (§8.4.5.1, calculating the estimated overpayment)
names for contractors; ``confidence=0.80`` gives that one-sided 90% figure.

y_i is the overpayment found on sampled claim i (paid minus supported; an underpayment is a
negative y_i, so the estimate nets them).

Simple random sample of n from N:
    point  = N * ybar
    SE     = N * s / sqrt(n) * sqrt(1 - n/N)          (s: sample standard deviation, n - 1)
    df     = n - 1
Stratified (strata h = 1..H, N_h, n_h, ybar_h, s_h):
    point  = sum_h N_h * ybar_h
    SE^2   = sum_h N_h^2 * (1 - n_h/N_h) * s_h^2 / n_h
    df     = Satterthwaite's effective degrees of freedom (Cochran 1977 eq. 5.16):
             (sum_h g_h s_h^2)^2 / sum_h (g_h s_h^2)^2 / (n_h - 1),  g_h = N_h (N_h - n_h) / n_h
             (``df_method="n-H"`` gives n - H instead, the design degrees of freedom SAS
             SURVEYMEANS uses; Satterthwaite's is never larger, so its interval is never
             narrower). A stratum taken whole (n_h = N_h) adds its exact total and no variance.
Both:
    t      = the (1 + confidence)/2 quantile of Student's t at df (0.95 for 90%)
    lower  = point - t * SE,  upper = point + t * SE  (the two-sided interval)
    precision = t * SE / point (half-width relative to the point estimate)

Every sampled claim must have a reviewed value: a claim missing from ``overpayments`` is an
error. A sampled claim that could not be reviewed (no documentation) is the caller's decision,
and it must pass a value: the conventional practices are to count it as an overpayment of its
whole paid amount when the provider did not supply the record (OIG and contractor practice:
an unsupported service is an overpayment), to count it as 0 (which understates the estimate
if it was in error), or to replace it by a spare drawn with the sample. ``extrapolate`` never
fills a value in, and the caller records its choice (the workbook's provenance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from medcoder.audit.sampling import STRATIFIED, Sample
from medcoder.audit.stats import t_ppf
from medcoder.errors import InputError

CENT = Decimal("0.01")
ZERO = Decimal(0)
SATTERTHWAITE = "satterthwaite"
N_MINUS_H = "n-H"


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def money(x: Decimal) -> str:
    """``$1,234.56``, with a leading minus sign for negative amounts."""
    c = _cents(x)
    sign = "-" if c < 0 else ""
    return f"{sign}${abs(c):,.2f}"


@dataclass(frozen=True)
class StratumEstimate:
    label: str
    N: int
    n: int
    mean: Decimal
    sd: Decimal
    total: Decimal  # N_h * mean_h
    variance: Decimal  # N_h^2 (1 - n_h/N_h) s_h^2 / n_h

    def to_dict(self) -> dict[str, Any]:
        q = Decimal("0.0001")
        return {"label": self.label, "N_h": self.N, "n_h": self.n,
                "mean": str(self.mean.quantize(q, rounding=ROUND_HALF_UP)),
                "sd": str(self.sd.quantize(q, rounding=ROUND_HALF_UP)), "total": str(_cents(self.total)),
                "variance": str(self.variance.quantize(CENT, rounding=ROUND_HALF_UP))}


@dataclass(frozen=True)
class Estimate:
    """The extrapolated overpayment (amounts in dollars, rounded to the cent)."""

    method: str
    point: Decimal
    se: Decimal
    df: float
    t: float | None  # None when the SE is 0 and df is 0 (a census of one)
    lower: Decimal
    upper: Decimal
    precision: Decimal | None  # t * SE / point; None when the point estimate is 0
    n: int
    N: int
    confidence: Decimal
    seed: int
    df_method: str
    sample_total: Decimal  # sum of the sampled overpayments (what was actually found)
    strata: tuple[StratumEstimate, ...] = field(default_factory=tuple)  # one for an SRS

    @property
    def stratified(self) -> bool:
        return self.method.endswith(f"({STRATIFIED})")

    @property
    def demand(self) -> Decimal:
        """The amount demanded: the lower limit (never below 0)."""
        return max(self.lower, ZERO)

    def describe(self) -> str:
        """A paragraph in plain words for the report."""
        conf = f"{(self.confidence * 100).normalize():f}%"
        design = (f"a stratified random sample ({len(self.strata)} strata by paid amount)"
                  if self.stratified else "a simple random sample")
        parts = [
            f"Based on {design} of {self.n:,} of {self.N:,} claims (seed {self.seed}), the "
            f"overpayments found in the sample total {money(self.sample_total)} and the "
            f"estimated overpayment for all {self.N:,} claims is {money(self.point)}; the lower "
            f"limit of the two-sided {conf} confidence interval is {money(self.lower)} and the "
            f"upper limit {money(self.upper)} (standard error {money(self.se)}, Student's t "
            f"{self.t:.4f} at {self._df_text()} degrees of freedom)." if self.t is not None else
            f"Based on {design} of {self.n:,} of {self.N:,} claims (seed {self.seed}), every "
            f"claim was reviewed and the overpayment is {money(self.point)}.",
        ]
        if self.precision is not None:
            parts.append(f"The precision (half-width of the interval divided by the point "
                         f"estimate) is {self.precision * 100:.1f}%.")
        parts.append(
            f"As CMS Program Integrity Manual Ch. 8 §8.4 provides, the amount demanded is the "
            f"lower limit, {money(self.demand)}, not the point estimate: the true overpayment is "
            f"at least that with about {((1 + self.confidence) / 2 * 100).normalize():f}% "
            "confidence.")
        return " ".join(parts)

    def _df_text(self) -> str:
        return f"{self.df:g}" if float(self.df).is_integer() else f"{self.df:.2f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "point": str(self.point),
            "se": str(self.se),
            "df": round(self.df, 4),
            "df_method": self.df_method,
            "t": None if self.t is None else round(self.t, 6),
            "lower": str(self.lower),
            "upper": str(self.upper),
            "demand": str(self.demand),
            "precision": None if self.precision is None else str(self.precision),
            "n": self.n,
            "N": self.N,
            "confidence": str(self.confidence),
            "seed": self.seed,
            "sample_total": str(self.sample_total),
            "strata": [s.to_dict() for s in self.strata],
            "describe": self.describe(),
        }


def _value(claim_id: str, v: Any) -> Decimal:
    if isinstance(v, bool):
        raise InputError(f"claim {claim_id!r}: overpayment {v!r} is not an amount", where="overpayments")
    try:
        d = v if isinstance(v, Decimal) else Decimal(str(v))
    except (InvalidOperation, ValueError):
        raise InputError(f"claim {claim_id!r}: overpayment {v!r} is not a number",
                         where="overpayments") from None
    if not d.is_finite():
        raise InputError(f"claim {claim_id!r}: overpayment {v!r} is not finite", where="overpayments")
    return d


def _confidence(c: Any) -> Decimal:
    try:
        d = c if isinstance(c, Decimal) else Decimal(str(c))
    except (InvalidOperation, ValueError):
        raise InputError(f"confidence {c!r} is not a number", where="confidence") from None
    if not (d.is_finite() and ZERO < d < 1):
        raise InputError(f"confidence must be between 0 and 1 (0.90 for 90%), not {c!r}",
                         where="confidence")
    return d


def _mean_sd(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """Mean, sample variance (n - 1) and standard deviation."""
    n = len(values)
    mean = sum(values, ZERO) / n
    if n < 2:
        return mean, ZERO, ZERO
    var = sum(((v - mean) ** 2 for v in values), ZERO) / (n - 1)
    return mean, var, var.sqrt()


def extrapolate(
    sample: Sample,
    overpayments: Mapping[str, Any],
    *,
    confidence: Decimal | float | str = Decimal("0.90"),
    df_method: str = SATTERTHWAITE,
) -> Estimate:
    """Estimate the total overpayment in the universe from the reviewed sample.

    ``overpayments`` holds one value per sampled claim (Decimal; 0 for a claim paid correctly;
    negative for an underpayment). See the module docstring for the formulas and for claims
    that could not be reviewed.
    """
    conf = _confidence(confidence)
    if df_method not in (SATTERTHWAITE, N_MINUS_H):
        raise InputError(f"df_method must be {SATTERTHWAITE!r} or {N_MINUS_H!r}, not {df_method!r}",
                         where="df_method")
    sampled = sample.ids
    missing = [i for i in sampled if i not in overpayments]
    if missing:
        shown = ", ".join(repr(i) for i in missing[:5])
        raise InputError(f"{len(missing)} sampled claim(s) have no reviewed overpayment: {shown}"
                         f"{' …' if len(missing) > 5 else ''}; every sampled claim must be given "
                         "a value (for a claim that could not be reviewed, the caller decides it)",
                         where="overpayments")
    in_sample = set(sampled)
    extra = sorted(i for i in overpayments if i not in in_sample)
    if extra:
        shown = ", ".join(repr(i) for i in extra[:5])
        raise InputError(f"{len(extra)} claim(s) with an overpayment are not in the sample: {shown}; "
                         "only sampled claims enter the estimate", where="overpayments")
    with localcontext() as ctx:
        ctx.prec = 40
        strata: list[StratumEstimate] = []
        point = var = ZERO
        satt_num = satt_den = ZERO
        for s in sample.strata:
            ys = [_value(i, overpayments[i]) for i in s.ids]
            mean, s2, sd = _mean_sd(ys)
            if s.n < 2 and s.n < s.N:
                raise InputError(f"stratum {s.label}: one claim sampled of {s.N}; the variance "
                                 "cannot be estimated", where="sample")
            fpc = Decimal(s.N - s.n) / Decimal(s.N)
            total_h = Decimal(s.N) * mean
            var_h = Decimal(s.N) ** 2 * fpc * s2 / Decimal(s.n)
            point += total_h
            var += var_h
            if s.n > 1 and var_h > 0:
                satt_num += var_h
                satt_den += var_h ** 2 / Decimal(s.n - 1)
            strata.append(StratumEstimate(s.label, s.N, s.n, mean, sd, total_h, var_h))
        se = var.sqrt()
        n_total = sample.n
        n_h = len(sample.strata)
        if not sample.stratified:
            df = float(n_total - 1)
        elif df_method == N_MINUS_H or satt_den == 0:
            df = float(n_total - n_h)
        else:
            df = float(satt_num ** 2 / satt_den)
        t: float | None = t_ppf(float((1 + conf) / 2), df) if df > 0 else None
        half = se * Decimal(repr(t)) if t is not None else ZERO
        lower, upper = point - half, point + half
        precision = (half / point).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP) \
            if point != 0 else None
        sample_total = sum((_value(i, overpayments[i]) for i in sampled), ZERO)
    if math.isnan(df):  # pragma: no cover - guarded above
        raise InputError("degrees of freedom could not be computed", where="sample")
    return Estimate(
        method=f"mean per unit ({sample.method})",
        point=_cents(point), se=_cents(se), df=df, t=t, lower=_cents(lower), upper=_cents(upper),
        precision=precision, n=n_total, N=sample.N, confidence=conf, seed=sample.seed,
        df_method="n-1" if not sample.stratified else df_method,
        sample_total=_cents(sample_total),
        strata=tuple(strata),
    )
