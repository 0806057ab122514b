"""The 835 writer: what it writes pyx12 accepts, and read → write → read keeps every value the
model holds, on the shared samples and on generated remittances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.errors import InputError
from medcoder.remit.model import Adjustment, ProviderAdjustment
from medcoder.remit.readers.x835 import pyx12_findings, read_835, read_835_text, tokenize
from medcoder.remit.writers.x835 import write_835

Cmp = Callable[[Any], Any]
WHEN = dt.datetime(2026, 7, 1, 8, 30)
# pyx12 findings that come from the sample's own data, not from the writer
INHERENT = {
    "lfh_demo.835": ["Payer Technical Contact Information"],  # no PER*BL in the source
    "united_healthcare_legacy_sample.txt": ["(NP) is not a valid code"],
    "blue_cross_nc_sample.txt": ["TRN03", "Payer Technical Contact Information"],  # PER*CX*TE…: no BL
}


@pytest.mark.parametrize("name", [
    "X221-dollars-and-data-sent-separate.edi", "X221-dollars-and-data-sent-together.edi",
    "X221-era-sample.edi", "X221-multiple-claims-single-check.edi",
    "X221-secondary-payment-with-higher-fee-schedule.edi", "X221-secondary-payments.edi",
    "X221-tertiary-payments.edi", "blue_cross_nc_sample.txt", "emedny_sample.txt", "lfh_demo.835",
    "pyx12_835_mult_loops.txt", "united_healthcare_legacy_sample.txt",
])
def test_sample_read_write_read_keeps_every_value(samples_835: Path, name: str, comparable: Cmp) -> None:
    rems = read_835(samples_835 / name, validate=False, strict=False)
    text = write_835(rems, sender="PAYER01", receiver="PROVIDER01", when=WHEN)
    findings = pyx12_findings(text)
    expected = INHERENT.get(name, [])
    assert len(findings) == len(expected) and all(w in f for w, f in zip(expected, findings, strict=True)), findings
    back = read_835_text(text, source="rewritten", validate=False)
    assert comparable(back) == comparable(rems)
    assert back[0].sender == "PAYER01" and back[0].receiver == "PROVIDER01"


def test_envelope_counts_and_control_numbers(samples_835: Path) -> None:
    a = read_835(samples_835 / "X221-tertiary-payments.edi")
    b = read_835(samples_835 / "X221-secondary-payments.edi")
    b[0].control_number = "0002"
    text = write_835(a + b, sender="PAYER01", receiver="PROVIDER01", control_number=42, when=WHEN)
    segs, delims, envelope = tokenize(text, "t")
    assert envelope and (delims.element, delims.component, delims.segment, delims.repetition) == ("*", ":", "~", "^")
    tags = [e[0] for e in segs]
    assert tags.count("ISA") == tags.count("GS") == 1 and tags.count("ST") == 2
    ge = next(e for e in segs if e[0] == "GE")
    iea = next(e for e in segs if e[0] == "IEA")
    assert ge == ["GE", "2", "42"] and iea == ["IEA", "1", "000000042"]
    assert segs[0][9:11] == ["260701", "0830"] and segs[0][13] == "000000042"
    assert pyx12_findings(text) == []
    assert [r.key for r in read_835_text(text)] == [a[0].key, b[0].key]


def test_long_cas_and_plb_are_split_at_six(samples_835: Path, comparable: Cmp) -> None:
    (r,) = read_835(samples_835 / "X221-tertiary-payments.edi")
    line = r.claims[0].lines[0]
    line.adjustments = [Adjustment("OA", "23", Decimal(1500))] + [Adjustment("CO", "45", Decimal(10))] * 7 + [
        Adjustment("OA", "94", Decimal(9))]
    r.provider_adjustments = [ProviderAdjustment("1234567893", dt.date(2005, 12, 31), "WO", f"R{i}", Decimal(1))
                              for i in range(7)]
    r.total_paid -= 7
    text = write_835([r], sender="PAYER01", receiver="PROVIDER01", when=WHEN)
    cas = [s for s in text.split("~\n") if s.startswith("CAS")]
    assert cas == ["CAS*OA*23*1500", ("CAS*CO" + "*45*10*" * 6)[:-1], "CAS*CO*45*10", "CAS*OA*94*9"]
    assert sum(s.startswith("PLB") for s in text.split("~\n")) == 2
    assert pyx12_findings(text) == []
    (back,) = read_835_text(text)
    assert comparable(back) == comparable(r)


def test_values_with_delimiters_are_refused(samples_835: Path) -> None:
    (r,) = read_835(samples_835 / "X221-tertiary-payments.edi")
    r.claims[0].patient["last"] = "O*BRIEN"
    with pytest.raises(InputError, match="delimiter") as err:
        write_835([r], sender="PAYER01", receiver="PROVIDER01")
    assert "claim[0001000054]" in str(err.value)
    with pytest.raises(InputError, match="sender"):
        write_835([r], sender="A" * 16, receiver="PROVIDER01")
    with pytest.raises(InputError, match="at least one"):
        write_835([], sender="PAYER01", receiver="PROVIDER01")
