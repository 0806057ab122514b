"""Reproducible samples (medcoder.audit.sampling): the documented procedure, checksums, strata
and every input error."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from decimal import Decimal

import pytest

from medcoder.audit.sampling import (
    PROCEDURE,
    SRS,
    STRATIFIED,
    frame_sha256,
    simple_random_sample,
    stratified_sample,
)
from medcoder.errors import InputError

FRAME = [f"C{i:04d}" for i in range(1000)]


def _by_hand(ids: list[str], n: int, seed: int) -> list[str]:
    """The procedure exactly as the module docstring writes it, step by step."""
    x = sorted(ids)  # step 1
    rng = random.Random(seed)  # step 2
    for i in range(n):  # step 4
        m = len(x) - i
        while True:  # step 3
            r = rng.getrandbits(m.bit_length())
            if r < m:
                break
        x[i], x[i + r] = x[i + r], x[i]
    return x[:n]


def test_same_frame_and_seed_give_the_same_sample_whatever_the_input_order() -> None:
    a = simple_random_sample(FRAME, 30, seed=12345)
    shuffled = list(FRAME)
    random.Random(99).shuffle(shuffled)
    b = simple_random_sample(shuffled, 30, seed=12345)
    assert a.ids == b.ids
    assert a.frame_sha256 == b.frame_sha256
    assert len(set(a.ids)) == 30 and set(a.ids) <= set(FRAME)


def test_a_different_seed_gives_a_different_sample() -> None:
    assert simple_random_sample(FRAME, 30, seed=1).ids != simple_random_sample(FRAME, 30, seed=2).ids


def test_the_sample_follows_the_documented_procedure() -> None:
    for seed in (0, 1, 12345, 2**40 + 7):
        for n in (1, 5, 30, 1000):
            assert simple_random_sample(FRAME, n, seed=seed).ids == _by_hand(FRAME, n, seed)


def test_pinned_sample_does_not_change_between_releases() -> None:
    # Recorded once; a change here means old samples can no longer be recreated.
    s = simple_random_sample(FRAME, 10, seed=12345)
    assert s.ids == ["C0426", "C0751", "C0012", "C0842", "C0849", "C0827", "C0311", "C0882",
                     "C0385", "C0963"]
    assert simple_random_sample(["a", "b", "c", "d", "e"], 3, seed=0).ids == ["d", "e", "c"]


def test_frame_checksum_is_sha256_of_the_sorted_ids_one_per_line() -> None:
    s = simple_random_sample(["b", "a", "c"], 2, seed=5)
    assert s.frame_sha256 == hashlib.sha256(b"a\nb\nc\n").hexdigest() == frame_sha256(["c", "a", "b"])
    d = s.to_dict()
    assert d["frame_sha256"] == s.frame_sha256
    assert d["seed"] == 5 and d["N"] == d["frame_size"] == 3 and d["n"] == 2
    assert d["method"] == SRS and d["procedure"] == PROCEDURE
    assert d["strata"] == [{"label": "1", "bounds": [None, None], "bounds_text": "(-inf, +inf]",
                            "N_h": 3, "n_h": 2, "ids": s.ids, "frame_sha256": s.frame_sha256}]


def test_every_unit_is_equally_likely() -> None:
    # 3,000 samples of 3 from 10: each unit is expected 900 times; deterministic seeds.
    ids = [f"u{i}" for i in range(10)]
    seen = Counter(i for seed in range(3000) for i in simple_random_sample(ids, 3, seed=seed).ids)
    assert sum(seen.values()) == 9000
    assert all(820 <= seen[i] <= 980 for i in ids), seen


def test_census_takes_every_claim() -> None:
    s = simple_random_sample(["x", "y", "z"], 3, seed=4)
    assert sorted(s.ids) == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("frame", "n", "seed", "words"),
    [
        (["a", "b"], 3, 1, "cannot be drawn from a frame of 2"),
        ([], 1, 1, "empty"),
        (["a", "b", "a"], 1, 1, "duplicate"),
        (["a", ""], 1, 1, "non-empty strings"),
        (["a", "b"], 0, 1, "positive integer"),
        (["a", "b"], 1, -1, "non-negative integer"),
        (["a", "b"], 1, True, "non-negative integer"),
    ],
)
def test_bad_srs_inputs(frame: list[str], n: int, seed: int, words: str) -> None:
    with pytest.raises(InputError, match=words):
        simple_random_sample(frame, n, seed=seed)


def _paid_frame() -> dict[str, Decimal]:
    return {f"K{i:03d}": Decimal(i % 50) + Decimal("0.25") for i in range(200)}


def test_stratified_by_bounds_puts_each_claim_in_its_lower_exclusive_upper_inclusive_stratum() -> None:
    frame = {"a": Decimal("10"), "b": Decimal("10.01"), "c": Decimal("50"), "d": Decimal("5"),
             "e": Decimal("75"), "f": Decimal("100"), "g": Decimal("1000")}
    s = stratified_sample(frame, strata=[(Decimal(50), None), (None, Decimal(10)),
                                         (Decimal(10), Decimal(50))],
                          n_per_stratum={"1": 2, "2": 2, "3": 3}, seed=3)
    assert s.method == STRATIFIED and s.N == 7 and s.n == 7
    assert [(st.label, st.lower, st.upper, st.N) for st in s.strata] == [
        ("1", None, Decimal(10), 2), ("2", Decimal(10), Decimal(50), 2), ("3", Decimal(50), None, 3)]
    assert sorted(s.strata[0].ids) == ["a", "d"]
    assert sorted(s.strata[1].ids) == ["b", "c"]
    assert sorted(s.strata[2].ids) == ["e", "f", "g"]
    assert s.stratum_of("b").label == "2"


def test_stratified_is_reproducible_and_draws_strata_in_order_from_one_stream() -> None:
    frame = _paid_frame()
    a = stratified_sample(frame, strata=3, n_per_stratum=5, seed=77)
    b = stratified_sample(dict(reversed(list(frame.items()))), strata=3, n_per_stratum=5, seed=77)
    assert a.to_dict() == b.to_dict()
    # the documented order: one generator, stratum 1 first, each from its own sorted ids
    rng = random.Random(77)
    for st in a.strata:
        members = sorted(i for i, v in frame.items()
                         if (st.lower is None or v > st.lower) and (st.upper is None or v <= st.upper))
        x = list(members)
        for i in range(st.n):
            m = len(x) - i
            while True:
                r = rng.getrandbits(m.bit_length())
                if r < m:
                    break
            x[i], x[i + r] = x[i + r], x[i]
        assert list(st.ids) == x[:st.n]
        assert st.frame_sha256 == frame_sha256(members)


def test_a_number_of_strata_gives_equal_sized_strata_by_rank_and_keeps_ties_together() -> None:
    frame = _paid_frame()  # 50 distinct amounts, 4 claims each
    s = stratified_sample(frame, strata=4, n_per_stratum=2, seed=1)
    sizes = [st.N for st in s.strata]
    assert sum(sizes) == 200 and all(44 <= x <= 56 for x in sizes), sizes
    for st in s.strata:
        members = [v for v in frame.values()
                   if (st.lower is None or v > st.lower) and (st.upper is None or v <= st.upper)]
        assert len(members) == st.N
    tied = {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1), "d": Decimal(2)}
    s2 = stratified_sample(tied, strata=2, n_per_stratum={"1": 2, "2": 1}, seed=1)
    assert [st.N for st in s2.strata] == [3, 1]


def test_stratified_to_dict_records_bounds_sizes_and_both_checksums() -> None:
    frame = _paid_frame()
    d = stratified_sample(frame, strata=2, n_per_stratum=3, seed=9).to_dict()
    assert d["method"] == STRATIFIED and d["seed"] == 9 and d["N"] == 200 and d["n"] == 6
    assert d["frame_sha256"] == frame_sha256(frame)
    lines = "".join(f"{i}\t{frame[i]}\n" for i in sorted(frame)).encode()
    assert d["frame_amounts_sha256"] == hashlib.sha256(lines).hexdigest()
    assert [x["N_h"] for x in d["strata"]] == [100, 100]
    assert [x["n_h"] for x in d["strata"]] == [3, 3]
    assert d["strata"][0]["bounds"] == [None, "24.25"] and d["strata"][1]["bounds"] == ["24.25", None]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"strata": [(None, 10)], "n_per_stratum": 2}, "falls in no stratum"),
        ({"strata": [(None, 30), (20, None)], "n_per_stratum": 2}, "overlap"),
        ({"strata": [(None, 10), (10, 20), (20, 60), (100, 200)], "n_per_stratum": 2},
         "holds no claims"),
        ({"strata": [(30, 20)], "n_per_stratum": 2}, "not below"),
        ({"strata": 2, "n_per_stratum": 150}, "cannot be drawn from its 100"),
        ({"strata": 2, "n_per_stratum": 1}, "no variance estimate"),
        ({"strata": 2, "n_per_stratum": {"1": 3}}, "no sample size for stratum 2"),
        ({"strata": 2, "n_per_stratum": {"1": 3, "2": 3, "7": 3}}, "unknown strata: 7"),
        ({"strata": 0, "n_per_stratum": 2}, "at least 1"),
        ({"strata": [], "n_per_stratum": 2}, "no strata"),
    ],
)
def test_bad_stratified_inputs(kwargs: dict, words: str) -> None:
    with pytest.raises(InputError, match=words):
        stratified_sample(_paid_frame(), seed=1, **kwargs)


def test_stratified_frame_errors() -> None:
    with pytest.raises(InputError, match="not a number"):
        stratified_sample({"a": "ten", "b": Decimal(1)}, strata=1, n_per_stratum=1, seed=1)  # type: ignore[dict-item]
    with pytest.raises(InputError, match="empty"):
        stratified_sample({}, strata=1, n_per_stratum=1, seed=1)
    with pytest.raises(InputError, match="finite"):
        stratified_sample({"a": Decimal("NaN")}, strata=1, n_per_stratum=1, seed=1)


def test_a_stratum_taken_whole_is_allowed_with_one_claim() -> None:
    s = stratified_sample({"a": Decimal(1), "b": Decimal(2), "c": Decimal(3), "big": Decimal(9000)},
                          strata=[(None, 100), (100, None)], n_per_stratum={"1": 2, "2": 1}, seed=1)
    assert s.strata[1].ids == ("big",) and s.strata[1].N == 1
