"""Bad 835 files (``tests/bad_inputs/remits``, see its README): each is refused with an
InputError naming the file and the segment; ``NAME.expect`` lists words the message must
contain. ``duplicate-payment.835`` is read, its second copy of the payment left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.errors import InputError
from medcoder.remit.readers.x835 import read_835, read_835_files

BAD_DIR = Path(__file__).resolve().parents[1] / "bad_inputs" / "remits"
BAD = sorted(p for p in BAD_DIR.glob("*.835") if (p.parent / (p.name + ".expect")).is_file())
# errors found before any segment is split name the file alone
WHOLE_FILE = {"empty.835", "not-x12.835", "non-ascii.835"}


def _words(path: Path) -> list[str]:
    return [w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip()]


def test_every_bad_remit_has_its_expectation() -> None:
    files = sorted(BAD_DIR.glob("*.835"))
    assert len(BAD) >= 20
    assert all((p.parent / (p.name + ".expect")).is_file() or
               (p.parent / (p.name + ".expect-warning")).is_file() for p in files)


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_remit_is_refused_clearly(path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_835(path, validate=False)
    message = str(err.value)
    assert err.value.where is not None and path.name in err.value.where
    if path.name not in WHOLE_FILE:
        segment = err.value.where.rsplit(":", 1)[1]
        assert segment.isdigit() and int(segment) >= 1, message
    for words in _words(path.parent / (path.name + ".expect")):
        assert words.lower() in message.lower(), (words, message)


def test_bad_remit_is_refused_by_pyx12_too() -> None:
    with pytest.raises(InputError, match="pyx12"):
        read_835(BAD_DIR / "wrong-se-count.835", validate=True)


def test_duplicate_payment_is_kept_once_with_a_warning() -> None:
    path = BAD_DIR / "duplicate-payment.835"
    assert len(read_835(path)) == 2  # both transactions are valid 835s
    batch = read_835_files([path])
    assert len(batch.remittances) == 1 and len(batch.duplicates) == 1
    assert len(batch.claims) == 1
    (warning,) = batch.warnings
    for words in _words(path.parent / (path.name + ".expect-warning")):
        assert words.lower() in warning.lower()
    assert f"{path}:3" in warning and f"{path}:32" in warning
    assert batch.remittances[0].warnings == [warning]


def test_the_same_file_twice_counts_once(tmp_path: Path) -> None:
    src = BAD_DIR / "duplicate-payment.835"
    copy = tmp_path / "again.835"
    copy.write_text(src.read_text())
    batch = read_835_files([src, copy])
    assert len(batch.remittances) == 1
    assert len(batch.duplicates) == 3
    assert sum(c.paid for c in batch.claims) == batch.remittances[0].claims[0].paid
    assert any("again.835" in w for w in batch.warnings)
