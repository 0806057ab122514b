"""ICD-10-PCS on small hand-written files in the official CMS layouts (no shared data needed).

``tests/fixtures/icd10pcs/``: three tables (0DB, 0DT, XNS; 27 codes), a few definitions and
index entries, all for a made-up FY2024 release.
"""

from __future__ import annotations

import fnmatch
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets.icd10pcs import SPECS
from medcoder.codesets.icd10pcs.definitions import DefinitionsReader
from medcoder.codesets.icd10pcs.index import IndexReader
from medcoder.codesets.icd10pcs.reader import PcsReader
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.registry import spec
from medcoder.errors import DataError, FileFormatError, MedcoderError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "icd10pcs"
TABLES = FIX / "icd10pcs_tables_2024_sample.xml"
DEFINITIONS = FIX / "icd10pcs_definitions_2024_sample.xml"
INDEX = FIX / "icd10pcs_index_2024_sample.xml"
FIXTURE_CODES = [
    "0DBJ0ZX", "0DBJ0ZZ", "0DBJ3ZX", "0DBJ3ZZ", "0DBJ4ZX", "0DBJ4ZZ", "0DBJ7ZX", "0DBJ7ZZ",
    "0DBJ8ZX", "0DBJ8ZZ",
    "0DTF0ZZ", "0DTF4ZG", "0DTF4ZZ", "0DTF7ZZ", "0DTF8ZZ", "0DTJ0ZZ", "0DTJ4ZG", "0DTJ4ZZ",
    "0DTJ7ZZ", "0DTJ8ZZ", "0DTR0ZZ", "0DTR4ZZ",
    "XNS0032", "XNS0332", "XNS4032", "XNS4069", "XNS4332",
]  # fmt: skip


@pytest.fixture
def release_zip(tmp_path: Path) -> Path:
    """The three files in a zip laid out like CMS's "Code Tables and Index" zip."""
    z = tmp_path / "2024-icd-10-pcs-code-tables-and-index.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(TABLES, "icd10pcs_tables_2024.xml")
        zf.write(DEFINITIONS, "icd10pcs_definitions_2024.xml")
        zf.write(INDEX, "icd10pcs_index_2024.xml")
        zf.writestr("icd10pcs_tables.xsd", "<xs:schema/>")
        zf.writestr("pcs_2024.pdf", "%PDF-1.4")
    return z


@pytest.fixture
def pcs(kb: KnowledgeBase) -> PcsReader:
    kb.import_file("icd10pcs", TABLES)
    r = kb.open("icd10pcs", "2024-03-01").reader
    assert isinstance(r, PcsReader)
    return r


@pytest.fixture
def defs(kb: KnowledgeBase) -> DefinitionsReader:
    kb.import_file("icd10pcs-definitions", DEFINITIONS)
    r = kb.open("icd10pcs-definitions", "2024-03-01").reader
    assert isinstance(r, DefinitionsReader)
    return r


@pytest.fixture
def index(kb: KnowledgeBase) -> IndexReader:
    kb.import_file("icd10pcs-index", INDEX)
    r = kb.open("icd10pcs-index", "2024-03-01").reader
    assert isinstance(r, IndexReader)
    return r


# -- registry and import -----------------------------------------------------------------------


def test_specs_declare_three_kinds() -> None:
    assert [s.kind for s in SPECS] == ["icd10pcs", "icd10pcs-definitions", "icd10pcs-index"]
    for s in SPECS:
        assert spec(s.kind) is s
        assert s.official_source and "cms.gov" in s.official_source
        assert s.sync and s.sync[-1].release == "FY2026"
        assert s.sync[-1].url.startswith("https://www.cms.gov/files/zip/")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("icd10pcs_tables_2026.xml", "icd10pcs"),
        ("icd10pcs_definitions_2026.xml", "icd10pcs-definitions"),
        ("icd10pcs_index_2026.xml", "icd10pcs-index"),
    ],
)
def test_zip_member_patterns_pick_exactly_their_file(name: str, kind: str) -> None:
    names = [
        "icd10pcs_tables_2026.xml",
        "icd10pcs_definitions_2026.xml",
        "icd10pcs_index_2026.xml",
        "icd10pcs_tables.xsd",
        "icd10pcs_index.xsd",
        "pcs_2026.pdf",
    ]
    picked = [n for n in names if any(fnmatch.fnmatch(n, p) for p in spec(kind).members)]
    assert picked == [name]


