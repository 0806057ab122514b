"""NCCI procedure-to-procedure edits, on hand-written fixtures in the CMS layout.

``tests/fixtures/ncci/ccipra-v322r0-f1.txt`` and ``-f2.txt`` are the practitioner file of
version 32.2 (2026Q3) in two parts (the first prints its column header on four lines, as the
CMS text does, the second on one); ``ccioph-v322r0-f1.txt`` is the hospital file. The pairs,
dates and indicators are examples written for these tests, not CMS edits: the assertions
check what the importer and the reader make of the file, nothing about Medicare policy.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.ncci.builder import PtpPractitionerBuilder
from medcoder.codesets.ncci.layout import Quarter, ptp_name
from medcoder.codesets.ncci.reader import PtpReader
from medcoder.codesets.registry import spec
from medcoder.errors import FileFormatError

FIX = Path(__file__).parents[1] / "fixtures" / "ncci"
F1 = FIX / "ccipra-v322r0-f1.txt"
F2 = FIX / "ccipra-v322r0-f2.txt"
OPH = FIX / "ccioph-v322r0-f1.txt"
PRA = "ncci-ptp-practitioner"


def write_xlsx(path: Path, rows: list[list[str | int]]) -> None:
    """A minimal workbook in the Office Open XML layout Excel writes (numbers as numbers)."""

    def col(i: int) -> str:
        return chr(65 + i)

    def cell(ref: str, v: str | int) -> str:
        if isinstance(v, int):
            return f'<c r="{ref}"><v>{v}</v></c>'
        text = v.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    body = "".join(
        f'<row r="{n}">' + "".join(cell(f"{col(i)}{n}", v) for i, v in enumerate(r) if v != "") + "</row>"
        for n, r in enumerate(rows, 1)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} {rel}><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{body}</sheetData></worksheet>")


def text_rows(path: Path) -> list[list[str | int]]:
    """The fixture's lines as a workbook would hold them: codes and dates that are numbers as numbers."""
    out: list[list[str | int]] = []
    for line in path.read_text().splitlines():
        out.append([int(c) if c.isdigit() and not c.startswith("0") else c for c in line.split("\t")])
    return out


@pytest.fixture
def ptp(kb: KnowledgeBase):
    kb.import_file(PRA, F1)
    return kb.open(PRA, "2026-08-01").reader


# -- release and parts -------------------------------------------------------------------------


