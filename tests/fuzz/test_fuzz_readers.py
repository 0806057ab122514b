"""Fuzz tests for the input readers (issue 10: robustness at volume).

Property checked for every reader: whatever bytes it is given, it returns a result or raises a
``medcoder.errors.InputError`` (``FileFormatError``, ``BadDateError`` …) that names the place
(``where``) — the documented contract of ``medcoder.errors``. Any other exception (IndexError,
ValueError, KeyError, UnicodeDecodeError, RecursionError …) escaping a reader is a bug.

Inputs are random bytes/text and mutations of valid seeds: byte flips, truncation at any point,
inserted bytes, segment/element duplication, deletion and swapping, delimiter swaps, and elements
replaced by empty values, huge numbers, impossible dates and non-ASCII text. The structural
mutations follow each format's own delimiters: X12 (ASC X12 control segments: element separator
ISA position 4, component separator ISA16, segment terminator after it), HL7 v2 (MSH-1 field
separator, MSH-2 encoding characters, segments ended by carriage return), JSON (RFC 8259 values
replaced at a random path).

Readers: ``read_document`` on text / encounter JSON / FHIR / HL7 v2 bytes; the 835 reader
(``read_835_text`` and ``read_835`` with ``validate=False``, ``strict`` True and False); the X12
837 layer (``guide_of``, the segment tokenizer) and a few full ``load_claims`` reads (pyx12
validation is always on there, so they are slow). Seeds: the repository's document fixtures and
bad inputs, and the shared X12 samples when ``../shared`` is present (read at test time, never
copied). Runs are derandomized so CI is reproducible; each ``@example`` is a crash found here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from medcoder.claims.io import load_claims
from medcoder.claims.readers import guide_of
from medcoder.claims.readers.x837p import _segments
from medcoder.claims.validate import validate_x12
from medcoder.errors import InputError, MedcoderError
from medcoder.readers import read_document
from medcoder.remit.readers.x835 import pyx12_findings, read_835, read_835_text, tokenize

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SHARED = Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")).resolve()
SEEDS = Path(__file__).parent / "seeds"

#: examples per test; ``MEDCODER_FUZZ_EXAMPLES`` raises it for a longer local or nightly run
EXAMPLES = int(os.environ.get("MEDCODER_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def _files(*globs: tuple[Path, str]) -> list[bytes]:
    out: list[bytes] = []
    for folder, pattern in globs:
        if folder.is_dir():
            out.extend(p.read_bytes() for p in sorted(folder.glob(pattern)) if p.is_file())
    return out


def _seed(name: str) -> bytes:
    """A regression input kept in ``seeds/`` (each one crashed a reader before its fix)."""
    return (SEEDS / name).read_bytes()


DOC_DIRS = (TESTS / "fixtures" / "documents", TESTS / "bad_inputs" / "documents", SEEDS)
TEXT_SEEDS = _files(*((d, "*.txt") for d in DOC_DIRS))
JSON_SEEDS = _files(*((d, "*.json") for d in DOC_DIRS))
HL7_SEEDS = _files(*((d, "*.hl7") for d in DOC_DIRS))
X12_SHARED = SHARED / "data" / "x12"
REMIT_SEEDS = _files(
    (TESTS / "bad_inputs" / "remits", "*.835"), (SEEDS, "*.835"), (X12_SHARED / "835", "*")
)
CLAIM_SEEDS = _files(
    (TESTS / "bad_inputs" / "claims", "*.837"), (SEEDS, "*.837"), (X12_SHARED / "837p", "*")
)

# values that break naive parsers: empty, huge, negative, impossible dates, non-ASCII, delimiters
ODD_VALUES: list[bytes] = [
    b"", b" ", b"0", b"-0.00", b"-1", b"9" * 40, b"9" * 400, b"1" + b"0" * 30 + b".5",
    b"1e999", b"NaN", b"Infinity", b"-", b".", b"..", b"20251301", b"00000000", b"99991231",
    b"19000229", b"2026", b"2026-02-30", b"\xc3\xa9", b"\xe6\x97\xa5\xe6\x9c\xac", b"\xff\xfe",
    b"\x00", b"\x1c", b"\\", b"&", b"~", b"*", b":", b"^", b"|", b"\r", b"\n",
]


# ---------------------------------------------------------------------------------------------
# mutations


def _x12_delims(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(segment, element, component) separators of an X12 text: from the ISA when there is one."""
    t = data.lstrip()
    if t.startswith(b"ISA") and len(t) >= 106:
        return t[105:106], t[3:4], t[104:105]
    return b"~", b"*", b":"


