"""Denial analytics (medcoder.remit.report / chart) over small hand-built remittances.

The scenario (amounts in dollars):

    remittance 1  ACME HEALTH (TRN T1)
      C1  status 1  lines 99213 100/80 · 93000 50/0 (CO-97 bundling, fixable) · 36415 25/20
      C2  status 4  line 99214 200/0, claim-level CO-27 eligibility (not fixable)
      C3  status 1  line 97110 120/90, reduced CO-4 modifier 20 (fixable)
    remittance 2  BETA CARE (TRN T2)
      D1  status 1  line 99213 100/0 (CO-50 medical necessity, fixable) → every line denied
      D2  status 1  line 99212 80/80
    remittance 3  the same TRN as remittance 1 (a duplicate)
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console

from medcoder.errors import InputError
from medcoder.remit.chart import COUNTS_COLOUR, DOLLARS_COLOUR, DPI, chart_size
from medcoder.remit.model import Adjustment, ClaimPayment, Denial, Party, Remittance, ServicePayment
from medcoder.remit.report import (
    CSV_COLUMNS,
    DenialReport,
    denial_report,
    rate,
    rich_tables,
    write_chart,
    write_csv,
    write_json,
)

D = Decimal

LABELS = {
    "eligibility": "Eligibility",
    "medical-necessity": "Medical necessity",
    "coding-bundling": "Coding bundling",
    "modifier": "Modifier",
}


def line(code: str, charge: str, paid: str, *adj: tuple[str, str, str]) -> ServicePayment:
    return ServicePayment(
        code=code, qualifier="HC", modifiers=[], charge=D(charge), paid=D(paid),
        adjustments=[Adjustment(g, r, D(a)) for g, r, a in adj],
    )


def claim(pcn: str, status: str, lines: list[ServicePayment], *, charge: str | None = None,
          paid: str | None = None, pr: str | None = None, payer_claim_id: str | None = None) -> ClaimPayment:
    return ClaimPayment(
        patient_control_number=pcn, status=status,
        charge=D(charge) if charge is not None else sum((s.charge for s in lines), D(0)),
        paid=D(paid) if paid is not None else sum((s.paid for s in lines), D(0)),
        patient_responsibility=D(pr) if pr is not None else None, filing_indicator="CI",
        payer_claim_id=payer_claim_id or f"P-{pcn}", lines=lines,
    )


def remittance(payer: str, payer_id: str, trace: str, claims: list[ClaimPayment]) -> Remittance:
    return Remittance(
        control_number="0001", handling="I", total_paid=sum((c.paid for c in claims), D(0)),
        credit_debit="C", method="ACH", payment_date=None, trace_number=trace,
        trace_originator="1" + payer_id, payer=Party(payer, "XV", payer_id),
        payee=Party("CLINIC", "XX", "1234567893"), claims=claims,
    )


def denial(pcn: str, line_no: int | None, code: str | None, category: str, carc: str, amount: str, *,
           fixable: bool, denied: bool = True, action: str = "corrected-claim") -> Denial:
    return Denial(
        patient_control_number=pcn, payer_claim_id=f"P-{pcn}", line=line_no, code=code,
        category=category, category_label=LABELS.get(category, category), group="CO",
        carcs=(carc,), rarcs=(), amount=D(amount), action=action, action_label=action.replace("-", " "),
        fixable=fixable, reason="test", reference="test", denied=denied,
    )


def scenario() -> tuple[list[Remittance], dict[tuple[int, int], list[Denial]]]:
    c1 = claim("C1", "1", [line("99213", "100", "80", ("CO", "45", "20")),
                           line("93000", "50", "0", ("CO", "97", "50")),
                           line("36415", "25", "20", ("CO", "45", "5"))])
    c2 = claim("C2", "4", [line("99214", "200", "0")])
    c2.adjustments.append(Adjustment("CO", "27", D("200")))
    c3 = claim("C3", "1", [line("97110", "120", "90", ("CO", "4", "20"), ("PR", "2", "10"))], pr="10")
    d1 = claim("D1", "1", [line("99213", "100", "0", ("CO", "50", "100"))])
    d2 = claim("D2", "1", [line("99212", "80", "80")])
    r1 = remittance("ACME HEALTH", "12345", "T1", [c1, c2, c3])
    r2 = remittance("BETA CARE", "67890", "T2", [d1, d2])
    dup = remittance("ACME HEALTH", "12345", "T1", [claim("C1", "1", [line("99213", "100", "80")])])
    denials = {
        (0, 0): [denial("C1", 2, "93000", "coding-bundling", "97", "50", fixable=True)],
        (0, 1): [denial("C2", None, None, "eligibility", "27", "200", fixable=False, action="bill-patient")],
        (0, 2): [denial("C3", 1, "97110", "modifier", "4", "20", fixable=True, denied=False)],
        (1, 0): [denial("D1", 1, "99213", "medical-necessity", "50", "100", fixable=True, action="appeal")],
        (2, 0): [denial("C1", 1, "99213", "coding-bundling", "97", "999", fixable=True)],  # the duplicate
    }
    return [r1, r2, dup], denials


@pytest.fixture
def report() -> DenialReport:
    rems, denials = scenario()
    return denial_report(rems, denials, top=10)


# --- the numbers ---------------------------------------------------------------------------------


def test_totals_and_rates(report: DenialReport) -> None:
    t = report.totals
    assert (t.remittances, t.duplicates, t.reversals, t.cancelled) == (2, 1, 0, 0)
    assert (t.claims, t.lines) == (5, 7)
    assert (t.charged, t.paid, t.patient_responsibility) == (D("675"), D("270"), D("10"))
    assert (t.denied_claims, t.denied_lines, t.denials) == (2, 3, 4)  # C2 by status, D1 by lines
    assert (t.denied_dollars, t.reduced_dollars) == (D("350"), D("20"))
    assert (t.fixable_dollars, t.fixable_denials) == (D("170"), 3)
    assert t.claim_denial_rate == D("0.4000")
    assert t.line_denial_rate == D("0.4286")  # 3 / 7
    assert t.dollar_denial_rate == D("0.5185")  # 350 / 675


def test_duplicate_remittance_counted_once_and_noted(report: DenialReport) -> None:
    # the duplicate's 999-dollar denial is not counted anywhere
    assert all(f.amount != D("999") for f in report.top_fixable)
    assert [n for n in report.notes if "duplicates remittance 1" in n and "T1" in n]
    rems, denials = scenario()
    assert denial_report(rems[:2], denials).totals == replace(report.totals, duplicates=0)


def test_by_payer(report: DenialReport) -> None:
    acme, beta = report.by_payer
    assert (acme.payer, acme.payer_id, acme.remittances) == ("ACME HEALTH", "12345", 1)
    assert (acme.claims, acme.denied_claims, acme.lines, acme.denied_lines) == (3, 1, 5, 2)
    assert (acme.charged, acme.denied_dollars, acme.reduced_dollars) == (D("495"), D("250"), D("20"))
    assert (acme.claim_denial_rate, acme.line_denial_rate, acme.dollar_denial_rate) == (
        D("0.3333"), D("0.4000"), D("0.5051"))
    assert acme.fixable_dollars == D("70")
    assert (beta.payer, beta.claims, beta.denied_claims, beta.lines, beta.denied_lines) == ("BETA CARE", 2, 1, 2, 1)
    assert (beta.dollar_denial_rate, beta.fixable_dollars) == (D("0.5556"), D("100"))


def test_by_category_sorted_by_dollars(report: DenialReport) -> None:
    rows = [(r.category, r.amount, r.denials, r.denied, r.reduced, r.share) for r in report.by_category]
    assert rows == [
        ("eligibility", D("200"), 1, 1, 0, D("0.5405")),
        ("medical-necessity", D("100"), 1, 1, 0, D("0.2703")),
        ("coding-bundling", D("50"), 1, 1, 0, D("0.1351")),
        ("modifier", D("20"), 1, 0, 1, D("0.0541")),
    ]
    assert report.by_category[0].fixable_dollars == 0
    assert report.by_category[3].label == "Modifier"


def test_by_carc_with_group(report: DenialReport) -> None:
    assert [(r.group, r.carc, r.amount, r.categories) for r in report.by_carc] == [
        ("CO", "27", D("200"), ("eligibility",)),
        ("CO", "50", D("100"), ("medical-necessity",)),
        ("CO", "97", D("50"), ("coding-bundling",)),
        ("CO", "4", D("20"), ("modifier",)),
    ]


def test_by_procedure(report: DenialReport) -> None:
    rows = {r.code: (r.lines, r.denied_lines, r.line_denial_rate, r.denials, r.amount) for r in report.by_procedure}
    assert rows["99213"] == (2, 1, D("0.5000"), 1, D("100"))
    assert rows["93000"] == (1, 1, D("1.0000"), 1, D("50"))
    assert rows["99214"] == (1, 1, D("1.0000"), 0, D("0"))  # denied by CLP02 4; claim-level dollars
    assert rows["97110"] == (1, 0, D("0.0000"), 1, D("20"))  # reduced, not denied
    assert [r.code for r in report.by_procedure] == ["99213", "93000", "97110", "99214", "36415", "99212"]


def test_top_fixable_sorted_by_amount(report: DenialReport) -> None:
    rows = [(f.patient_control_number, f.line, f.code, f.category, f.action, f.amount, f.payer)
            for f in report.top_fixable]
    assert rows == [
        ("D1", 1, "99213", "medical-necessity", "appeal", D("100"), "BETA CARE"),
        ("C1", 2, "93000", "coding-bundling", "corrected-claim", D("50"), "ACME HEALTH"),
        ("C3", 1, "97110", "modifier", "corrected-claim", D("20"), "ACME HEALTH"),
    ]
    rems, denials = scenario()
    assert [f.patient_control_number for f in denial_report(rems, denials, top=1).top_fixable] == ["D1"]


def test_rate_rounds_half_up_and_never_divides_by_zero() -> None:
    assert rate(1, 3) == D("0.3333")
    assert rate(2, 3) == D("0.6667")
    assert rate(1, 8) == D("0.1250")
    assert rate(0, 0) == D("0")
    assert rate(D("5"), D("0")) == D("0")


# --- reversals, classify, bad input ---------------------------------------------------------------


def test_reversal_cancels_the_original_adjudication() -> None:
    original = claim("R1", "1", [line("99213", "100", "0", ("CO", "50", "100"))], payer_claim_id="PX")
    reversal = claim("R1", "22", [line("99213", "-100", "0")], payer_claim_id="PX")
    correction = claim("R1", "1", [line("99213", "100", "90")], payer_claim_id="PX")
    other = claim("R2", "1", [line("99212", "50", "50")])
    rems = [remittance("ACME HEALTH", "12345", "T1", [original, other]),
            remittance("ACME HEALTH", "12345", "T2", [reversal, correction])]
    denials = {(0, 0): [denial("R1", 1, "99213", "medical-necessity", "50", "100", fixable=True)]}
    t = denial_report(rems, denials).totals
    assert (t.claims, t.lines, t.reversals, t.cancelled) == (2, 2, 1, 1)
    assert (t.paid, t.charged) == (D("140"), D("150"))
    assert (t.denied_lines, t.denied_dollars, t.line_denial_rate) == (0, D("0"), D("0"))


def test_reversal_without_its_original_is_left_out_and_noted() -> None:
    rems = [remittance("ACME HEALTH", "12345", "T9", [claim("R9", "22", [line("99213", "-100", "-60")])])]
    r = denial_report(rems, {})
    assert (r.totals.claims, r.totals.reversals, r.totals.cancelled, r.totals.paid) == (0, 1, 0, D("0"))
    assert any("R9" in n and "not among the remittances" in n for n in r.notes)


def _classify_co(payment: ClaimPayment) -> list[Denial]:
    """A tiny classifier for the test: every line with nothing paid and a CO adjustment."""
    out = []
    for i, s in enumerate(payment.lines, 1):
        for a in s.adjustments:
            if a.group == "CO" and s.paid == 0:
                out.append(denial(payment.patient_control_number, i, s.code, "other", a.reason,
                                  str(a.amount), fixable=a.reason == "97"))
    return out


def test_classify_runs_on_each_standing_claim_only() -> None:
    seen: list[str] = []

    def classify(p: ClaimPayment) -> list[Denial]:
        seen.append(p.patient_control_number)
        return _classify_co(p)

    rems, _ = scenario()
    r = denial_report(rems, classify=classify)
    assert seen == ["C1", "C2", "C3", "D1", "D2"]  # not the duplicate's C1 again
    assert [(c.group, c.carc, c.amount) for c in r.by_carc] == [("CO", "50", D("100")), ("CO", "97", D("50"))]
    assert r.totals.denied_claims == 2 and r.totals.fixable_dollars == D("50")


def test_bad_arguments() -> None:
    rems, denials = scenario()
    with pytest.raises(InputError, match="not both"):
        denial_report(rems, denials, classify=_classify_co)
    with pytest.raises(InputError, match="top"):
        denial_report(rems, denials, top=-1)


def test_denial_on_a_line_the_claim_lacks_counts_at_claim_level() -> None:
    rems = [remittance("ACME HEALTH", "12345", "T1", [claim("X1", "1", [line("99213", "100", "0")])])]
    r = denial_report(rems, {(0, 0): [denial("X1", 5, "99213", "other", "16", "100", fixable=True)]})
    assert r.totals.denied_claims == 1 and r.totals.denied_lines == 1
    assert r.by_procedure[0].denials == 0
    assert any("line 5" in n for n in r.notes)


def test_empty_input_gives_an_empty_report(tmp_path: Path) -> None:
    r = denial_report([], {})
    t = r.totals
    assert (t.claims, t.lines, t.denials, t.denied_dollars) == (0, 0, 0, D("0"))
    assert (t.claim_denial_rate, t.line_denial_rate, t.dollar_denial_rate) == (D("0"),) * 3
    assert r.empty and r.by_payer == [] and r.top_fixable == []
    paths = write_csv(r, tmp_path / "csv")
    assert [len(list(csv.reader(p.open(encoding="utf-8")))) for p in paths] == [20, 1, 1, 1, 1, 1]
    assert len(rich_tables(r)) == 6
    svg = write_chart(r, tmp_path / "empty.svg").read_text(encoding="utf-8")
    assert "no denials" in svg and "Medical necessity" not in svg
    png = write_chart(r, tmp_path / "empty.png")
    with Image.open(png) as im:
        assert im.size == tuple(round(v * DPI) for v in chart_size(0))
        colours = {c for _, c in im.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert _rgb(DOLLARS_COLOUR) not in colours and _rgb(COUNTS_COLOUR) not in colours


def test_claims_without_denials_chart_says_no_denials(tmp_path: Path) -> None:
    rems = [remittance("ACME HEALTH", "12345", "T1", [claim("OK", "1", [line("99213", "100", "100")])])]
    r = denial_report(rems, {})
    assert r.empty and r.totals.claims == 1 and r.totals.line_denial_rate == 0
    assert "no denials" in write_chart(r, tmp_path / "c.svg").read_text(encoding="utf-8")


# --- outputs ---------------------------------------------------------------------------------------


def test_to_dict_is_json(report: DenialReport) -> None:
    d = json.loads(json.dumps(report.to_dict()))
    assert d["totals"]["denied_dollars"] == "350" and d["totals"]["line_denial_rate"] == "0.4286"
    assert d["by_carc"][0]["categories"] == ["eligibility"]
    assert d["top_fixable"][0]["carcs"] == ["50"]
    assert "denied lines / adjudicated lines" in d["definitions"]["line_denial_rate"]
    assert set(d) == {"definitions", "top", "totals", "by_payer", "by_category", "by_carc",
                      "by_procedure", "top_fixable", "notes"}


def test_write_json(report: DenialReport, tmp_path: Path) -> None:
    p = write_json(report, tmp_path / "report.json")
    assert json.loads(p.read_text(encoding="utf-8")) == json.loads(json.dumps(report.to_dict()))
    with pytest.raises(InputError):
        write_json(report, tmp_path)


def test_write_csv_one_file_per_table(report: DenialReport, tmp_path: Path) -> None:
    out = tmp_path / "out" / "denials"
    paths = write_csv(report, out)
    assert [p.name for p in paths] == list(CSV_COLUMNS)
    assert sorted(x.name for x in out.iterdir()) == sorted(CSV_COLUMNS)  # no temp files left
    tables = {p.name: list(csv.reader(p.open(encoding="utf-8", newline=""))) for p in paths}
    for name, rows in tables.items():
        assert tuple(rows[0]) == CSV_COLUMNS[name]
    totals = dict(tables["totals.csv"][1:])
    assert totals["denied_dollars"] == "350" and totals["claim_denial_rate"] == "0.4000"
    cat = tables["by-category.csv"]
    assert [r[0] for r in cat[1:]] == ["eligibility", "medical-necessity", "coding-bundling", "modifier"]
    top = [dict(zip(tables["top-fixable.csv"][0], r, strict=True)) for r in tables["top-fixable.csv"][1:]]
    assert top[0]["patient_control_number"] == "D1" and top[0]["amount"] == "100" and top[0]["denied"] == "yes"
    assert top[2]["denied"] == "no"
    carc = tables["by-carc.csv"]
    assert carc[1][:3] == ["CO", "27", "eligibility"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        write_csv(report, tmp_path / "file")


def test_rich_tables_render(report: DenialReport) -> None:
    tables = rich_tables(report)
    assert [str(t.title) for t in tables] == [
        "Denials: totals", "By payer", "By category", "By CARC", "By procedure code", "Top 10 fixable denials"]
    console = Console(record=True, width=200, color_system=None)
    for t in tables:
        console.print(t)
    text = console.export_text()
    for needle in ("40.00%", "42.86%", "ACME HEALTH (12345)", "Medical necessity", "HC:93000", "170.00 in 3"):
        assert needle in text
    assert tables[2].row_count == 4 and tables[5].row_count == 3


# --- the chart ------------------------------------------------------------------------------------


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def _bands(im: Image.Image, colour: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    """Horizontal bars of ``colour``: (first row, x min, x max) of each run of rows holding it."""
    w, h = im.size
    px = im.load()
    assert px is not None
    bands: list[tuple[int, int, int]] = []
    prev = False
    for y in range(h):
        xs = [x for x in range(w) if px[x, y] == colour]
        if xs and not prev:
            bands.append((y, min(xs), max(xs)))
        prev = bool(xs)
    return bands


def test_png_chart_bars(report: DenialReport, tmp_path: Path) -> None:
    p = write_chart(report, tmp_path / "denials.png")
    with Image.open(p) as raw:
        assert raw.format == "PNG"
        assert raw.size == tuple(round(v * DPI) for v in chart_size(4))
        im = raw.convert("RGB")
    red, blue = _bands(im, _rgb(DOLLARS_COLOUR)), _bands(im, _rgb(COUNTS_COLOUR))
    assert len(red) == 4 and len(blue) == 4
    mid = im.size[0] // 2
    assert all(x1 < mid for _, _, x1 in red)  # dollars on the left
    assert all(x0 > mid for _, x0, _ in blue)  # counts on the right
    # largest first from the top; lengths in proportion to 200 / 100 / 50 / 20 dollars
    widths = [x1 - x0 + 1 for _, x0, x1 in red]
    assert [y for y, _, _ in red] == sorted(y for y, _, _ in red)
    assert widths == sorted(widths, reverse=True)
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.05)
    assert widths[0] / widths[3] == pytest.approx(10, rel=0.1)
    counts = [x1 - x0 + 1 for _, x0, x1 in blue]
    assert max(counts) - min(counts) <= 1  # one denial each


def test_svg_chart_labels_and_determinism(report: DenialReport, tmp_path: Path) -> None:
    a = write_chart(report, tmp_path / "a.svg").read_bytes()
    b = write_chart(report, tmp_path / "b.SVG").read_bytes()
    assert a == b
    svg = a.decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in LABELS.values():
        assert label in svg
    assert "dc:date" not in svg
    assert write_chart(report, tmp_path / "a.png").read_bytes() == write_chart(report, tmp_path / "b.png").read_bytes()


def test_chart_rejects_other_formats(report: DenialReport, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.png or \.svg"):
        write_chart(report, tmp_path / "chart.pdf")
    with pytest.raises(InputError, match="does not exist"):
        write_chart(report, tmp_path / "missing" / "chart.png")
    assert list(tmp_path.iterdir()) == []


# --- with the real classifier ----------------------------------------------------------------------


def test_with_medcoder_denials_classify() -> None:
    denials_module = pytest.importorskip("medcoder.remit.denials")
    if not callable(getattr(denials_module, "classify", None)):
        pytest.skip("medcoder.remit.denials.classify is not there yet")
    c = claim("K1", "1", [line("99213", "100", "80", ("CO", "45", "20")),
                          line("93000", "50", "0", ("CO", "97", "50"))])
    r = denial_report([remittance("ACME HEALTH", "12345", "T1", [c])])
    assert r.totals.claims == 1 and r.totals.denied_lines == 1
    assert ("CO", "97") in {(x.group, x.carc) for x in r.by_carc}
    assert r.by_procedure[0].code == "93000"