def test_version_in_the_file_name_is_the_quarter() -> None:
    assert ptp_name("ccipra-v322r0-f1.txt").quarter == Quarter(2026, 3)
    assert ptp_name("ccioph-v310r0-f4.TXT").quarter.label == "2025Q1"
    assert ptp_name("ccioph-v310r0-f4.TXT").setting == "hospital"
    assert ptp_name("ccipra-v301r0-f2.xlsx").part == 2
    assert ptp_name("my-ptp-2026q1.txt").quarter.label == "2026Q1"
    assert ptp_name("ptp.txt") is None
    assert (Quarter(2026, 3).start, Quarter(2026, 3).end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert Quarter(2026, 4).end == dt.date(2026, 12, 31)


def test_import_takes_every_part_lying_beside_the_first(kb: KnowledgeBase) -> None:
    info = kb.import_file(PRA, F1)
    assert info.release == "2026Q3"
    assert (info.effective_from, info.effective_to) == ("2026-07-01", "2026-09-30")
    assert info.meta["version"] == "v322r0"
    assert info.meta["parts"] == [1, 2]
    assert info.meta["rows_by_part"] == {"1": 8, "2": 4}
    assert info.rows == 12


def test_parts_imported_one_at_a_time_accumulate(kb: KnowledgeBase, tmp_path: Path) -> None:
    for f in (F1, F2):
        (tmp_path / f.stem).mkdir()
        shutil.copy(f, tmp_path / f.stem / f.name)
    first = kb.import_file(PRA, tmp_path / F1.stem / F1.name)
    assert (first.meta["parts"], first.rows) == ([1], 8)
    both = kb.import_file(PRA, tmp_path / F2.stem / F2.name)
    assert (both.meta["parts"], both.rows) == ([1, 2], 12)
    again = kb.import_file(PRA, tmp_path / F1.stem / F1.name)  # a part imported again replaces itself
    assert (again.meta["parts"], again.rows) == ([1, 2], 12)
    reader = kb.open(PRA, "2026-08-01").reader
    assert reader.edit("93000", "93010", "2026-08-01") is not None  # from part 1
    assert reader.edit("20611", "20610", "2026-08-01") is not None  # from part 2


def test_official_zip_per_part(kb: KnowledgeBase, tmp_path: Path) -> None:
    for f in (F1, F2):
        z = tmp_path / f"medicare-ncci-2026q3-practitioner-ptp-edits-{f.stem}.zip"
        with zipfile.ZipFile(z, "w") as zf:
            zf.write(f, f.stem + ".TXT")
            zf.writestr("ReadMe.txt", "release notes")
        info = kb.import_file(PRA, z)
    assert info.meta["parts"] == [1, 2]
    assert info.rows == 12


def test_zip_of_the_part_zips(kb: KnowledgeBase, tmp_path: Path) -> None:
    outer = tmp_path / "ptp-2026q3-all-parts.zip"
    with zipfile.ZipFile(outer, "w") as zo:
        for f in (F1, F2):
            inner = tmp_path / f"medicare-ncci-2026q3-practitioner-ptp-edits-{f.stem}.zip"
            with zipfile.ZipFile(inner, "w") as zi:
                zi.write(f, f.name)
            zo.write(inner, inner.name)
    info = kb.import_file(PRA, outer)
    assert (info.meta["parts"], info.rows) == ([1, 2], 12)


def test_excel_part_reads_like_the_text(kb: KnowledgeBase, tmp_path: Path) -> None:
    x = tmp_path / "ccipra-v322r0-f1.xlsx"
    write_xlsx(x, text_rows(F1))
    z = tmp_path / "medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(x, x.name)
    info = kb.import_file(PRA, z)
    assert (info.meta["parts"], info.rows) == ([1], 8)
    e = kb.open(PRA, "2026-08-01").reader.edit("93010", "93000", "2026-08-01")
    assert e is not None and e.effective == dt.date(1996, 1, 1) and e.prior_1996


def test_text_is_read_when_a_part_comes_as_text_and_workbook(tmp_path: Path) -> None:
    x = tmp_path / "ccipra-v322r0-f2.xlsx"
    write_xlsx(x, [["Column 1", "Column 2"]])  # no edits: reading it would fail
    txt = tmp_path / F2.name
    shutil.copy(F2, txt)
    out = tmp_path / "out"
    out.mkdir()
    result = PtpPractitionerBuilder().build([x], out)  # the text beside it is found and preferred
    assert (result.rows, result.meta["files"]) == (4, ["ccipra-v322r0-f2.txt"])


def test_release_from_a_quarter_in_the_name(kb: KnowledgeBase, tmp_path: Path) -> None:
    p = tmp_path / "practitioner-ptp-2026Q1.txt"
    shutil.copy(F2, p)
    info = kb.import_file(PRA, p)
    assert (info.release, info.effective_from, info.meta["version"]) == ("2026Q1", "2026-01-01", None)


def test_release_in_force_on_the_date_of_service(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_file(PRA, F1)
    older = tmp_path / "ccipra-v321r0-f1.txt"  # 2026Q2: the 20611/20610 line says modifier 1 there
    older.write_text(F2.read_text().replace("20150101\t*\t0", "20150101\t*\t1"))
    kb.import_file(PRA, older)
    q2 = kb.open(PRA, "2026-05-15")
    assert q2.release == "2026Q2" and q2.notice is None
    assert q2.reader.edit("20610", "20611", "2026-05-15").modifier_indicator == 1
    q3 = kb.open(PRA, "2026-08-01")
    assert q3.reader.edit("20610", "20611", "2026-08-01").modifier_indicator == 0
    later = kb.open(PRA, "2027-02-01")
    assert later.release == "2026Q3" and "after the newest" in (later.notice or "")


# -- edits -------------------------------------------------------------------------------------


def test_edit_found_in_either_order(ptp) -> None:
    a = ptp.edit("93000", "93005", "2026-08-01")
    b = ptp.edit("93005", "93000", "2026-08-01")
    assert a == b
    assert (a.column1, a.column2) == ("93000", "93005")
    assert a.other("93005") == "93000"
    assert a.rationale == "CPT Manual or CMS manual coding instructions"
    assert a.prior_1996 is True
    assert a.setting == "practitioner"
    assert a.to_dict()["source"] == {"part": 1, "line": 15}


def test_modifier_indicator_1_allows_a_modifier_and_0_does_not(ptp) -> None:
    allowed = ptp.edit("29877", "29881", "2026-08-01")
    assert allowed.modifier_indicator == 1 and allowed.modifier_allowed
    assert allowed.modifier_meaning.startswith("allowed")
    never = ptp.edit("93000", "93010", "2026-08-01")
    assert never.modifier_indicator == 0 and not never.modifier_allowed
    assert never.modifier_meaning.startswith("not allowed")


def test_deleted_edit_applies_through_its_deletion_date_only(ptp) -> None:
    assert ptp.edit("12002", "12001", "2022-12-31") is not None
    assert ptp.edit("12002", "12001", "2023-01-01") is None
    assert ptp.edit("12002", "12001", "2026-08-01") is None
    (line,) = ptp.history("12001", "12002")
    assert line.deleted == dt.date(2022, 12, 31)
    assert not line.active_on(dt.date(2023, 1, 1))


def test_edit_does_not_apply_before_its_effective_date(ptp) -> None:
    assert ptp.edit("J2001", "96374", "2026-06-30") is None
    assert ptp.edit("j2001", "96374", "2026-07-01") is not None


def test_pair_whose_indicator_changed_is_answered_by_date(ptp) -> None:
    assert ptp.edit("43239", "43235", "2019-12-31").modifier_indicator == 1
    assert ptp.edit("43239", "43235", "2020-01-01").modifier_indicator == 0
    assert [e.modifier_indicator for e in ptp.history("43235", "43239")] == [0, 1]


def test_indicator_9_never_applies(ptp) -> None:
    assert ptp.edit("17000", "17003", "2024-01-01") is None
    (line,) = ptp.history("17000", "17003")
    assert line.modifier_indicator == 9 and line.modifier_meaning.startswith("not applicable")


def test_edits_for_a_code_in_either_column(ptp) -> None:
    found = ptp.edits_for("93000", "2026-08-01")
    assert [(e.column1, e.column2) for e in found] == [
        ("93000", "93005"),
        ("93000", "93010"),
        ("93015", "93000"),
    ]
    assert [e.column1 for e in ptp.edits_for("93000", "2026-08-01", column=2)] == ["93015"]
    assert ptp.edits_for("93000", "2009-06-01", column=2) == []


def test_edits_among_the_codes_of_one_claim(ptp) -> None:
    found = ptp.edits_among(["93000", "93005", "93010", "99213", "93000"], "2026-08-01")
    assert [(e.column1, e.column2) for e in found] == [("93000", "93005"), ("93000", "93010")]
    assert ptp.edits_among(["93000"], "2026-08-01") == []
    assert ptp.edit("93000", "93000", "2026-08-01") is None


def test_card_counts_the_edits_of_a_code(ptp) -> None:
    card = ptp.card("93000")
    assert card["system"] == "NCCI PTP" and card["code"] == "93000"
    assert card["release"] == "2026Q3" and card["setting"] == "practitioner"
    assert (card["in_force"], card["as_column1"], card["as_column2"]) == (3, 2, 1)
    assert [e["code"] for e in card["edits"]] == ["93005", "93010", "93015"]
    assert card["edits"][2]["role"] == "column 1 (paid)"
    deleted = ptp.card("12001")
    assert (deleted["in_force"], deleted["not_in_force"]) == (0, 1)
    assert ptp.card("99999") is None


def test_hospital_edits_are_a_table_of_their_own(kb: KnowledgeBase) -> None:
    kb.import_file(PRA, F1)
    kb.import_file("ncci-ptp-hospital", OPH)
    oph = kb.open("ncci-ptp-hospital", "2026-08-01").reader
    assert oph.edit("99213", "G0463", "2026-08-01").setting == "hospital"
    assert oph.edit("29881", "29877", "2026-08-01") is None
    assert kb.open(PRA, "2026-08-01").reader.edit("G0463", "99213", "2026-08-01") is None


def test_hospital_file_is_refused_as_practitioner(kb: KnowledgeBase) -> None:
    with pytest.raises(FileFormatError, match="import it as ncci-ptp-hospital"):
        kb.import_file(PRA, OPH)


def test_parts_of_two_releases_are_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    z = tmp_path / "mixed.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(F1, "ccipra-v322r0-f1.txt")
        zf.write(F2, "ccipra-v321r0-f2.txt")
    with pytest.raises(FileFormatError, match="different releases"):
        kb.import_file(PRA, z)


def test_kinds_declare_the_cms_downloads() -> None:
    s = spec(PRA)
    assert [x.url.rsplit("/", 1)[1] for x in s.sync] == [
        f"medicare-ncci-2026q4-practitioner-ptp-edits-ccipra-v323r0-f{n}.zip" for n in (1, 2, 3, 4)
    ]
    assert {x.release for x in s.sync} == {"2026Q4"}
    assert "cms.gov" in spec("ncci-ptp-hospital").official_source


def test_workbook_with_shared_strings_and_date_serials(tmp_path: Path) -> None:
    """Excel's own way: text in sharedStrings.xml (rich runs too), dates as day serials, sparse rows."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    shared = ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date", "Deletion Date",
              "Modifier", "PTP Edit Rationale", "Mutually exclusive procedures", "*", "0591T"]
    si = "".join(f"<si><t>{s}</t></si>" for s in shared[:-1]) + "<si><r><t>0591</t></r><r><t>T</t></r></si>"
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>CPT codes … copyright AMA</t></is></c></row>'
        '<row r="3">' + "".join(f'<c r="{c}3" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDEFG")) + "</row>"
        '<row r="4"><c r="A4"><v>93000</v></c><c r="B4" t="s"><v>9</v></c><c r="D4"><v>35065</v></c>'
        '<c r="E4" t="s"><v>8</v></c><c r="F4"><v>1</v></c><c r="G4" t="s"><v>7</v></c></row>'
    )
    x = tmp_path / "ccipra-v322r0-f3.xlsx"
    with zipfile.ZipFile(x, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook {ns}><sheets><sheet name="s" sheetId="1"/></sheets></workbook>')
        z.writestr("xl/sharedStrings.xml", f"<sst {ns}>{si}</sst>")
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{rows}</sheetData></worksheet>")
    out = tmp_path / "out"
    out.mkdir()
    result = PtpPractitionerBuilder().build([x], out)
    assert (result.rows, result.meta["parts"]) == (1, [3])
    reader = PtpReader(out)
    e = reader.edit("0591T", "93000", "2026-08-01")
    assert e is not None and e.effective == dt.date(1996, 1, 1) and e.modifier_allowed
    assert e.rationale == "Mutually exclusive procedures"


def test_cards_are_json(ptp) -> None:
    assert json.loads(json.dumps(ptp.card("93000")))["code"] == "93000"
    assert json.loads(json.dumps(ptp.edit("93000", "93005", "2026-08-01").to_dict()))["deleted"] is None
