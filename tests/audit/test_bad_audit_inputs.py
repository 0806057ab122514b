"""The bad audit inputs (``tests/bad_inputs/audit``, see its README): every broken extract,
members file and documentation folder is reported with the words of its ``NAME.expect``,
naming the file, and whatever it concerns is kept out; nothing else is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.audit.inputs import read_claim_extract, read_documentation, read_members
from medcoder.errors import InputError

BAD = Path(__file__).resolve().parents[1] / "bad_inputs" / "audit"
EXTRACTS = sorted(p for p in BAD.glob("*.csv") if not p.name.startswith("members-"))
MEMBERS = sorted(BAD.glob("members-*.csv"))
FOLDERS = sorted(p for p in BAD.glob("docs-*") if p.is_dir())


def _words(path: Path) -> list[str]:
    expect = path.with_name(path.name + ".expect")
    assert expect.is_file(), f"{path.name} needs {expect.name}"
    return [w.strip() for w in expect.read_text(encoding="utf-8").splitlines() if w.strip()]


def _has(message: str, words: list[str]) -> bool:
    return all(w.lower() in message.lower() for w in words)


def test_corpus_is_complete() -> None:
    assert len(EXTRACTS) >= 20 and len(MEMBERS) >= 5 and len(FOLDERS) >= 6
    for p in BAD.iterdir():
        if p.name != "README.md" and not p.name.endswith(".expect"):
            assert p.with_name(p.name + ".expect").is_file(), p.name


@pytest.mark.parametrize("path", EXTRACTS, ids=[p.name for p in EXTRACTS])
def test_bad_extract_is_reported(path: Path) -> None:
    words = _words(path)
    try:
        res = read_claim_extract(path)
    except InputError as err:
        assert err.where is not None and path.name in err.where
        assert _has(str(err), words), (words, str(err))
        return
    found = [p for p in res.problems if _has(p.message, words)]
    assert found, (words, [p.message for p in res.problems])
    assert all(p.path == str(path) and p.line is not None and p.line >= 2 for p in found)
    ids = [c.claim_id for c in res.claims]
    assert ids == ["C10"], "the good claim is read, the bad one is not"
    if any("C12" in p.message for p in found):
        assert res.left_out == ["C12"]


@pytest.mark.parametrize("path", MEMBERS, ids=[p.name for p in MEMBERS])
def test_bad_members_file_is_reported(path: Path) -> None:
    words = _words(path)
    try:
        res = read_members(path)
    except InputError as err:
        assert err.where is not None and path.name in err.where and _has(str(err), words), str(err)
        return
    found = [p for p in res.problems if _has(p.message, words)]
    assert found, (words, [p.message for p in res.problems])
    assert all(p.path == str(path) for p in found)
    assert "P2" not in res.members and "P1" in res.members


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_bad_documentation_is_reported(folder: Path) -> None:
    words = _words(folder)
    res = read_documentation(folder)
    assert res.docs == {}
    found = [p for p in res.problems if _has(p.message, words)]
    assert found, (words, [p.message for p in res.problems])
    files = sorted(f for f in folder.iterdir() if f.is_file())
    assert {p.path for p in res.problems} == {str(f) for f in files}, "every file is named"
    (claim_id,) = {f.stem for f in files}
    assert claim_id in res.not_reviewable
    for f in files:  # never the note's text
        text = f.read_text(encoding="utf-8", errors="replace").strip()
        if len(text) > 20:
            for p in res.problems:
                assert text[:20] not in p.message and "hypertension" not in str(p).lower()
