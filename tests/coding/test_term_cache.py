"""The term dictionary read back from its on-disk cache is the dictionary that was built: the
same terms in the same order, the same anchors and abbreviations (the cache only saves time)."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

from medcoder.coders.diagnosis import terms
from medcoder.codesets.kb import KnowledgeBase


def test_cached_dictionary_is_the_built_one(coding_kb: KnowledgeBase, tmp_path: Path) -> None:
    dos = dt.date(2026, 5, 1)
    built = terms.build(coding_kb, dos, cache_dir=tmp_path)
    files = list(tmp_path.glob("dx-terms-*.pickle"))
    assert len(files) == 1 and not list(tmp_path.glob("*.tmp"))
    built.anchored("diabetes", 400)  # a matching-time index: kept in memory, never written
    loaded = terms.build(coding_kb, dos, cache_dir=tmp_path)
    assert loaded is not built
    assert loaded.terms == built.terms and loaded.by_anchor == built.by_anchor
    assert loaded.abbreviations == built.abbreviations
    assert loaded.multiword_abbreviations == built.multiword_abbreviations
    assert loaded.sources == built.sources == {"icd10cm-tabular": "FY2026-April"}
    assert "_anchored" not in pickle.loads(pickle.dumps(built)).__dict__
    assert loaded.anchored("diabetes", 400) == built.anchored("diabetes", 400)
    assert all(words == frozenset(t.words) for t, words in loaded.anchored("diabetes", 400))


def test_a_broken_cache_is_rebuilt(coding_kb: KnowledgeBase, tmp_path: Path) -> None:
    dos = dt.date(2026, 5, 1)
    built = terms.build(coding_kb, dos, cache_dir=tmp_path)
    (cache,) = tmp_path.glob("dx-terms-*.pickle")
    cache.write_bytes(b"not a pickle")
    again = terms.build(coding_kb, dos, cache_dir=tmp_path)
    assert again.terms == built.terms
