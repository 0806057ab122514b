"""The bad-document corpus: every file under ``tests/bad_inputs/documents/`` must be refused.

Each bad file ``NAME.EXT`` sits beside ``NAME.EXT.expect``, whose non-empty lines are words the
error message must contain (case-insensitive). Reading must raise a ``medcoder.errors.InputError``
(never a traceback) whose message names the file. Notes too large to keep in the repository
are written here at test time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.errors import BadDateError, FileFormatError, InputError
from medcoder.readers import read_document

BAD = Path(__file__).resolve().parents[1] / "bad_inputs" / "documents"
CASES = sorted(p for p in BAD.iterdir() if p.is_file() and not p.name.endswith(".expect"))


def test_corpus_has_a_case_per_failure_mode() -> None:
    assert len(CASES) >= 15
    assert {p.suffix for p in CASES} >= {".txt", ".json", ".hl7", ".xml"}


@pytest.mark.parametrize("bad", CASES, ids=lambda p: p.name)
def test_bad_document_is_refused_clearly(bad: Path) -> None:
    expect = bad.with_name(bad.name + ".expect")
    assert expect.is_file(), f"{bad} needs a {expect.name} with the words its error must contain"
    words = [w.strip() for w in expect.read_text().splitlines() if w.strip()]
    with pytest.raises(InputError) as err:
        read_document(bad)
    message = str(err.value)
    for w in words:
        assert w.lower() in message.lower(), f"error for {bad.name} lacks {w!r}: {message}"
    assert bad.name in message, f"error must name the file: {message}"


def test_a_five_megabyte_note_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "huge_note.txt"
    big.write_text("Patient seen for cough. " * (5 * 1024 * 1024 // 24))
    with pytest.raises(FileFormatError) as err:
        read_document(big)
    message = str(err.value)
    assert "huge_note.txt" in message
    assert "5.0 MB" in message and "limit is 2.0 MB" in message


def test_a_file_over_the_document_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "bundle.json"
    big.write_bytes(b"{" + b" " * (9 * 1024 * 1024) + b"}")
    with pytest.raises(FileFormatError, match=r"bundle\.json: the file is 9\.0 MB .* at most 8\.0 MB"):
        read_document(big)


def test_the_limit_can_be_set_per_call() -> None:
    note = b"HPI: cough for three days with fever."
    assert read_document(note, max_chars=100).text == note.decode()
    with pytest.raises(FileFormatError, match="37 characters"):
        read_document(note, max_chars=20)


def test_missing_file_and_folder_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.txt: no such file"):
        read_document(tmp_path / "nowhere.txt")
    with pytest.raises(InputError, match="not a file"):
        read_document(tmp_path)


def test_note_text_given_where_a_path_belongs_is_not_echoed() -> None:
    with pytest.raises(InputError) as err:
        read_document("HPI: chest pain since Monday.\nPlan: ECG.")
    assert "chest pain" not in str(err.value)
    assert "a str is a path" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"setting": "hospice"}, "unknown setting 'hospice'; expected one of: outpatient"),
        ({"age": 126}, "age 126 is not possible"),
        ({"age": -1}, "age -1 is not possible"),
        ({"sex": "Z"}, "sex 'Z' is not one of M, F, U"),
        ({"fmt": "pdf"}, "unknown document format 'pdf'"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(InputError, match=words):
        read_document(b"HPI: cough.", **kwargs)  # type: ignore[arg-type]


def test_a_date_of_service_before_1900_is_refused() -> None:
    import datetime as dt

    with pytest.raises(BadDateError, match="before 1900"):
        read_document(b"HPI: cough.", date_of_service=dt.date(1899, 12, 31))
