"""The overpayment estimate (medcoder.audit.extrapolate) and its t quantile (medcoder.audit.stats).

Validation, three ways:

1. Published worked examples with their data: Lohr, *Sampling: Design and Analysis*
   (2nd ed., Brooks/Cole 2010), Example 2.5 (an SRS of n = 300 of the N = 3,078 U.S. counties,
   y = acres devoted to farms in 1992; published: ybar = 297,897, s = 344,551.9,
   t-hat = 916,927,110, SE(t-hat) = 58,169,381) and Example 3.2 (a stratified sample of the same
   population by region, n_h = 103, 21, 135, 41 of N_h = 1,054, 220, 1,382, 422; published:
   t-hat_str = 909,736,035, SE = 50,417,248). The data are the book's agsrs / agstrat files
   (U.S. 1992 Census of Agriculture, public domain), as distributed with the SDaA and
   SDAResources R packages; only the acres92 column is copied here. Acres stand in for dollars:
   the estimator is the same.
2. A small example computed by hand, every step in the docstring.
3. A simulation: the 90% interval covers the true total in about 90% of seeded samples.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest

from medcoder.audit.extrapolate import N_MINUS_H, SATTERTHWAITE, extrapolate, money
from medcoder.audit.report.workbook import build_workbook
from medcoder.audit.sampling import (
    STRATIFIED,
    Sample,
    Stratum,
    frame_sha256,
    simple_random_sample,
    stratified_sample,
)
from medcoder.audit.stats import betainc, t_cdf, t_ppf
from medcoder.errors import InputError

AGSRS_ACRES92 = [
    175209, 138135, 56102, 199117, 89228, 96194, 57253, 210692, 78498, 219444, 122871, 313232,
    136309, 352322, 236222, 168879, 235290, 119514, 647446, 234781, 796892, 1660146, 834018,
    38467, 104010, 70672, 96968, 265443, 351885, 35851, 8518, 26984, 40608, 36074, 72626, 168051,
    32657, 45448, 51836, 34746, 138803, 49043, 19314, 21973, 88829, 47000, 111801, 115516, 427215,
    338801, 302352, 317205, 399155, 260781, 340982, 293266, 221209, 111510, 587693, 103246,
    197176, 477839, 390149, 223764, 263425, 358920, 709106, 253916, 312128, 392639, 82426, 446750,
    402212, 314886, 297003, 223429, 22555, 192311, 229097, 241049, 139638, 144305, 139523, 119318,
    144722, 189136, 189467, 339138, 380969, 316317, 482434, 485656, 484415, 450829, 27836, 108291,
    96829, 127161, 210275, 99527, 135179, 144254, 117768, 196701, 264321, 4127, 87574, 74678,
    316691, 126839, 74484, 80241, 24350, 227665, 47308, 48029, 110014, 22056, 318125, 234823,
    236799, 138594, 210897, 374920, 221193, 379603, 482991, 412660, 252658, 183208, 270332,
    232189, 207611, 278841, 174314, 270576, 200766, 323465, 89683, 54082, 120036, 273393, 294547,
    96919, 201759, 96540, 114083, 1342484, 1334041, 1290134, 675569, 31671, 98531, 112291, 144858,
    130879, 55309, 89063, 121404, 505461, 1019300, 1233663, 745815, 591185, 1182658, 649612,
    296164, 242898, 338136, 668957, 446007, 724458, 657906, 345509, 20910, 75733, 29606, 613, 0,
    325, 924678, 1343237, 1209335, 905235, 1896131, 349231, 268043, 494304, 140380, 163072,
    145329, 831, 70404, 91822, 205954, 205105, 202188, 99214, 184280, 127867, 17138, 261320,
    253383, 136612, 129416, 372901, 469883, 397909, 134096, 894853, 74375, 728131, 57960, 129323,
    19026, 211037, 90298, 16371, 36963, 20777, 109438, 44800, 51020, 82634, 69897, 262093, 110679,
    1243168, 1701991, 462238, 252419, 1657305, 460063, 507101, 448834, 271200, 47319, 104457,
    87298, 54518, 196733, 275219, 74107, 150309, 49452, 103063, 432939, 548351, 670459, 581776,
    412632, 749504, 576013, 443027, 461249, 463450, 2234262, 517671, 531206, 424701, 318658,
    243989, 443224, 517272, 1695484, 425281, 572607, 54580, 505140, 260892, 81768, 51604, 85954,
    51442, 96910, 86247, 52469, 41290, 63991, 297064, 48889, 160973, 119973, 138531, 56289, 83047,
    132674, 112085, 748088, 325472, 55360, 58750, 1404289, 170228, 182339, 78772, 343115, 19956,
    15650, 55827
]

AGSTRAT_NC = [
    297326, 124694, 246938, 206781, 78772, 210897, 507101, 332358, 402202, 535359, 402310, 238906,
    272049, 302849, 265245, 78081, 169622, 85366, 620144, 117701, 184599, 80958, 335517, 241148,
    403375, 303715, 236950, 229818, 223638, 584231, 471658, 321728, 702549, 438142, 188843,
    336254, 688468, 164025, 219042, 229120, 312858, 181020, 392835, 290454, 510319, 174314,
    195077, 612112, 528731, 98838, 69354, 280089, 444407, 224030, 448834, 16099, 130051, 302487,
    612694, 165371, 259498, 232591, 425288, 221357, 241778, 226336, 191291, 517623, 316551,
    137747, 197530, 402212, 197736, 298854, 1006831, 189467, 257761, 304032, 237239, 244927,
    392935, 249731, 192311, 343115, 226042, 349252, 347598, 312079, 193556, 203974, 86236, 834293,
    443290, 131563, 129416, 134028, 451362, 41666, 347420, 182572, 592207, 296164, 296016
]
AGSTRAT_NE = [
    176643, 112334, 41347, 65987, 53893, 88982, 17710, 72247, 20777, 158392, 396721, 23915,
    141919, 102024, 192116, 0, 69643, 63159, 30613, 138822, 82982
]
AGSTRAT_S = [
    432379, 44599, 346653, 545666, 250958, 173892, 131353, 24239, 21975, 138573, 8518, 179736,
    32093, 151743, 186297, 560355, 835337, 82470, 80272, 57789, 350402, 167379, 372901, 168593,
    53902, 265443, 4519, 199714, 15583, 268058, 55097, 68736, 74268, 55310, 662121, 134555,
    196859, 801159, 266067, 134474, 112291, 112831, 64532, 100, 463450, 493227, 38313, 59184,
    130167, 31671, 417187, 443027, 62766, 13887, 200455, 151242, 106206, 436040, 45609, 43314,
    1695484, 144904, 72500, 593819, 137337, 36074, 132388, 509017, 69961, 493631, 358446, 20589,
    107700, 247626, 76673, 179051, 328367, 252817, 561521, 67491, 144828, 262093, 96910, 70672,
    61145, 83218, 62854, 113383, 774804, 31161, 47319, 52770, 577693, 37130, 80761, 105519,
    115019, 109652, 225852, 362642, 37434, 148842, 115487, 180400, 282659, 135850, 98669, 70165,
    42712, 178861, 141215, 549167, 38566, 531206, 85086, 8882, 75409, 8003, 9910, 80396, 186829,
    43320, 501692, 219444, 144529, 52469, 487573, 743638, 356170, 553226, 246184, 295601, 57253,
    100468, 193859
]
AGSTRAT_W = [
    140701, 1466580, 1949420, 355786, 484156, 399011, 1334041, 487534, 1644001, 675569, 71839,
    1138681, 111510, 689639, 926607, 1542262, 1063086, 137834, 299142, 450315, 167880, 269435,
    2286947, 1271160, 213004, 134788, 1414415, 598694, 10302, 9021, 597766, 373582, 546303, 82967,
    12611, 670149, 2149450, 59890, 5361, 325338, 587339
]


# -- the t distribution ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        (0.95, 29, 1.699127), (0.95, 9, 1.833113), (0.95, 99, 1.660391), (0.95, 1, 6.313752),
        (0.95, 2, 2.919986), (0.95, 3, 2.353363), (0.975, 10, 2.228139), (0.90, 29, 1.311434),
        (0.995, 5, 4.032143), (0.95, math.inf, 1.644854),
    ],
)
def test_t_quantile_matches_published_tables(p: float, df: float, table: float) -> None:
    assert t_ppf(p, df) == pytest.approx(table, abs=5e-7)
    assert t_ppf(1 - p, df) == pytest.approx(-table, abs=5e-7)


def test_t_cdf_inverts_the_quantile_and_fractional_df_lies_between() -> None:
    for df in (1, 2.5, 7, 48.3, 1000):
        for p in (0.6, 0.9, 0.95, 0.999):
            assert t_cdf(t_ppf(p, df), df) == pytest.approx(p, abs=1e-12)
    assert t_ppf(0.95, 3) < t_ppf(0.95, 2.5) < t_ppf(0.95, 2)
    assert t_cdf(0.0, 5) == 0.5
    assert betainc(1, 1, 0.3) == pytest.approx(0.3, abs=1e-15)
    assert betainc(4.5, 4.5, 0.5) == pytest.approx(0.5, abs=1e-14)
    with pytest.raises(ValueError):
        t_ppf(1.0, 5)


# -- published example 1: simple random sample ----------------------------------------------------
def _srs(values: list[int], big_n: int, seed: int = 2010) -> tuple[Sample, dict[str, Decimal]]:
    frame = [f"U{i:05d}" for i in range(big_n)]
    s = simple_random_sample(frame, len(values), seed=seed)
    # which sampled id carries which value does not change any SRS statistic
    return s, {cid: Decimal(v) for cid, v in zip(s.ids, values, strict=True)}


def test_lohr_example_2_5_srs_total_and_standard_error() -> None:
    s, y = _srs(AGSRS_ACRES92, 3078)
    e = extrapolate(s, y)
    assert e.n == 300 and e.N == 3078 and e.df == 299
    (st,) = e.strata
    assert round(st.mean, 0) == 297897  # published 297,897
    assert round(st.sd, 1) == Decimal("344551.9")  # published 344,551.9
    assert round(e.point) == 916927110  # published 916,927,110
    assert round(e.se) == 58169381  # published 58,169,381
    t = t_ppf(0.95, 299)
    assert e.t == pytest.approx(t)
    assert float(e.lower) == pytest.approx(916927109.64 - t * 58169381.17, abs=0.02)
    assert float(e.upper) == pytest.approx(916927109.64 + t * 58169381.17, abs=0.02)
    assert float(e.precision or 0) == pytest.approx(t * 58169381.17 / 916927109.64, abs=1e-6)


# -- published example 2: stratified ----------------------------------------------------------------
def _stratified(strata: list[tuple[list[int], int]], seed: int = 2010) -> tuple[Sample, dict[str, Decimal]]:
    # a frame whose paid amount puts each region in its own stratum: region k has amount k
    frame: dict[str, Decimal] = {}
    for k, (_, big_n) in enumerate(strata, 1):
        frame.update({f"R{k}-{i:04d}": Decimal(k) for i in range(big_n)})
    bounds = [(None, 1)] + [(k - 1, k) for k in range(2, len(strata))] + [(len(strata) - 1, None)]
    s = stratified_sample(frame, strata=bounds,
                          n_per_stratum={str(k): len(v) for k, (v, _) in enumerate(strata, 1)},
                          seed=seed)
    y: dict[str, Decimal] = {}
    for st, (values, _) in zip(s.strata, strata, strict=True):
        y.update({cid: Decimal(v) for cid, v in zip(st.ids, values, strict=True)})
    return s, y


REGIONS = [(AGSTRAT_NC, 1054), (AGSTRAT_NE, 220), (AGSTRAT_S, 1382), (AGSTRAT_W, 422)]


def test_lohr_example_3_2_stratified_total_and_standard_error() -> None:
    s, y = _stratified(REGIONS)
    assert [st.N for st in s.strata] == [1054, 220, 1382, 422]
    assert [st.n for st in s.strata] == [103, 21, 135, 41]
    e = extrapolate(s, y)
    assert e.stratified and e.n == 300 and e.N == 3078
    assert [round(st.mean, 1) for st in e.strata] == [
        Decimal("300504.2"), Decimal("97629.8"), Decimal("211315.0"), Decimal("662295.5")]
    assert round(e.point) == 909736035  # published 909,736,035
    assert round(e.se) == 50417248  # published 50,417,248


def test_stratified_degrees_of_freedom_satterthwaite_and_n_minus_h() -> None:
    s, y = _stratified(REGIONS)
    e = extrapolate(s, y)
    # Satterthwaite computed independently in floats: (sum a_h)^2 / sum a_h^2 / (n_h - 1),
    # a_h = N_h (N_h - n_h) s_h^2 / n_h
    a, den = 0.0, 0.0
    for values, big_n in REGIONS:
        n = len(values)
        m = sum(values) / n
        s2 = sum((v - m) ** 2 for v in values) / (n - 1)
        ah = big_n * (big_n - n) * s2 / n
        a += ah
        den += ah * ah / (n - 1)
    assert e.df == pytest.approx(a * a / den, rel=1e-9)
    assert min(len(v) - 1 for v, _ in REGIONS) <= e.df <= 300 - 4
    assert e.df_method == SATTERTHWAITE
    assert e.t == pytest.approx(t_ppf(0.95, a * a / den))
    e2 = extrapolate(s, y, df_method=N_MINUS_H)
    assert e2.df == 296 and e2.point == e.point and e2.se == e.se
    assert e2.t is not None and e.t is not None and e2.t < e.t  # Satterthwaite is the wider one


# -- a small example by hand -----------------------------------------------------------------------
def test_small_example_computed_by_hand() -> None:
    """N = 100 claims, n = 5 sampled, overpayments y = 0, 40, 60, 80, 120.

    sum y = 300, ybar = 60; deviations -60, -20, 0, 20, 60; squares 3600 + 400 + 0 + 400 + 3600
    = 8000; s^2 = 8000 / 4 = 2000.
    point = N * ybar = 100 * 60 = 6,000.00
    SE = N * sqrt((1 - n/N) * s^2 / n) = 100 * sqrt(0.95 * 2000 / 5) = 100 * sqrt(380)
       = 1,949.3589 -> 1,949.36
    df = 4; t(0.95, 4) = 2.131847 (table)
    half-width = 2.131846786 * 1,949.358869 = 4,155.7344
    lower = 6,000 - 4,155.7344 = 1,844.27; upper = 10,155.73
    precision = 4,155.7344 / 6,000 = 0.692622
    """
    frame = [f"H{i:03d}" for i in range(100)]
    s = simple_random_sample(frame, 5, seed=8)
    y = dict(zip(s.ids, [Decimal(0), Decimal(40), Decimal(60), Decimal(80), Decimal(120)],
                 strict=True))
    e = extrapolate(s, y)
    assert e.point == Decimal("6000.00")
    assert e.se == Decimal("1949.36")
    assert e.df == 4 and e.t == pytest.approx(2.131847, abs=5e-7)
    assert e.lower == Decimal("1844.27") and e.upper == Decimal("10155.73")
    assert e.precision == Decimal("0.692622")
    assert e.demand == e.lower and e.sample_total == Decimal("300.00")
    # 80% two-sided = the one-sided 90% lower bound: t(0.90, 4) = 1.533206
    e80 = extrapolate(s, y, confidence="0.80")
    assert e80.t == pytest.approx(1.533206, abs=5e-7)
    assert e80.lower == Decimal("3011.23")  # 6000 - 1.533206786 * 1949.358869 = 3011.23


def test_underpayments_net_and_a_negative_lower_limit_demands_nothing() -> None:
    s = simple_random_sample([f"Q{i}" for i in range(50)], 4, seed=3)
    y = dict(zip(s.ids, [Decimal(-20), Decimal(0), Decimal(0), Decimal(30)], strict=True))
    e = extrapolate(s, y)
    assert e.point == Decimal("125.00")  # 50 * 10 / 4
    assert e.lower < 0 and e.demand == 0


def test_a_census_has_no_sampling_error() -> None:
    ids = ["a", "b", "c"]
    s = simple_random_sample(ids, 3, seed=1)
    e = extrapolate(s, {"a": Decimal("10.50"), "b": Decimal(0), "c": Decimal("4.25")})
    assert e.point == e.lower == e.upper == Decimal("14.75") and e.se == 0


def test_certainty_stratum_adds_its_exact_total_and_no_variance() -> None:
    frame = {f"s{i}": Decimal(i) for i in range(1, 41)} | {"big1": Decimal(5000), "big2": Decimal(7000)}
    s = stratified_sample(frame, strata=[(None, 1000), (1000, None)],
                          n_per_stratum={"1": 10, "2": 2}, seed=4)
    y = {cid: Decimal(1) for cid in s.strata[0].ids} | {"big1": Decimal(100), "big2": Decimal(200)}
    y[s.strata[0].ids[0]] = Decimal(11)
    e = extrapolate(s, y)
    # stratum 1: mean 2, 40 claims -> 80; stratum 2: exactly 300
    assert e.point == Decimal("380.00")
    assert e.strata[1].variance == 0
    # s^2 = (81 + 9 * 1) / 9 = 10; var = 40^2 * (30/40) * 10 / 10 = 1200
    assert e.se == Decimal(1200).sqrt().quantize(Decimal("0.01"))
    assert e.df == 9  # only stratum 1 has variance: Satterthwaite gives its n_h - 1


# -- errors -----------------------------------------------------------------------------------------
def test_every_sampled_claim_needs_a_value_and_nothing_else_may_be_given() -> None:
    s = simple_random_sample([f"C{i}" for i in range(20)], 3, seed=1)
    with pytest.raises(InputError, match="no reviewed overpayment") as exc:
        extrapolate(s, {s.ids[0]: Decimal(1), s.ids[1]: Decimal(0)})
    assert s.ids[2] in str(exc.value)
    full = {i: Decimal(0) for i in s.ids}
    not_sampled = next(c for c in (f"C{i}" for i in range(20)) if c not in full)
    with pytest.raises(InputError, match="not in the sample"):
        extrapolate(s, full | {not_sampled: Decimal(5)})
    with pytest.raises(InputError, match="not a number"):
        extrapolate(s, full | {s.ids[0]: "n/a"})
    with pytest.raises(InputError, match="between 0 and 1"):
        extrapolate(s, full, confidence=90)
    with pytest.raises(InputError, match="df_method"):
        extrapolate(s, full, df_method="z")


def test_a_stratum_with_one_sampled_claim_of_many_is_refused() -> None:
    st = Stratum("1", None, None, 10, 1, ("a",), frame_sha256(["a"]))
    s = Sample(STRATIFIED, 1, 10, frame_sha256(["a"]), (st,))
    with pytest.raises(InputError, match="variance"):
        extrapolate(s, {"a": Decimal(1)})


# -- the report paragraph and the workbook ----------------------------------------------------------
def test_describe_says_what_was_sampled_and_what_is_demanded() -> None:
    s = simple_random_sample([f"C{i:04d}" for i in range(1000)], 30, seed=12345)
    y = {cid: Decimal(25 * (k % 3)) for k, cid in enumerate(s.ids)}
    e = extrapolate(s, y)
    text = e.describe()
    assert text.startswith("Based on a simple random sample of 30 of 1,000 claims (seed 12345)")
    assert f"estimated overpayment for all 1,000 claims is {money(e.point)}" in text
    assert f"lower limit of the two-sided 90% confidence interval is {money(e.lower)}" in text
    assert "29 degrees of freedom" in text and "amount demanded is the lower limit" in text
    d = e.to_dict()
    assert d["describe"] == text and d["point"] == str(e.point) and d["lower"] == str(e.lower)
    assert d["confidence"] == "0.90" and d["df"] == 29 and d["N"] == 1000 and d["n"] == 30
    wb = build_workbook([], {}, sample=s.to_dict(), estimate=d)
    assert wb.extrapolation_text() == text
    rows = dict(wb.extrapolation_table())
    assert rows["Lower limit (90% two-sided)"] == money(e.lower)
    assert "seed 12345" in wb.sample_text() and s.frame_sha256 in wb.sample_text()


def test_money_formatting() -> None:
    assert money(Decimal("1234567.891")) == "$1,234,567.89"
    assert money(Decimal("-5")) == "-$5.00"


# -- simulation: coverage of the 90% interval -------------------------------------------------------
def test_the_90_percent_interval_covers_the_true_total_about_90_percent_of_the_time() -> None:
    rng = random.Random(20260101)
    # a claims universe: 60% paid correctly, the rest overpaid by a moderately skewed amount
    values = [Decimal(0) if rng.random() < 0.6 else Decimal(round(rng.gammavariate(2.0, 40.0), 2))
              for _ in range(2000)]
    ids = [f"P{i:05d}" for i in range(2000)]
    truth = sum(values)
    population = dict(zip(ids, values, strict=True))
    runs, covered, lower_ok = 400, 0, 0
    for seed in range(runs):
        s = simple_random_sample(ids, 60, seed=seed)
        e = extrapolate(s, {cid: population[cid] for cid in s.ids})
        covered += e.lower <= truth <= e.upper
        lower_ok += e.lower <= truth
    assert 0.86 <= covered / runs <= 0.94, covered / runs
    assert lower_ok / runs >= 0.92, lower_ok / runs
