"""The knowledge base notices a changed data dir: at every ``open`` normally, once per block
inside ``kb.steady()`` (one claim's scrub or pricing); a kind that is not loaded is refused
until it is imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.errors import DataError

CARC = "carc_rarc/claim_adjustment_reason_codes.csv"


def test_a_kind_not_loaded_is_refused_until_imported(shared_data: Path, kb: KnowledgeBase) -> None:
    with pytest.raises(DataError):
        kb.open("carc", "2024-10-01")
    with pytest.raises(DataError):  # asked again: the same answer (remembered)
        kb.open("carc", "2024-10-01")
    kb.import_file("carc", shared_data / CARC)
    assert kb.open("carc", "2024-10-01").reader.get("45") is not None


def test_another_process_import_is_seen_at_the_next_open(shared_data: Path, kb: KnowledgeBase) -> None:
    with pytest.raises(DataError):
        kb.open("carc", "2024-10-01")
    other = KnowledgeBase(DataStore(kb.store.root))  # e.g. `medcoder data import` meanwhile
    other.import_file("carc", shared_data / CARC)
    assert kb.open("carc", "2024-10-01").reader.get("97") is not None


def test_inside_steady_the_manifest_is_read_once(shared_data: Path, kb: KnowledgeBase) -> None:
    other = KnowledgeBase(DataStore(kb.store.root))
    with kb.steady():
        with pytest.raises(DataError):
            kb.open("carc", "2024-10-01")
        other.import_file("carc", shared_data / CARC)
        with pytest.raises(DataError):  # one consistent view for the whole block
            kb.open("carc", "2024-10-01")
        kb.memo["answer"] = 1
    assert kb.open("carc", "2024-10-01").reader.get("16") is not None  # after it: seen
    assert "answer" not in kb.memo  # answers derived from the old tables are dropped


def test_an_import_through_the_same_kb_is_seen_inside_steady(shared_data: Path, kb: KnowledgeBase) -> None:
    with kb.steady():
        with pytest.raises(DataError):
            kb.open("carc", "2024-10-01")
        kb.import_file("carc", shared_data / CARC)
        assert kb.open("carc", "2024-10-01").reader.get("45") is not None
