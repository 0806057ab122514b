"""Bad billing profiles (``tests/bad_inputs/profiles``): each is refused with an error that
names the file and the field; ``NAME.yaml.expect`` lists words the message must contain."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.claims.profile import load_profile
from medcoder.errors import InputError

BAD = sorted((Path(__file__).resolve().parents[1] / "bad_inputs" / "profiles").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_profile_is_refused_clearly(path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_profile(path)
    message = str(err.value)
    assert path.name in message
    for words in (path.parent / (path.name + ".expect")).read_text(encoding="utf-8").splitlines():
        if words.strip():
            assert words.strip().lower() in message.lower(), (words, message)