def _hl7_delims(data: bytes) -> tuple[bytes, bytes, bytes]:
    seg = b"\r" if b"\r" in data else b"\n"
    k = data.find(b"MSH")
    if k >= 0 and len(data) > k + 5:
        return seg, data[k + 3 : k + 4], data[k + 4 : k + 5]
    return seg, b"|", b"^"


def _text_delims(data: bytes) -> tuple[bytes, bytes, bytes]:
    return b"\n", b" ", b","


@st.composite
def _structural(draw: st.DrawFn, data: bytes, delims: tuple[bytes, bytes, bytes]) -> bytes:
    seg_sep, elem_sep, comp_sep = delims
    segs = data.split(seg_sep)
    i = draw(st.integers(0, len(segs) - 1))
    op = draw(st.sampled_from(
        ["seg_dup", "seg_del", "seg_swap", "elem_dup", "elem_del", "elem_set", "delim_swap"]
    ))
    if op == "seg_dup":
        segs.insert(i, segs[i])
    elif op == "seg_del" and len(segs) > 1:
        del segs[i]
    elif op == "seg_swap":
        j = draw(st.integers(0, len(segs) - 1))
        segs[i], segs[j] = segs[j], segs[i]
    elif op == "delim_swap":
        a, b = draw(st.permutations([seg_sep, elem_sep, comp_sep, b"\n", b"|", b"*"]))[:2]
        return data.replace(a, b)
    else:
        elems = segs[i].split(elem_sep)
        j = draw(st.integers(0, len(elems) - 1))
        if op == "elem_dup":
            elems.insert(j, elems[j])
        elif op == "elem_del" and len(elems) > 1:
            del elems[j]
        else:
            elems[j] = draw(st.sampled_from(ODD_VALUES) | st.binary(max_size=12))
        segs[i] = elem_sep.join(elems)
    return seg_sep.join(segs)


@st.composite
def _bytewise(draw: st.DrawFn, data: bytes) -> bytes:
    b = bytearray(data)
    pos = draw(st.integers(0, len(b)))
    op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "dup_chunk"]))
    if op == "flip" and pos < len(b):
        b[pos] ^= draw(st.integers(1, 255))
    elif op == "truncate":
        del b[pos:]
    elif op == "insert":
        b[pos:pos] = draw(st.sampled_from(ODD_VALUES) | st.binary(min_size=1, max_size=8))
    elif op == "delete":
        del b[pos : pos + draw(st.integers(1, 64))]
    elif op == "dup_chunk":
        b[pos:pos] = b[pos : pos + draw(st.integers(1, 200))]
    return bytes(b)


@st.composite
def mutated(
    draw: st.DrawFn, seeds: list[bytes], delims: Callable[[bytes], tuple[bytes, bytes, bytes]]
) -> bytes:
    """A seed with one to four mutations, structural (by the seed's delimiters) or byte-wise."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            data = draw(_structural(data, delims(data)))
        else:
            data = draw(_bytewise(data))
    return data


_JSON_LEAF = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30, max_value=10**40)
    | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["", "2026-02-30", "19000101", "-5", "1e999", "male", "U", "\u00e9\u65e5"])
)
_JSON_VALUE = st.recursive(
    _JSON_LEAF,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)


@st.composite
def mutated_json(draw: st.DrawFn) -> bytes:
    """A JSON seed with one value (at a random path) replaced by a random JSON value, or a
    key deleted; seeds that are not JSON are mutated byte-wise."""
    raw = draw(st.sampled_from(JSON_SEEDS))
    try:
        obj: Any = json.loads(raw)
    except ValueError:
        return draw(_bytewise(raw))
    for _ in range(draw(st.integers(1, 3))):
        node: Any = obj
        parent: Any = None
        key: Any = None
        while isinstance(node, dict | list) and node and draw(st.integers(0, 3)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, draw(st.sampled_from(keys))
            node = node[key]
        if parent is None:
            obj = draw(_JSON_VALUE) if draw(st.integers(0, 9)) == 0 else obj
        elif isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(_JSON_VALUE)
    return json.dumps(obj, ensure_ascii=draw(st.booleans())).encode()


def _reads_or_input_error(fn: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Call a reader: a result, or an InputError that names the place; nothing else."""
    try:
        fn(*args, **kwargs)
    except MedcoderError as exc:
        assert isinstance(exc, InputError), f"{type(exc).__name__} is not an input error: {exc}"
        assert exc.where, f"the error does not name the place: {exc}"
        assert exc.message


