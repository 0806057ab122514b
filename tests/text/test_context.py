"""ConText assertion: the sentence tables in ``context_cases.py``, explanations, offsets, the rules
file's errors, and real CodiEsp sentences."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from medcoder.errors import FileFormatError, InputError
from medcoder.result import Context
from medcoder.text.context import (
    Category,
    ContextEngine,
    Direction,
    default_engine,
    expand_phrase,
    normalize_section,
)

sys.path.insert(0, str(Path(__file__).parent))
from context_cases import CASES, FLAGS, SECTION_CASES, parse


@pytest.fixture(scope="module")
def engine() -> ContextEngine:
    return default_engine()


def _flags(ctx: Context) -> frozenset[str]:
    return frozenset(f for f in FLAGS if getattr(ctx, f))


def _check(engine: ContextEngine, marked: str, section: str | None = None) -> None:
    text, spans, expected = parse(marked)
    got = engine.assess(text, (0, len(text)), spans, section=section)
    assert len(got) == len(spans)
    for (a, b), exp, ctx in zip(spans, expected, got, strict=True):
        assert _flags(ctx) == exp, f"{text[a:b]!r} in {text!r}: expected {sorted(exp)}, got {ctx}"


@pytest.mark.parametrize(("topic", "marked"), CASES, ids=[m for _, m in CASES])
def test_sentence_table(engine: ContextEngine, topic: str, marked: str) -> None:
    _check(engine, marked)


@pytest.mark.parametrize(
    ("section", "marked"), SECTION_CASES, ids=[f"{s}: {m}" for s, m in SECTION_CASES]
)
def test_section_defaults(engine: ContextEngine, section: str, marked: str) -> None:
    _check(engine, marked, section=section)


def test_table_is_large_and_covers_every_flag() -> None:
    flags: set[str] = set()
    targets = 0
    for _, marked in CASES:
        _, spans, expected = parse(marked)
        targets += len(spans)
        for e in expected:
            flags |= e
    assert len(CASES) >= 50 and targets >= 100
    assert flags == set(FLAGS)


# ---------------------------------------------------------------- explanations


def test_explained_cites_the_trigger_text(engine: ContextEngine) -> None:
    text = "Patient denies chest pain or shortness of breath. Mother had breast cancer."
    s1 = text.index(".") + 1
    cp = (text.index("chest pain"), text.index("chest pain") + len("chest pain"))
    ((ctx, why),) = engine.assess_explained(text, (0, s1), [cp])
    assert ctx == Context(negated=True)
    (trig,) = why
    assert text[trig.start : trig.end] == "denies"
    assert (trig.category, trig.direction) == (Category.NEGATED_EXISTENCE, Direction.FORWARD)

    s2 = (s1 + 1, len(text))
    bc = (text.index("breast cancer"), text.index("breast cancer") + len("breast cancer"))
    ((ctx, why),) = engine.assess_explained(text, s2, [bc])
    assert ctx == Context(family=True)
    assert [text[t.start : t.end] for t in why] == ["Mother had"]


def test_section_default_is_explained_by_a_section_trigger(engine: ContextEngine) -> None:
    text = "Appendicitis."
    ((ctx, why),) = engine.assess_explained(text, (0, len(text)), [(0, 12)], section="PMH")
    assert ctx == Context(historical=True)
    (trig,) = why
    assert trig.direction is Direction.SECTION
    assert (trig.start, trig.end, trig.phrase) == (0, 0, "past_medical_history")


def test_triggers_lists_terminators_and_the_pseudo_that_hid_a_trigger(
    engine: ContextEngine,
) -> None:
    text = "No increase in pain, but no fever."
    got = [
        (text[t.start : t.end], t.direction, t.category)
        for t in engine.triggers(text, (0, len(text)))
    ]
    assert got == [
        ("No increase in", Direction.PSEUDO, None),
        ("but", Direction.TERMINATE, None),
        ("no", Direction.FORWARD, Category.NEGATED_EXISTENCE),
    ]


def test_longest_trigger_wins(engine: ContextEngine) -> None:
    text = "No history of asthma."
    got = [text[t.start : t.end] for t in engine.triggers(text, (0, len(text)))]
    assert got == ["No history of"]


# ---------------------------------------------------------------- offsets and matching


def test_offsets_in_a_longer_note_and_the_per_note_cache(engine: ContextEngine) -> None:
    note_a = "CHIEF COMPLAINT: cough.\nHPI: Denies fever. Reports cough.\nFH: mother with asthma.\n"
    note_b = "Fever and cough.\nNo asthma.\n"

    def span(text: str, word: str, start: int = 0) -> tuple[int, int]:
        i = text.index(word, start)
        return (i, i + len(word))

    s_hpi = (note_a.index("Denies"), note_a.index("fever.") + 6)
    s_rep = (note_a.index("Reports"), note_a.index("Reports") + len("Reports cough."))
    s_fh = (note_a.index("FH:"), len(note_a) - 1)
    assert engine.assess(note_a, s_hpi, [span(note_a, "fever")]) == [Context(negated=True)]
    assert engine.assess(note_a, s_rep, [span(note_a, "cough", s_rep[0])]) == [Context()]
    # another note in between must not reuse the first note's matches
    assert engine.assess(note_b, (0, 16), [span(note_b, "Fever"), span(note_b, "cough")]) == [
        Context(),
        Context(),
    ]
    assert engine.assess(note_b, (17, 27), [span(note_b, "asthma")]) == [Context(negated=True)]
    assert engine.assess(note_a, s_fh, [span(note_a, "asthma")]) == [Context(family=True)]


def test_white_space_runs_inside_a_trigger_keep_original_offsets(engine: ContextEngine) -> None:
    text = "Chest film:  no  \n  evidence   of pneumonia."
    target = (text.index("pneumonia"), text.index("pneumonia") + 9)
    ((ctx, why),) = engine.assess_explained(text, (0, len(text)), [target])
    assert ctx == Context(negated=True)
    assert text[why[0].start : why[0].end] == "no  \n  evidence   of"


def test_offsets_survive_characters_that_lower_case_to_two(engine: ContextEngine) -> None:
    text = "İİİ denies fever."  # 'İ'.lower() is two characters
    target = (text.index("fever"), text.index("fever") + 5)
    ((ctx, why),) = engine.assess_explained(text, (0, len(text)), [target])
    assert ctx == Context(negated=True)
    assert text[why[0].start : why[0].end] == "denies"


@pytest.mark.parametrize(
    "text",
    [
        "Nodule in the left lung.",  # "no" inside "nodule"
        "Ifosfamide started for a person with asthma.",  # "if", "son" inside words
        "Notable asthma.",  # "not" inside "notable"
    ],
)
def test_triggers_match_whole_words_only(engine: ContextEngine, text: str) -> None:
    words = ("Nodule", "asthma")
    spans = [(text.index(w), text.index(w) + len(w)) for w in words if w in text]
    assert engine.triggers(text, (0, len(text))) == []
    assert all(c == Context() for c in engine.assess(text, (0, len(text)), spans))


def test_a_target_holding_the_trigger_is_not_modified_by_it(engine: ContextEngine) -> None:
    text = "Old myocardial infarction on ECG."
    assert engine.assess(text, (0, len(text)), [(0, 25)]) == [Context()]
    # but a target that starts inside a trigger is still after the trigger's first word
    text = "If symptoms worsen, call."
    assert engine.assess(text, (0, len(text)), [(3, 11)]) == [Context(hypothetical=True)]


def test_empty_target_list_and_sentence_without_triggers(engine: ContextEngine) -> None:
    assert engine.assess("No fever.", (0, 9), []) == []
    assert engine.assess("Fever.", (0, 6), [(0, 5)]) == [Context()]


@pytest.mark.parametrize(
    ("sentence", "targets", "words"),
    [
        ((0, 9), [(3, 12)], "outside the sentence"),
        ((0, 9), [(5, 5)], "empty"),
        ((4, 40), [(5, 8)], "outside the text"),
        ((-1, 5), [], "outside the text"),
    ],
)
def test_bad_spans_are_input_errors(
    engine: ContextEngine, sentence: tuple[int, int], targets: list[tuple[int, int]], words: str
) -> None:
    with pytest.raises(InputError) as err:
        engine.assess("No fever. Cough.", sentence, targets)
    assert words in str(err.value)
    assert err.value.code == "MC100"


# ---------------------------------------------------------------- rules files


MINIMAL = """\
version: 1
max_scope: 2
rules:
  - category: NEGATED_EXISTENCE
    direction: FORWARD
    phrases: ["{denies|no}"]
  - direction: TERMINATE
    phrases: [but]
