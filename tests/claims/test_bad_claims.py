"""Bad claim files (``tests/bad_inputs/claims``, see its README): each is refused with an
error naming the file and the segment line or field; ``NAME.expect`` lists words the message
must contain. The same files through ``medcoder claim scrub`` exit 2 with that message and no
traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from medcoder.claims.io import load_claims
from medcoder.errors import InputError

BAD_DIR = Path(__file__).resolve().parents[1] / "bad_inputs" / "claims"
BAD = sorted(p for p in BAD_DIR.iterdir() if p.suffix in (".837", ".yaml"))


def _expected(path: Path) -> list[str]:
    lines = (path.parent / (path.name + ".expect")).read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip()]


def test_every_bad_claim_has_its_expectation() -> None:
    assert len(BAD) >= 10
    assert all((p.parent / (p.name + ".expect")).is_file() for p in BAD)


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_claim_file_is_refused_clearly(path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_claims(path, check=False)
    message = str(err.value)
    assert path.name in message
    for words in _expected(path):
        assert words.lower() in message.lower(), (words, message)


@pytest.mark.parametrize("name", ["wrong-segment-count.837", "negative-charge.yaml"])
def test_scrub_command_reports_bad_file_without_traceback(name: str) -> None:
    run = subprocess.run([sys.executable, "-m", "medcoder.cli", "claim", "scrub", str(BAD_DIR / name)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("error[") and name in run.stderr
    assert all(w.lower() in run.stderr.lower() for w in _expected(BAD_DIR / name))