# ---------------------------------------------------------------------------------------------
# documents: read_document on text, encounter JSON, FHIR, HL7 v2


@FUZZ
@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(str.encode)
    | mutated(TEXT_SEEDS, _text_delims)
)
def test_read_document_text(data: bytes) -> None:
    _reads_or_input_error(read_document, data, name="note.txt")


@FUZZ
@given(st.binary(max_size=200) | mutated_json() | mutated(JSON_SEEDS, _text_delims))
def test_read_document_json(data: bytes) -> None:
    _reads_or_input_error(read_document, data, name="doc.json")


@FUZZ
@given(
    st.binary(max_size=200).map(lambda b: b"MSH|^~\\&|" + b)
    | mutated(HL7_SEEDS, _hl7_delims)
)
def test_read_document_hl7(data: bytes) -> None:
    _reads_or_input_error(read_document, data, name="msg.hl7")


# ---------------------------------------------------------------------------------------------
# 835 remittances: the whole reader without pyx12


@FUZZ
@given(
    st.binary(max_size=300).map(lambda b: b"ISA" + b)
    | st.binary(max_size=200).map(lambda b: b"ST*835*" + b)
    | mutated(REMIT_SEEDS, _x12_delims),
    st.booleans(),
)
def test_read_835_text(data: bytes, strict: bool) -> None:
    _reads_or_input_error(read_835_text, data.decode("latin-1"), source="fuzz.835",
                          validate=False, strict=strict)


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(mutated(REMIT_SEEDS, _x12_delims))
def test_read_835_file(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "fuzz.835"
    p.write_bytes(data)
    _reads_or_input_error(read_835, p, validate=False, strict=False)


@settings(FUZZ, max_examples=max(25, EXAMPLES // 12))
@given(mutated(REMIT_SEEDS, _x12_delims))
def test_read_835_text_with_pyx12(data: bytes) -> None:
    """A few reads with pyx12 on (``validate="warn"``): its own failures must not escape."""
    _reads_or_input_error(read_835_text, data.decode("latin-1"), source="fuzz.835", validate="warn",
                          strict=False)


# ---------------------------------------------------------------------------------------------
# 837 claims: envelope and segment layer (fast), and a few full reads (pyx12 is always on)


@FUZZ
@given(st.binary(max_size=300).map(lambda b: b"ISA" + b) | mutated(CLAIM_SEEDS, _x12_delims))
def test_837_envelope_and_segments(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "fuzz.837"
    p.write_bytes(data)
    _reads_or_input_error(guide_of, p)
    _reads_or_input_error(_segments, data.decode("latin-1"), p)
    _reads_or_input_error(tokenize, data.decode("latin-1"), str(p))


@settings(FUZZ, max_examples=max(25, EXAMPLES // 12))
@given(mutated(CLAIM_SEEDS, _x12_delims))
@example(_seed("st-before-gs.837"))  # pyx12 AttributeError escaped validate_x12 (ST before GS)
def test_load_claims_837(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "fuzz.837"
    p.write_bytes(data)
    _reads_or_input_error(load_claims, p)


def test_pyx12_out_of_order_envelope_is_a_finding() -> None:
    """Regression: ST before GS made pyx12 raise AttributeError (its error handler has no current
    transaction); both pyx12 wrappers now report it as a finding."""
    findings = pyx12_findings(_seed("st-before-gs.835").decode("ascii"))
    assert any("segments out of order" in f for f in findings)
    v = validate_x12(SEEDS / "st-before-gs.837")
    assert not v.ok
    assert any("segments out of order" in f for f in v.errors)
    with pytest.raises(InputError, match="fails its implementation guide"):
        load_claims(SEEDS / "st-before-gs.837")


def test_seeds_present() -> None:
    """The fuzz tests mutate real seeds: the repository's own fixtures at least."""
    for seeds in (TEXT_SEEDS, JSON_SEEDS, HL7_SEEDS, REMIT_SEEDS, CLAIM_SEEDS):
        assert seeds
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is absent: the fuzz tests use the repository seeds only")
