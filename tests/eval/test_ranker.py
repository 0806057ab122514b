"""The learned ranker: logistic regression over what the coder knows of each suggestion."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from medcoder.learn.codiesp import learn_codiesp
from medcoder.learn.model import SiteModel
from medcoder.learn.ranker import MIN_SAMPLES, Ranker, average_precision, fit

MINI = Path(__file__).parents[1] / "fixtures" / "codiesp_mini"


def synthetic(n: int, seed: int = 1) -> list[tuple[dict[str, float], int]]:
    """Coders report lexicon suggestions with high confidence; 'noise' says nothing."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lexicon = rng.random() < 0.5
        conf = rng.random()
        p = 0.1 + 0.5 * lexicon + 0.35 * conf
        f = {"conf": conf, "noise": rng.random(), ("src=lexicon" if lexicon else "src=index"): 1.0}
        out.append((f, int(rng.random() < p)))
    return out


def test_fit_learns_which_features_predict_what_coders_report() -> None:
    train, held = synthetic(2000), synthetic(500, seed=2)
    r = fit(train, epochs=15)
    assert r is not None
    assert r.weights["src=lexicon"] > r.weights["src=index"]
    assert r.weights["conf"] > 0
    assert abs(r.weights["noise"]) < abs(r.weights["conf"]) / 3
    # ranking held-out pairs by the ranker beats ranking them by chance
    scored = [(r.score(f), y) for f, y in held]
    shuffled = [(random.Random(3).random(), y) for _, y in held]
    assert average_precision(scored) > average_precision(shuffled) + 0.1
    # scores are probabilities, calibrated roughly to the base rate
    mean = sum(s for s, _ in scored) / len(scored)
    rate = sum(y for _, y in held) / len(held)
    assert abs(mean - rate) < 0.05


def test_fit_is_deterministic_for_a_seed() -> None:
    data = synthetic(300)
    a, b = fit(data, epochs=5, seed=7), fit(data, epochs=5, seed=7)
    assert a is not None and b is not None and a.weights == b.weights and a.bias == b.bias


def test_too_little_to_learn_from_gives_no_ranker() -> None:
    assert fit(synthetic(MIN_SAMPLES - 1)) is None
    assert fit([({"conf": 1.0}, 1)] * 100) is None  # one label only


def test_the_ranker_is_saved_inside_the_site_model(data_dir: Path) -> None:
    r = fit(synthetic(400), epochs=5)
    assert r is not None
    SiteModel(priors={"I10": 0.5}, ranker=r, provenance={"corpus": "test"}).save()
    back = SiteModel.load()
    assert back is not None and isinstance(back.ranker, Ranker)
    f = {"conf": 0.7, "src=lexicon": 1.0}
    assert back.ranker.score(f) == pytest.approx(r.score(f))
    assert back.ranker.provenance["samples"] == 400


def test_the_mini_corpus_is_too_small_for_a_ranker() -> None:
    model = learn_codiesp(MINI, "train")
    assert model.ranker is None
    assert "not learned" in model.provenance["ranker"]