def test_each_kind_imports_from_the_release_zip(kb: KnowledgeBase, release_zip: Path) -> None:
    for kind, rows in (("icd10pcs", 27), ("icd10pcs-definitions", 8), ("icd10pcs-index", 16)):
        info = kb.import_file(kind, release_zip)
        assert info.release == "FY2024"
        assert (info.effective_from, info.effective_to) == ("2023-10-01", "2024-09-30")
        assert info.rows == rows
        assert info.source == release_zip.name
    assert kb.open("icd10pcs", "2024-01-01").reader.count() == 27


def test_a_failed_import_keeps_the_good_table(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_file("icd10pcs", TABLES)
    bad = tmp_path / "icd10pcs_tables_2024.xml"
    bad.write_text(TABLES.read_text().replace('<pcsRow codes="6">', '<pcsRow codes="5">'))
    with pytest.raises(FileFormatError):
        kb.import_file("icd10pcs", bad)
    assert kb.open("icd10pcs", "2024-01-01").reader.validate("0DTJ4ZZ").valid


def test_errors_point_at_the_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = TABLES.read_text()
    cut = tmp_path / "icd10pcs_tables_2024.xml"
    cut.write_text(text[: text.index('<pcsRow codes="4">') + 10])
    with pytest.raises(FileFormatError) as err:
        kb.import_file("icd10pcs", cut)
    line = text[: text.index('<pcsRow codes="4">')].count("\n") + 1
    assert err.value.line == line
    assert f"{cut}:{line}:" in str(err.value)
    assert "truncated" in str(err.value)
    with pytest.raises(FileFormatError) as wrong:
        kb.import_file("icd10pcs-index", TABLES)
    assert wrong.value.line == 4  # the root element, after the comment
    assert "`medcoder data import icd10pcs FILE`" in str(wrong.value)


def test_a_reader_whose_table_is_gone_says_so(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="re-import"):
        PcsReader(tmp_path).validate("0DTJ4ZZ")


# -- tables ------------------------------------------------------------------------------------


def test_count_and_enumerate(pcs: PcsReader) -> None:
    assert pcs.count() == len(pcs) == 27
    assert list(pcs.enumerate()) == FIXTURE_CODES
    assert pcs.tables() == ["0DB", "0DT", "XNS"]
    assert pcs.count("0DT") == 12 and pcs.count("0DTF4") == 2 and pcs.count("X") == 5
    assert list(pcs.enumerate("0DTJ4")) == ["0DTJ4ZG", "0DTJ4ZZ"]
    assert all(pcs.validate(c).valid for c in FIXTURE_CODES)


@pytest.mark.parametrize(
    ("code", "problem", "position", "allowed"),
    [
        ("0DTJ3ZZ", "value", 5, ["0", "4", "7", "8"]),
        ("0DTR7ZZ", "combination", 5, ["0", "4"]),
        ("0DTJ0ZG", "combination", 7, ["Z"]),
        ("0DTJ4ZX", "value", 7, ["G", "Z"]),
        ("0DTK0ZZ", "value", 4, ["F", "J", "R"]),
        ("0DJJ0ZZ", "operation", 3, ["B", "T"]),
        ("0FTJ0ZZ", "body_system", 2, ["D"]),
        ("1DTJ0ZZ", "section", 1, ["0", "X"]),
        ("0DIJ0ZZ", "character", 3, ["B", "T"]),
        ("0DTJ", "length", 5, ["0", "4", "7", "8"]),
    ],
)
def test_invalid_codes(
    pcs: PcsReader, code: str, problem: str, position: int, allowed: list[str]
) -> None:
    v = pcs.validate(code)
    assert not v.valid and not v
    assert (v.problem, v.position) == (problem, position)
    assert [a.value for a in v.allowed] == allowed
    assert v.reason is not None and v.reason.startswith(code)
    assert v.to_dict()["reason"] == v.reason


def test_combination_reason_names_what_came_before(pcs: PcsReader) -> None:
    assert pcs.validate("0DTR7ZZ").reason == (
        "0DTR7ZZ: table 0DT (Medical and Surgical, Gastrointestinal System, Resection) has "
        "Approach '7' (Via Natural or Artificial Opening) at axis 5, but no row allows it with "
        "Body Part R (Anal Sphincter); allowed there: 0 Open, 4 Percutaneous Endoscopic"
    )


def test_a_value_labelled_differently_in_two_rows(pcs: PcsReader) -> None:
    four = next(c for c in pcs.values("XNS") if c.value == "4")
    assert four.labels == ("Thoracic Vertebra", "Humeral Shaft, Right")
    assert four.label == "Thoracic Vertebra | Humeral Shaft, Right"
    assert four.codes == 3
    assert pcs.explain("XNS4032")[3].label == "Thoracic Vertebra"
    assert pcs.explain("XNS4069")[3].label == "Humeral Shaft, Right"
    assert pcs.explain("XNS4069")[5].axis == "Device / Substance / Technology"
    assert pcs.title("XNS4069") == (
        "Reposition of Humeral Shaft, Right with Internal Fixation Device, Intramedullary "
        "Limb Lengthening, New Technology Group 9, Open Approach"
    )


def test_values_after_each_prefix(pcs: PcsReader) -> None:
    assert [(c.value, c.label, c.codes) for c in pcs.values("")] == [
        ("0", "Medical and Surgical", 22),
        ("X", "New Technology", 5),
    ]
    assert [(c.value, c.label) for c in pcs.values("0D")] == [("B", "Excision"), ("T", "Resection")]
    assert [(c.value, c.codes) for c in pcs.values("0DT")] == [("F", 5), ("J", 5), ("R", 2)]
    assert [(c.value, c.codes) for c in pcs.values("0DTF")] == [
        ("0", 1),
        ("4", 2),
        ("7", 1),
        ("8", 1),
    ]
    assert [c.value for c in pcs.values("0DTF4Z")] == ["G", "Z"]
    assert [c.value for c in pcs.values("0D", axis=7)] == ["G", "X", "Z"]
    assert pcs.values("0DTK") == []


def test_table_view(pcs: PcsReader) -> None:
    t = pcs.table("0DT")
    assert t is not None
    assert t.axes == (
        "Section",
        "Body System",
        "Operation",
        "Body Part",
        "Approach",
        "Device",
        "Qualifier",
    )
    assert t.header[2].definition == "Cutting out or off, without replacement, all of a body part"
    assert [(r.number, r.codes) for r in t.rows] == [(1, 6), (2, 4), (3, 2)]
    assert t.rows[1].axes[3].values == (("G", "Hand-Assisted"), ("Z", "No Qualifier"))
    r = pcs.table("0DTR")
    assert r is not None and [row.number for row in r.rows] == [3]


def test_cards(pcs: PcsReader, defs: DefinitionsReader) -> None:
    card = pcs.card("0dtj4zz", definitions=defs)
    assert card is not None
    assert card["code"] == "0DTJ4ZZ" and card["release"] == "FY2024"
    assert card["title"] == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert card["operation"]["explanation"] == "Sample explanation written for the tests"
    assert card["axes"][3]["includes"] == ["Vermiform appendix"]
    table = pcs.card("XNS")
    assert table is not None and table["kind"] == "table" and table["codes"] == 5
    assert [v["label"] for v in table["next"]["values"]][1] == (
        "Thoracic Vertebra | Humeral Shaft, Right"
    )
    assert pcs.card("0DTK") is not None  # table known: a card that says the value is not
    assert pcs.card("0FT") is None and pcs.card("0DT4ZZZZ") is None


# -- definitions -------------------------------------------------------------------------------


def test_definitions(defs: DefinitionsReader) -> None:
    resection = defs.root_operation("Resection")
    assert resection is not None
    assert resection.to_dict() == {
        "section": "0",
        "section_label": "Medical and Surgical",
        "position": 3,
        "axis": "Operation",
        "titles": ["Resection"],
        "definition": "Cutting out or off, without replacement, all of a body part",
        "explanation": "Sample explanation written for the tests",
        "includes": ["Total nephrectomy, total lobectomy of lung"],
    }
    assert defs.root_operation("Reposition", section="X") is not None
    assert defs.root_operation("Reposition") is None  # not in section 0 of the sample
    assert defs.term("0", 6, "Synthetic Substitute", body_system="Lower Joints") is not None
    assert [t.title for t in defs.search("hallux")] == ["1st Toe, Left"]
    assert [t.title for t in defs.terms("0", 5)] == ["Open", "Percutaneous Endoscopic"]
    assert defs.release == "FY2024"


def test_explain_with_definitions(pcs: PcsReader, defs: DefinitionsReader) -> None:
    axes = pcs.explain("0DTJ4ZZ", definitions=defs)
    assert axes[2].explanation == "Sample explanation written for the tests"
    assert axes[4].definition is not None and axes[4].definition.startswith("Entry, by puncture")
    assert axes[6].definition is None
    plain = pcs.explain("0DTJ4ZZ")
    assert plain[2].explanation is None and plain[3].includes == ()


# -- index -------------------------------------------------------------------------------------


def test_index_search(index: IndexReader) -> None:
    hits = index.search("appendectomies")
    assert [h.code for h in hits] == ["0DBJ", "0DTJ"]
    assert hits[0].to_dict()["text"] == "Appendectomy > see Excision, Appendix 0DBJ"
    assert index.search("") == []
    assert index.search("resection appendix")[0].code == "0DTJ"
    vacuum = index.search("abortion vacuum")[0]
    assert (vacuum.code, vacuum.code_kind) == ("10A07Z6", "code")
    colic = index.search("right colic vein")[0]
    assert (colic.ref, colic.ref_text, colic.code) == ("use", "Colic Vein", None)


def test_index_walk(index: IndexReader) -> None:
    w = index.walk("Resection > Intestine > Large > Right")
    assert (w.code, w.complete) == ("0DTF", True)
    assert w.to_dict()["code"] == "0DTF"
    # a title holding a comma is matched by joining the pieces back
    a = index.walk("Achillotenotomy, achillotomy")
    assert a.entry is not None and a.entry.title == "Achillotenotomy, achillotomy"
    assert [(c.ref_text, c.code, c.code_kind) for c in a.children] == [
        ("Division, Tendons", "0L8", "table")
    ]
    abrasion = index.walk("abrasion")
    assert abrasion.entry is not None
    assert (abrasion.entry.ref, abrasion.entry.ref_text, abrasion.code) == (
        "see",
        "Extraction",
        None,
    )
    nothing = index.walk("Nonexistent term")
    assert nothing.entry is None and nothing.unmatched == ("Nonexistent term",)


def test_index_entries_for_a_code(index: IndexReader) -> None:
    assert [e.text for e in index.entries_for_code("0DTJ4ZZ")] == [
        "Appendectomy > see Resection, Appendix 0DTJ",
        "Resection > Appendix 0DTJ",
    ]
    card = index.card("0LQ")
    assert card is not None and card["title"] == "Achillorrhaphy see Repair, Tendons 0LQ"


def test_every_kind_refuses_a_file_of_another(kb: KnowledgeBase) -> None:
    for kind, source in (
        ("icd10pcs", DEFINITIONS),
        ("icd10pcs-definitions", INDEX),
        ("icd10pcs-index", TABLES),
    ):
        with pytest.raises(MedcoderError) as err:
            kb.import_file(kind, source)
        assert source.name in str(err.value)
    assert kb.store.tables() == []


def test_an_april_update_is_its_own_release(kb: KnowledgeBase, tmp_path: Path) -> None:
    april = tmp_path / "icd10pcs_tables_2024_april.xml"
    april.write_text(TABLES.read_text().replace("(sample)", "April 1, 2024 update (sample)"))
    kb.import_file("icd10pcs", TABLES)
    info = kb.import_file("icd10pcs", april)
    assert (info.release, info.effective_from, info.effective_to) == (
        "FY2024-April",
        "2024-04-01",
        "2024-09-30",
    )
    assert kb.open("icd10pcs", "2024-01-15").release == "FY2024"
    assert kb.open("icd10pcs", "2024-05-15").release == "FY2024-April"
