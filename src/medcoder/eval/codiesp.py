"""The CodiEsp corpus: read a split, run a predictor over it, write and score predictions.

Layout of the corpus folder (as the CodiEsp v4 release has it)::

    DIR/<split>/text_files/<doc_id>.txt        Spanish clinical case, UTF-8
    DIR/<split>/text_files_en/<doc_id>.txt     English machine translation, one sentence a line
    DIR/<split>/<split>D.tsv                   gold diagnoses: doc_id <TAB> icd-10-cm code
    DIR/<split>/<split>P.tsv                   gold procedures: doc_id <TAB> icd-10-pcs code
    DIR/<split>/<split>X.tsv                   evidence: doc_id, label, code, span text, offsets

``split`` is ``train``, ``dev`` or ``test`` (any folder name works). A split without its D and P
files (the held-back test set) loads with ``has_gold`` false: predictions can be written, and the
report says there is no gold to score against. Codes are kept in the corpus spelling
(lower-case, dotted ICD-10-CM); see ``medcoder.eval.codes``. Metrics: ``medcoder.eval.metrics``.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medcoder.errors import DataError, FileFormatError, InputError
from medcoder.eval.analysis import ErrorAnalysis, analyse
from medcoder.eval.codes import CM, PCS, corpus_code, is_valid_shape_d, is_valid_shape_p
from medcoder.eval.metrics import Scores, Valid, dedup, score

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.learn.model import SiteModel

log = logging.getLogger(__name__)

TEXT_FOLDERS = {"en": "text_files_en", "es": "text_files"}

Predictor = Callable[["Doc"], tuple[Sequence[str], Sequence[str]]]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Doc:
    doc_id: str
    text: str
    gold_d: list[str] = field(default_factory=list)  # corpus spelling, file order, no repeats
    gold_p: list[str] = field(default_factory=list)
    has_gold: bool = True


@dataclass(frozen=True)
class EvidenceSpan:
    """One row of ``<split>X.tsv``: a code and where its words are in the Spanish text."""

    label: str  # DIAGNOSTICO | PROCEDIMIENTO
    code: str
    spans: tuple[tuple[int, int], ...]  # character offsets into the Spanish text

    @property
    def start(self) -> int:
        return min(s for s, _ in self.spans)

    @property
    def end(self) -> int:
        return max(e for _, e in self.spans)


def _split_dir(data_dir: Path, split: str) -> Path:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError("the CodiEsp folder does not exist (expected DIR/train, DIR/dev ...)",
                         where=data_dir)
    folder = data_dir / split
    if not folder.is_dir():
        found = sorted(p.name for p in data_dir.iterdir() if p.is_dir())
        raise InputError(
            f"no '{split}' folder in the CodiEsp folder (it has: {', '.join(found) or 'nothing'}); "
            "expected the layout DIR/<split>/text_files_en and DIR/<split>/<split>D.tsv",
            where=data_dir,
        )
    return folder


def _read_tsv(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    with open(path, encoding="utf-8-sig") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) != columns or not all(c.strip() for c in cells[:3]):
                raise FileFormatError(
                    f"expected {columns} tab-separated columns, found {len(cells)}", path=path, line=n
                )
            rows.append((n, [c.strip() for c in cells]))
    return rows


def read_gold(path: Path) -> dict[str, list[str]]:
    """``doc_id -> codes`` in file order, lower-case, repeats dropped."""
    gold: dict[str, list[str]] = {}
    for _, (doc_id, code) in _read_tsv(path, 2):
        gold.setdefault(doc_id, []).append(code)
    return {doc_id: dedup(codes) for doc_id, codes in gold.items()}


def read_predictions(path: Path) -> dict[str, list[str]]:
    """A predictions file in the CodiEsp-D/P layout: ``doc_id <TAB> code``, best first."""
    if not Path(path).is_file():
        raise InputError("predictions file not found", where=path)
    return read_gold(path)


def load_split(data_dir: Path, split: str, lang: str = "en", *, limit: int | None = None) -> list[Doc]:
    """The documents of one split, sorted by id, with their gold codes (if the split has them)."""
    if lang not in TEXT_FOLDERS:
        raise InputError(f"unknown language {lang!r}: use 'en' (English translation) or 'es' (Spanish)")
    folder = _split_dir(data_dir, split)
    text_dir = folder / TEXT_FOLDERS[lang]
    if not text_dir.is_dir():
        raise InputError(f"the {split} split has no {TEXT_FOLDERS[lang]}/ folder of texts", where=folder)
    files = sorted(text_dir.glob("*.txt"))
    if not files:
        raise InputError("no .txt documents in the text folder", where=text_dir)
    gold_paths = {kind: folder / f"{split}{kind}.tsv" for kind in ("D", "P")}
    present = {k for k, p in gold_paths.items() if p.is_file()}
    has_gold = bool(present)
    if present and present != {"D", "P"}:
        missing = next(p for k, p in gold_paths.items() if k not in present)
        raise InputError(f"{missing.name} is missing (the split has the other gold file)", where=folder)
    gold_d = read_gold(gold_paths["D"]) if has_gold else {}
    gold_p = read_gold(gold_paths["P"]) if has_gold else {}
    ids = {f.stem for f in files}
    for kind, gold in (("D", gold_d), ("P", gold_p)):
        orphans = sorted(set(gold) - ids)
        if orphans:
            raise FileFormatError(
                f"{len(orphans)} document(s) with gold codes have no text file in "
                f"{TEXT_FOLDERS[lang]}/ (first: {orphans[0]})",
                path=gold_paths[kind],
            )
    if limit is not None:
        files = files[: max(limit, 0)]
    docs = [
        Doc(
            doc_id=f.stem,
            text=f.read_text(encoding="utf-8-sig"),
            gold_d=gold_d.get(f.stem, []),
            gold_p=gold_p.get(f.stem, []),
            has_gold=has_gold,
        )
        for f in files
    ]
    log.info("CodiEsp %s/%s: %d documents, gold=%s", split, lang, len(docs), has_gold)
    return docs


def load_evidence(data_dir: Path, split: str) -> dict[str, list[EvidenceSpan]]:
    """``<split>X.tsv``: per document, each code with its offsets into the Spanish text."""
    path = _split_dir(data_dir, split) / f"{split}X.tsv"
    if not path.is_file():
        raise InputError(f"{path.name} (the evidence spans) is missing", where=path.parent)
    out: dict[str, list[EvidenceSpan]] = {}
    for n, (doc_id, label, code, _text, offsets) in _read_tsv(path, 5):
        try:
            spans = tuple(
                (int(a), int(b)) for a, b in (part.split() for part in offsets.split(";"))
            )
        except ValueError:
            raise FileFormatError(
                f"offsets {offsets!r} are not 'start end' pairs separated by ';'", path=path, line=n
            ) from None
        out.setdefault(doc_id, []).append(EvidenceSpan(label, code.lower(), spans))
    return out


def write_predictions(
    outdir: Path, preds_d: Mapping[str, Sequence[str]], preds_p: Mapping[str, Sequence[str]]
) -> tuple[Path, Path]:
    """``OUTDIR/D.tsv`` and ``OUTDIR/P.tsv``: ``doc_id <TAB> code``, best first, corpus spelling."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = (outdir / "D.tsv", outdir / "P.tsv")
    for path, preds, system in ((paths[0], preds_d, CM), (paths[1], preds_p, PCS)):
        tmp = path.with_suffix(".tsv.tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for doc_id, codes in preds.items():
                for code in dedup(corpus_code(c, system) for c in codes):
                    fh.write(f"{doc_id}\t{code}\n")
        os.replace(tmp, path)
    return paths


# ---------------------------------------------------------------------------------------------
# running a predictor and the report


@dataclass(frozen=True)
class SubtaskScores:
    codes: Scores  # the official CodiEsp scoring
    categories: Scores  # first three characters
    codes_prefix: Scores | None = None  # procedures: partial gold codes found by prefix

    def to_dict(self) -> dict[str, Any]:
        out = {"codes": self.codes.to_dict(), "categories": self.categories.to_dict()}
        if self.codes_prefix is not None:
            out["codes_prefix"] = self.codes_prefix.to_dict()
        return out


@dataclass
class Report:
    predictor: str
    split: str
    lang: str
    docs: int
    has_gold: bool
    seconds: float = 0.0
    diagnoses: SubtaskScores | None = None
    procedures: SubtaskScores | None = None
    analysis_d: ErrorAnalysis | None = None
    analysis_p: ErrorAnalysis | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, error type)
    notes: list[str] = field(default_factory=list)
    preds_d: dict[str, list[str]] = field(default_factory=dict, repr=False)
    preds_p: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "predictor": self.predictor,
            "split": self.split,
            "lang": self.lang,
            "docs": self.docs,
            "has_gold": self.has_gold,
            "seconds": round(self.seconds, 2),
            "diagnoses": self.diagnoses.to_dict() if self.diagnoses else None,
            "procedures": self.procedures.to_dict() if self.procedures else None,
            "analysis": {
                "diagnoses": self.analysis_d.to_dict() if self.analysis_d else None,
                "procedures": self.analysis_p.to_dict() if self.analysis_p else None,
            },
            "failures": [{"doc_id": d, "error": e} for d, e in self.failures],
            "notes": list(self.notes),
        }

    def metric_rows(self) -> list[tuple[str, str, Scores]]:
        rows: list[tuple[str, str, Scores]] = []
        if self.diagnoses:
            rows += [("diagnoses", "codes", self.diagnoses.codes),
                     ("diagnoses", "categories", self.diagnoses.categories)]
        if self.procedures:
            rows.append(("procedures", "codes", self.procedures.codes))
            if self.procedures.codes_prefix:
                rows.append(("procedures", "codes, partial by prefix", self.procedures.codes_prefix))
            rows.append(("procedures", "categories", self.procedures.categories))
        return rows

    def to_markdown(self) -> str:
        where = " ".join(x for x in (self.split, f"({self.lang})" if self.lang else "") if x)
        lines = [
            f"### CodiEsp{' ' + where if where else ''}: {self.predictor}",
            "",
            f"{self.docs} documents, {self.seconds:.1f} s"
            + (f", {len(self.failures)} failed" if self.failures else ""),
            "",
        ]
        if not self.has_gold:
            lines += ["No gold: the split has no D/P files, so nothing is scored.", ""]
        else:
            lines += [
                "| sub-task | level | MAP | MAP all docs | P | R | F1 | TP | predicted | gold |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for task, level, s in self.metric_rows():
                lines.append(
                    f"| {task} | {level} | {s.map:.3f} | {s.map_all_docs:.3f} | {s.precision:.3f} "
                    f"| {s.recall:.3f} | {s.f1:.3f} | {s.tp} | {s.predicted} | {s.gold} |"
                )
            lines.append("")
            for title, a in (("Diagnoses", self.analysis_d), ("Procedures", self.analysis_p)):
                if a is None:
                    continue
                lines += _analysis_markdown(title, a)
        for note in self.notes:
            lines.append(f"- {note}")
        return "\n".join(lines).rstrip() + "\n"


def _analysis_markdown(title: str, a: ErrorAnalysis) -> list[str]:
    lines = [
        f"#### {title}: where the gold codes went",
        "",
        f"{a.gold} gold codes: {a.found} found, {a.wrong_specificity} at the wrong specificity "
        f"(same category), {a.missed} missed. {a.false_positives} false positives, "
        f"{a.false_positives_near} of them in the category of a gold code not found.",
        "",
    ]
    if a.top_missed:
        lines += ["| missed code | times |", "|---|---:|"]
        lines += [f"| {c} | {n} |" for c, n in a.top_missed] + [""]
    if a.top_wrong_specificity:
        lines += ["| gold | predicted instead | times |", "|---|---|---:|"]
        lines += [f"| {g} | {p} | {n} |" for g, p, n in a.top_wrong_specificity] + [""]
    if a.top_false_positives:
        lines += ["| false positive | times |", "|---|---:|"]
        lines += [f"| {c} | {n} |" for c, n in a.top_false_positives] + [""]
    return lines


def score_predictions(
    docs: Sequence[Doc],
    preds_d: Mapping[str, Sequence[str]],
    preds_p: Mapping[str, Sequence[str]],
    *,
    predictor: str = "predictions",
    split: str = "",
    lang: str = "",
    valid_d: Valid | None = is_valid_shape_d,
    valid_p: Valid | None = is_valid_shape_p,
    analysis_cutoff: int | None = None,
) -> Report:
    """Score ranked predictions (corpus or printed spelling) against the docs' gold."""
    ids = [d.doc_id for d in docs]
    pd_ = {i: dedup(corpus_code(c, CM) for c in preds_d.get(i, ())) for i in ids}
    pp_ = {i: dedup(corpus_code(c, PCS) for c in preds_p.get(i, ())) for i in ids}
    has_gold = bool(docs) and all(d.has_gold for d in docs)
    report = Report(predictor=predictor, split=split, lang=lang, docs=len(docs), has_gold=has_gold,
                    preds_d=pd_, preds_p=pp_)
    if not has_gold:
        return report
    gd = {d.doc_id: d.gold_d for d in docs}
    gp = {d.doc_id: d.gold_p for d in docs}
    report.diagnoses = SubtaskScores(
        codes=score(pd_, gd, valid=valid_d),
        categories=score(pd_, gd, valid=valid_d, categories=True),
    )
    report.procedures = SubtaskScores(
        codes=score(pp_, gp, valid=valid_p),
        categories=score(pp_, gp, valid=valid_p, categories=True),
        codes_prefix=score(pp_, gp, valid=valid_p, prefix_partial=True),
    )
    report.analysis_d = analyse(pd_, gd, valid=valid_d, cutoff=analysis_cutoff)
    report.analysis_p = analyse(pp_, gp, valid=valid_p, prefix_partial=True, cutoff=analysis_cutoff)
    if valid_d is is_valid_shape_d or valid_p is is_valid_shape_p:
        report.notes.append(
            "predictions were filtered by code shape; the challenge filtered by its list of "
            "valid CIE-10-ES 2018 codes"
        )
    return report


def evaluate(
    docs: Sequence[Doc],
    predict: Predictor,
    *,
    name: str = "predictor",
    split: str = "",
    lang: str = "",
    progress: Progress | None = None,
    valid_d: Valid | None = is_valid_shape_d,
    valid_p: Valid | None = is_valid_shape_p,
    analysis_cutoff: int | None = None,
) -> Report:
    """Run ``predict`` (doc -> ranked diagnosis codes, ranked procedure codes) and score it.

    A document whose prediction raises is recorded in ``Report.failures`` (id and error type,
    never text) and scored as having no prediction; ``MEDCODER_DEBUG=1`` re-raises instead.
    """
    preds_d: dict[str, list[str]] = {}
    preds_p: dict[str, list[str]] = {}
    failures: list[tuple[str, str]] = []
    started = time.perf_counter()
    total = len(docs)
    for n, doc in enumerate(docs, start=1):
        try:
            d_codes, p_codes = predict(doc)
            preds_d[doc.doc_id] = list(d_codes)
            preds_p[doc.doc_id] = list(p_codes)
        except Exception as exc:
            if os.environ.get("MEDCODER_DEBUG"):
                raise
            log.warning("prediction failed on %s: %s", doc.doc_id, type(exc).__name__)
            failures.append((doc.doc_id, type(exc).__name__))
        if progress is not None:
            progress(n, total)
    seconds = time.perf_counter() - started
    report = score_predictions(docs, preds_d, preds_p, predictor=name, split=split, lang=lang,
                               valid_d=valid_d, valid_p=valid_p, analysis_cutoff=analysis_cutoff)
    report.seconds = seconds
    report.failures = failures
    return report


CORPUS_ERA = _dt.date(2018, 1, 1)


def corpus_era_code(code: str, era: _dt.date = CORPUS_ERA) -> str:
    """The code as the corpus's code set writes it (CodiEsp: CIE-10-ES 2018).

    medcoder codes with today's release; the corpus was coded in 2019-2020 with the 2018
    edition. Two differences matter: the annotators left out the 7th character (and the
    placeholder X of T14 injuries: "t14.8"), and codes expanded since then (M54.5 into
    M54.50/M54.51/M54.59 on 2021-10-01, R51, R05, E87.2, N18.3 …) are mapped back to the code
    they replaced, and codes added since then with the code used before them (F32.A → F32.9),
    using medcoder's code history.
    """
    c = code.upper()
    bare = c.replace(".", "")
    if len(bare) == 7 and c[0].isalpha() and "." in c:  # ICD-10-CM with a 7th character
        c = c[:-1]
        if c.startswith("T14"):
            c = c.rstrip("X")
    old = _replaced_since(era).get(c)
    return old or c


@cache
def _replaced_since(era: _dt.date) -> dict[str, str]:
    from medcoder.codesets.history import entries

    out: dict[str, str] = {}
    for e in entries():
        if e.system != "ICD-10-CM" or e.effective <= era:
            continue
        if e.change == "expanded":
            for r in e.replacements:
                out[r] = e.code
        elif e.change == "added" and e.replacements:
            out[e.code] = e.replacements[0]  # F32.A: before it existed, depression NOS was F32.9
    return out


def default_predictor(site_model: SiteModel | None = None) -> Predictor:
    """medcoder's coder in mentions mode (CodiEsp codes every mentioned condition)."""
    try:
        from medcoder.coding import code_text
    except ModuleNotFoundError as exc:
        if exc.name not in ("medcoder.coding", "medcoder"):
            raise
        raise DataError(
            "the coder (medcoder.coding) is not available in this install; "
            "score the learned site model alone with --predictor site-model"
        ) from None

    def predict(doc: Doc) -> tuple[list[str], list[str]]:
        result = code_text(doc.text, setting="inpatient", mode="mentions", site_model=site_model)
        dx = list(dict.fromkeys(corpus_era_code(s.code) for s in result.diagnoses))
        return dx, [s.code for s in result.procedures]

    return predict
