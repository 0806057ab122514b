"""The bad-input corpus: every file under ``tests/bad_inputs/<kind>/`` must be refused.

Each bad file ``NAME.EXT`` sits beside ``NAME.EXT.expect``, whose non-empty lines are words
the error message must contain (case-insensitive). The import must raise a medcoder error
(never a traceback) and leave the data dir exactly as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.errors import MedcoderError

BAD = Path(__file__).parent / "bad_inputs"
# tests/bad_inputs/documents/ holds bad notes for the readers (tests/readers/test_bad_documents.py),
# profiles/ bad billing profiles (tests/claims/test_bad_profiles.py), claims/ bad claim files
# (tests/claims/test_bad_claims.py)
NOT_TABLES = {"documents", "profiles", "claims", "remits", "audit"}  # read by their own tests
CASES = sorted(
    p
    for p in BAD.glob("*/*")
    if p.is_file()
    and not p.name.endswith(".expect")
    and p.name != "README.md"
    and p.parent.name not in NOT_TABLES
)


def _snapshot(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("bad", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bad_input_is_refused_clearly(bad: Path, data_dir: Path) -> None:
    expect = bad.with_name(bad.name + ".expect")
    assert expect.is_file(), f"{bad} needs a {expect.name} with the words its error must contain"
    words = [w.strip() for w in expect.read_text().splitlines() if w.strip()]
    kind = bad.parent.name
    kb = KnowledgeBase(DataStore(data_dir))
    # a good table of another kind is already there; it must survive untouched
    (data_dir).mkdir(parents=True, exist_ok=True)
    before = _snapshot(data_dir)
    with pytest.raises(MedcoderError) as err:
        kb.import_file(kind, bad)
    message = str(err.value).lower()
    for w in words:
        assert w.lower() in message, f"error for {bad.name} lacks {w!r}: {err.value}"
    assert bad.name in str(err.value) or bad.stem in str(err.value), "error must name the file"
    assert _snapshot(data_dir) == before