"""


def test_custom_rules_file_and_the_window(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(MINIMAL)
    engine = ContextEngine(path)
    assert engine.phrase_count == 3

    def run(marked: str) -> list[frozenset[str]]:
        text, spans, _ = parse(marked)
        return [_flags(c) for c in engine.assess(text, (0, len(text)), spans)]

    # two words between trigger and target: in scope; three: out of it
    assert run("Denies any recent [fever|negated].") == [{"negated"}]
    assert run("Denies any very recent [fever|asserted].") == [frozenset()]
    # the window slides along a list of targets it already modifies
    assert (
        run("Denies [a|negated], [b|negated], [c|negated], [d|negated] or [e|negated].")
        == [{"negated"}] * 5
    )
    assert run("No [a|negated] but [b|asserted].") == [{"negated"}, frozenset()]


@pytest.mark.parametrize(
    ("body", "words", "line"),
    [
        ("version: 1\nrules: [\n", "not valid YAML", 3),
        ("version: 2\nrules: []\n", "unsupported rules version 2", None),
        (
            "version: 1\nrules:\n  - direction: SIDEWAYS\n    phrases: [x]\n",
            "direction 'SIDEWAYS'",
            3,
        ),
        (
            "version: 1\nrules:\n  - category: NEGATED_EXISTENCE\n    direction: FORWARD\n"
            "    phrases: ['no']\n  - category: HISTORICAL\n    direction: FORWARD\n    phrases: ['{no|old}']\n",
            "phrase 'no' is in two rules (the other at line 3)",
            6,
        ),
        (
            "version: 1\nrules:\n  - category: NEGATED_EXISTENCE\n    direction: FORWARD\n    phrases: [no]\n",
            "a phrase reads as False: quote it",
            3,
        ),
        (
            "version: 1\nrules:\n  - category: NEGATED_EXISTENCE\n    direction: FORWARD\n"
            "    unless: [onset]\n    phrases: [no]\n",
            "unknown marker group 'onset'",
            3,
        ),
        (
            "version: 1\nrules:\n  - category: FAMILY\n    direction: FORWARD\n    phrases: ['{mother|father']\n",
            "unbalanced or nested braces",
            3,
        ),
        (
            "version: 1\nrules:\n  - category: FAMILY\n    direction: TERMINATE\n    phrases: [but]\n",
            "has no category",
            3,
        ),
        (
            "version: 1\nrules:\n  - category: SOMEONE\n    direction: FORWARD\n    phrases: [x]\n",
            "category 'SOMEONE'",
            3,
        ),
        (
            "version: 1\nrules:\n  - category: FAMILY\n    direction: FORWARD\n    max_scope: [2, 3]\n"
            "    phrases: [x]\n",
            "'max_scope' must be a whole number",
            3,
        ),
        (
            "version: 1\nrules:\n  - direction: PSEUDO\n    ends: [FAMILY]\n    phrases: [x]\n",
            "'ends' does not apply",
            3,
        ),
        ("version: 1\nrules: []\nextra: 1\n", "unknown top-level key(s): extra", None),
        (
            "version: 1\nrules:\n  - {direction: TERMINATE, phrases: [but]}\nsections:\n  fh: {sets: [FAMILY]}\n"
            "  family_history: {sets: [FAMILY], aliases: [fh]}\n",
            "section name 'fh' is given twice",
            6,
        ),
    ],
)
def test_bad_rules_files_say_what_and_where(
    tmp_path: Path, body: str, words: str, line: int | None
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(body)
    with pytest.raises(FileFormatError) as err:
        ContextEngine(path)
    assert words in str(err.value)
    assert err.value.code == "MC110"
    assert err.value.path == str(path)
    assert err.value.line == line


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="cannot read the ConText rules"):
        ContextEngine(tmp_path / "absent.yaml")


def test_expand_phrase_and_section_names() -> None:
    assert expand_phrase("no {new|} evidence {of|for}") == [
        "no new evidence of",
        "no new evidence for",
        "no evidence of",
        "no evidence for",
    ]
    assert expand_phrase("  Gram   Negative ") == ["gram negative"]
    assert normalize_section("Past Medical History:") == "past_medical_history"
    assert normalize_section("family-history") == "family_history"


def test_default_engine_is_built_once() -> None:
    assert default_engine() is default_engine()


# ---------------------------------------------------------------- real text


@pytest.mark.shared
def test_codiesp_case_report_sentences(shared_data: Path, engine: ContextEngine) -> None:
    """The first CodiEsp dev English case: history, presentation, uncertainty and a negated list."""
    text = (shared_data / "codiesp/dev/text_files_en/S0004-06142005000900016-1.txt").read_text()

    def at(word: str) -> tuple[int, int]:
        i = text.index(word)
        return (i, i + len(word))

    first = (0, text.index("\n"))
    got = engine.assess(
        text,
        first,
        [at("duodenal ulcer"), at("constipation"), at("pain"), at("renoureteral crisis")],
    )
    assert got == [
        Context(historical=True),
        Context(historical=True),
        Context(),
        Context(uncertain=True),
    ]
    second = (first[1] + 1, text.index("\n", first[1] + 1))
    got = engine.assess(
        text, second, [at("nephrolithiasis"), at("hematuria"), at("urinary tract infections")]
    )
    assert got == [Context(negated=True)] * 3
