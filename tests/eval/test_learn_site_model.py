"""Learning from coders: phrases, priors, storage, and what the learned model alone scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcoder.errors import DataError, InputError
from medcoder.eval.codiesp import evaluate, load_split
from medcoder.learn.baseline import priors_predictor, rank_codes, site_model_predictor
from medcoder.learn.builder import SiteModelBuilder
from medcoder.learn.codiesp import anchors, carry_over, learn_codiesp, sentence_spans
from medcoder.learn.model import LearnedPhrase, SiteModel
from medcoder.learn.text import ngrams, normalize_phrase, tokens

MINI = Path(__file__).parents[1] / "fixtures" / "codiesp_mini"


@pytest.fixture(scope="module")
def mini_model() -> SiteModel:
    return learn_codiesp(MINI, "train")


def phrase(model: SiteModel, text: str, code: str) -> LearnedPhrase | None:
    return next((p for p in model.phrases if p.phrase == text and p.code == code), None)


def test_tokens_fold_case_and_accents_and_keep_offsets() -> None:
    text = "Úlcera  gástrica, X-ray"
    toks = tokens(text)
    assert [t.norm for t in toks] == ["ulcera", "gastrica", "x", "ray"]
    assert text[toks[1].start : toks[1].end] == "gástrica"
    assert normalize_phrase("Chest X-ray") == "chest x ray"


def test_candidate_ngrams_do_not_start_or_end_with_a_stopword() -> None:
    grams = {g for _, _, g in ngrams(["pain", "in", "the", "chest"])}
    assert grams == {"pain", "pain in the chest", "chest"}


def test_learned_phrases_map_the_mini_corpus_words_to_their_codes(mini_model: SiteModel) -> None:
    # "hypertension" is in 2 training cases, both coded I10 with it as evidence
    assert phrase(mini_model, "hypertension", "I10") == LearnedPhrase(
        "hypertension", "I10", "ICD-10-CM", 1.0, 2, 2
    )
    # fever: 3 cases, all coded R50.9 (CodiEsp codes negated mentions too)
    fever = phrase(mini_model, "fever", "R50.9")
    assert fever is not None and (fever.support, fever.seen) == (3, 3)
    xray = phrase(mini_model, "chest x ray", "BW03ZZZ")
    assert xray is not None and xray.system == "ICD-10-PCS"
    # seen in one case only: below the minimum support of 2
    assert not any(p.code == "K35.80" for p in mini_model.phrases)
    assert mini_model.priors["R50.9"] == 1.0
    assert mini_model.priors["I10"] == pytest.approx(2 / 3, abs=1e-4)
    assert mini_model.cooccurrence["I10"]["R50.9"] == 1.0  # every I10 case also has R50.9
    prov = mini_model.provenance
    assert (prov["corpus"], prov["split"], prov["lang"], prov["documents"]) == ("CodiEsp", "train", "en", 3)
    assert prov["built_at"]


def test_without_evidence_every_word_of_a_case_is_evidence() -> None:
    b = SiteModelBuilder(min_support=2, min_precision=0.5)
    b.add("Fever and cough.", ["R50.9"])
    b.add("Fever, no cough.", ["r50.9"])
    b.add("Cough only.", ["R05.9"])
    model = b.build()
    assert phrase(model, "fever", "R50.9") == LearnedPhrase("fever", "R50.9", "ICD-10-CM", 1.0, 2, 2)
    cough = phrase(model, "cough", "R50.9")
    assert cough is not None and cough.precision == pytest.approx(2 / 3, abs=1e-4)


def test_evidence_spans_limit_what_a_code_learns() -> None:
    b = SiteModelBuilder(min_support=2, min_precision=0.5)
    for text in ("Fever and cough.", "Cough and fever."):
        start = text.index("Fever") if "Fever" in text else text.index("fever")
        b.add(text, ["R50.9", "R05.9"], evidence={"r50.9": [(start, start + 5)]})
    model = b.build()
    assert phrase(model, "fever", "R50.9") is not None
    assert phrase(model, "cough", "R50.9") is None  # outside R50.9's evidence
    assert phrase(model, "cough", "R05.9") is not None  # R05.9 had no evidence: whole text


def test_the_longest_phrase_is_kept_when_the_shorter_never_occurs_alone() -> None:
    b = SiteModelBuilder(min_support=2, min_precision=0.5)
    b.add("Chronic kidney disease stage 3.", ["N18.3"])
    b.add("Known chronic kidney disease stage 3.", ["N18.3"])
    model = b.build()
    kept = {p.phrase for p in model.phrases if p.code == "N18.3"}
    # "kidney disease" never occurred without "chronic kidney disease stage": dropped
    assert "chronic kidney disease stage" in kept
    assert "kidney disease" not in kept


def test_match_finds_phrases_with_their_offsets(mini_model: SiteModel) -> None:
    text = "History: Hypertension. Now fever."
    hits = mini_model.match(text)
    found = {(text[h.start : h.end], h.phrase.code) for h in hits}
    assert ("Hypertension", "I10") in found and ("fever", "R50.9") in found


def test_carry_over_maps_a_span_through_shared_words() -> None:
    es = "Paciente con Brucella y fiebre alta."
    en = "A patient with Brucella and a high fever."
    points = anchors(es, en)
    assert (es.index("Brucella"), en.index("Brucella")) in points
    window = carry_over((es.index("fiebre"), es.index("fiebre") + 6), len(es), len(en),
                        points=points, pad=5)
    assert window is not None
    assert "fever" in en[window[0] : window[1]]
    sentences = sentence_spans("One.\n\nTwo.\nThree.\n")
    assert sentences == [(0, 4), (6, 10), (11, 17)]
    assert carry_over((0, 1), 10, 18, pad=None, sentences=sentences, context=1) == (0, 10)


def test_save_and_load_round_trip_in_the_data_dir(mini_model: SiteModel, data_dir: Path) -> None:
    assert SiteModel.load() is None  # nothing learned yet
    path = mini_model.save()
    assert path == data_dir / "site-model" / "model.json"
    again = SiteModel.load(data_dir)
    assert again is not None
    assert again.phrases == mini_model.phrases
    assert again.priors == mini_model.priors
    assert again.cooccurrence == mini_model.cooccurrence
    assert again.provenance == mini_model.provenance


def test_a_corrupt_site_model_is_a_data_error(data_dir: Path) -> None:
    path = data_dir / "site-model" / "model.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format_version": 99}))
    with pytest.raises(DataError, match="learn it again"):
        SiteModel.load()


def test_learning_needs_gold(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no gold codes"):
        learn_codiesp(MINI, "test")


def test_the_site_model_alone_predicts_the_mini_dev_set(mini_model: SiteModel) -> None:
    dev = load_split(MINI, "dev")
    ranked = rank_codes(mini_model, dev[0].text)
    assert set(ranked["ICD-10-CM"]) >= {"I10", "R50.9", "R10.9"}
    report = evaluate(dev, site_model_predictor(mini_model), name="site model")
    assert report.diagnoses is not None and report.procedures is not None
    assert report.diagnoses.codes.recall == pytest.approx(3 / 5)  # doc 5 has no learned words
    assert report.procedures.codes.tp == 1  # chest x-ray; the cranial CT was never seen
    floor = evaluate(dev, priors_predictor(mini_model, 3))
    assert floor.diagnoses is not None
    assert floor.diagnoses.codes.predicted == 6  # the same 3 codes for both documents


# ---- the real corpus -----------------------------------------------------------------------


@pytest.mark.shared
def test_learned_from_codiesp_train_with_sensible_phrases_and_a_useful_dev_score(
    shared_data: Path,
) -> None:
    codiesp = shared_data / "codiesp"
    model = learn_codiesp(codiesp, "train")
    assert model.provenance["documents"] == 500
    # the commonest train codes get their words
    assert (p := phrase(model, "fever", "R50.9")) is not None and p.support >= 50
    assert (p := phrase(model, "hypertension", "I10")) is not None and p.precision > 0.8
    assert (p := phrase(model, "chest x ray", "BW03ZZZ")) is not None and p.support >= 30
    assert model.priors["R52"] > model.priors.get("N28.1", 0.0)
    dev = load_split(codiesp, "dev")
    report = evaluate(dev, site_model_predictor(model), name="site model")
    assert report.diagnoses is not None
    # learned phrases alone find a good share of the dev diagnoses and beat the priors floor
    floor = evaluate(dev, priors_predictor(model, 30), name="priors")
    assert floor.diagnoses is not None
    assert report.diagnoses.codes.map > floor.diagnoses.codes.map + 0.1
    assert report.diagnoses.codes.recall > 0.4
