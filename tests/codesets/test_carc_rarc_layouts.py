"""The remittance list importer on small hand-written files (no shared data needed).

The descriptions below are placeholders written for these tests; only the layouts (CSV with
``Code,Description``, dates run into the text or in their own columns) follow the real lists.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets.carc_rarc.builder import split_description
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.registry import spec
from medcoder.errors import FileFormatError


def test_split_description() -> None:
    p = Path("x.csv")
    assert split_description("Plain text.", p, 2) == ("Plain text.", {}, None)
    text = "Example remark.Start: 01/01/1997 | Stop: 08/01/2004 | Last Modified: 02/28/2003Notes: Consider X"
    desc, dates, notes = split_description(text, p, 2)
    assert desc == "Example remark."
    assert dates == {"start": dt.date(1997, 1, 1), "stop": dt.date(2004, 8, 1), "modified": dt.date(2003, 2, 28)}
    assert notes == "Consider X"
    # "Stop loss" without a colon and a date is wording, not a date
    assert split_description("Your Stop loss deductible has not been met.", p, 2)[1] == {}
    with pytest.raises(FileFormatError, match="not a date"):
        split_description("Text.Start: 13/45/2001", p, 7)


def test_dates_and_notes_in_their_own_columns(kb: KnowledgeBase, tmp_path: Path) -> None:
    f = tmp_path / "carc-export.csv"
    f.write_text(
        "Code,Description,Start Date,Last Modified,Stop Date,Notes\n"
        '1,"Example reason, with a comma",01/01/1995,,,\n'
        "15,Example reason two,01/01/1995,09/30/2007,2008-07-01,Consider another code\n"
        "P9,Example reason three (Use only with Group Code CO),11/01/2013,,,\n",
        encoding="utf-8",
    )
    info = kb.import_file("carc", f)
    assert (info.rows, info.release, info.effective_from) == (3, "2013-11-01", "1995-01-01")
    carc = kb.open("carc", "2024-01-01").reader
    c15 = carc.get("15")
    assert (c15.start, c15.last_modified, c15.stop) == (dt.date(1995, 1, 1), dt.date(2007, 9, 30), dt.date(2008, 7, 1))
    assert c15.notes == "Consider another code"
    assert not carc.is_active("15", "2008-07-02")
    assert carc.get("1").description == "Example reason, with a comma"
    assert carc.get("P9").groups == ("CO",)


def test_cp1252_and_bom(kb: KnowledgeBase, tmp_path: Path) -> None:
    f = tmp_path / "rarc.csv"
    f.write_bytes("\ufeffCode,Description\nN1,Example \u2013 remark.Start: 01/01/2000\n".encode("utf-8"))
    kb.import_file("rarc", f)
    assert kb.open("rarc").reader.get("N1").description == "Example \u2013 remark."
    g = tmp_path / "rarc-cp1252.csv"
    g.write_bytes("Code,Description\nN2,Example \u2013 remark.Start: 01/01/2001\n".encode("cp1252"))
    kb.import_file("rarc", g)
    assert kb.open("rarc").reader.get("N2").description == "Example \u2013 remark."


def test_a_list_of_another_kind_is_refused_with_the_kind_it_looks_like(kb: KnowledgeBase, tmp_path: Path) -> None:
    f = tmp_path / "remarks.csv"
    f.write_text("Code,Description\nM1,Example remark.Start: 01/01/1997\n")
    with pytest.raises(FileFormatError, match="import it as rarc"):
        kb.import_file("carc", f)
    g = tmp_path / "reasons.csv"
    g.write_text("Code,Description\n1,Example reason\nB15,Example reason\n")
    with pytest.raises(FileFormatError, match="import it as carc"):
        kb.import_file("rarc", g)


def test_a_zip_holding_every_list(kb: KnowledgeBase, tmp_path: Path) -> None:
    z = tmp_path / "code-lists.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("data/claim_adjustment_reason_codes.csv", "Code,Description\n1,Example reason\n")
        zf.writestr("data/remittance_advice_remark_codes.csv", "Code,Description\nN1,Example.Start: 01/01/2000\n")
        zf.writestr("data/claim_adjustment_group_codes.csv", "Code,Description\nCO,Example group\n")
        zf.writestr("data/claim_status_codes.csv", "Code,Description\n1,Example status\n")
        zf.writestr("data/provider_adjustment_reason_codes.csv", "Code,Description\nWO,Example amount\n")
    for kind in ("carc", "rarc", "claim-adjustment-groups", "claim-status", "plb-reasons"):
        assert kb.import_file(kind, z).rows == 1
    assert kb.open("claim-adjustment-groups").reader.get("CO").description == "Example group"


def test_kinds_name_their_official_source() -> None:
    assert "x12.org/codes/claim-adjustment-reason-codes" in spec("carc").official_source
    assert "x12.org/codes/remittance-advice-remark-codes" in spec("rarc").official_source
    assert spec("carc").sync == ()
    assert "X12" in spec("plb-reasons").licence
