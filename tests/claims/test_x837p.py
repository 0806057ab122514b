"""The 837P writer and X12 validation: every file medcoder writes passes pyx12; the
implementation-guide samples read, and the two with an invalid PWK02 are rejected for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from medcoder.claims.validate import validate_x12


def segments(text: str, tag: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip().startswith(tag + "*")]


@pytest.mark.parametrize(
    ("example", "lines"),
    [
        ("office-injection.json", ["SV1*HC:J1885*19*UN*2***1:2:3", "SV1*HC:96372*40*UN*1***1:2:3",
                                   "SV1*HC:99213:25*145*UN*1***1:2:3"]),
        ("anesthesia-record.json", ["SV1*HC:00790:QX:P2*1200*MJ*81***1"]),
        ("ambulance-run.json", ["SV1*HC:A0427:RH*650*UN*1***1", "SV1*HC:A0425:RH*102.9*UN*8.4***1"]),
    ],
)
def test_written_837p_files_pass_pyx12(written: Any, example: str, lines: list[str]) -> None:
    path, text = written(example)
    v = validate_x12(path)
    assert v.ok, v.errors
    assert "IK5*A" in v.ack_999  # the 999 accepts the transaction
    assert segments(text, "SV1") == lines
    (clm,) = segments(text, "CLM")
    assert clm.split("*")[5].endswith(":B:1")
    assert segments(text, "SE")[0].split("*")[1] == str(len([s for s in text.split("~") if s.strip()]) - 4)


def test_a_replacement_claim_carries_the_original_claim_number(written: Any) -> None:
    path, text = written("office-injection.json", frequency="7",
                         original_claim_id="2026163000123")
    assert validate_x12(path).ok
    assert segments(text, "CLM")[0].split("*")[5] == "11:B:7"
    assert segments(text, "REF*F8") == ["REF*F8*2026163000123"]


@pytest.mark.shared
def test_the_implementation_guide_samples(shared_data: Path) -> None:
    samples = sorted((shared_data / "x12" / "837p").glob("*"))
    assert len(samples) >= 10
    results = {p.name: validate_x12(p) for p in samples}
    bad = {name for name, v in results.items() if not v.ok}
    assert bad == {"X222-oxygen.edi", "X222-wheelchair.edi"}, {n: results[n].errors for n in bad}
    for name in bad:
        assert all("PWK02" in e for e in results[name].errors), results[name].errors
        assert "IK5*R" in results[name].ack_999


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"HELLO*WORLD~", "does not start with an ISA segment"),
        (b"ISA*00*bad~", "does not look like an X12"),
    ],
)
def test_broken_files_are_invalid_with_a_reason(tmp_path: Path, content: bytes, words: str) -> None:
    p = tmp_path / "bad.837"
    p.write_bytes(content)
    v = validate_x12(p)
    assert not v.ok and any(words in e for e in v.errors), v.errors


def test_truncated_and_non_ascii_files(tmp_path: Path, written: Any) -> None:
    _path, text = written("office-injection.json")
    cut = tmp_path / "cut.837"
    cut.write_text(text[: len(text) // 2], encoding="ascii")
    v = validate_x12(cut)
    assert not v.ok and any("missing" in e for e in v.errors)
    accented = tmp_path / "accented.837"
    accented.write_bytes(text.replace("DOE", "DOÉ").encode("utf-8"))
    v = validate_x12(accented)
    assert not v.ok and "non-ASCII" in v.errors[0]


def test_claim_validate_command_exit_codes_and_999(tmp_path: Path, written: Any) -> None:
    good, _ = written("office-injection.json")
    bad = tmp_path / "bad.837"
    bad.write_bytes(good.read_bytes()[:400])
    cmd = [sys.executable, "-m", "medcoder.cli", "claim", "validate"]
    ok = subprocess.run([*cmd, str(good), "--ack", str(tmp_path / "ack.999")], capture_output=True)
    assert ok.returncode == 0 and b"valid" in ok.stdout
    assert "IK5*A" in (tmp_path / "ack.999").read_text()
    no = subprocess.run([*cmd, str(good), str(bad)], capture_output=True)
    assert no.returncode == 1 and b"INVALID" in no.stdout and b"Traceback" not in no.stderr


def test_every_line_carries_its_line_item_control_number(written: Any) -> None:
    path, text = written("office-injection.json")
    assert validate_x12(path).ok  # REF*6R sits where 005010X222A1 puts it in loop 2400
    segs = [s.strip() for s in text.split("~") if s.strip()]
    refs = segments(text, "REF*6R")
    assert refs == ["REF*6R*PCN-office-1", "REF*6R*PCN-office-2", "REF*6R*PCN-office-3"]
    for n, ref in enumerate(refs, start=1):  # LX, SV1, DTP*472, then REF*6R
        at = segs.index(ref)
        assert segs[at - 3] == f"LX*{n}" and segs[at - 1].startswith("DTP*472*D8*")
