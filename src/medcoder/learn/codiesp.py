"""Learn a site model from the CodiEsp corpus ("learning from coders").

CodiEsp's evidence spans (``<split>X.tsv``) index the Spanish text, and the English text is a
machine translation split one sentence a line, so a span cannot be carried over exactly. We
carry it over by position: words both texts share once (numbers, drug and germ names, cognates
spelt alike) are anchors (``anchors``), and a span's ends are mapped by straight lines between
the anchors around them; the English window is the mapped span widened by ``PAD`` characters
on each side (``carry_over``). The builder then counts phrases inside those windows
(``medcoder.learn.builder``), and the document-level precision of each phrase throws out the
words that only happened to sit nearby.

Learn only from the training split; score on dev. Nothing learned is written to the
repository: ``SiteModel.save`` writes to the data dir.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import logging
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from medcoder.errors import InputError
from medcoder.eval.codes import CM, PCS, display_code
from medcoder.eval.codiesp import Doc, EvidenceSpan, load_evidence, load_split
from medcoder.learn.builder import SiteModelBuilder, Span
from medcoder.learn.model import SiteModel
from medcoder.learn.ranker import Ranker, fit
from medcoder.learn.text import tokens

log = logging.getLogger(__name__)

PAD = 60  # characters of English text either side of a carried-over span (best on dev)


def sentence_spans(text: str) -> list[Span]:
    """Character ranges of the non-blank lines of ``text`` (the English files: one sentence each)."""
    spans: list[Span] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def anchors(source: str, target: str) -> list[tuple[int, int]]:
    """Offsets of words both texts share once each (numbers, names, drugs), kept in order.

    The words are folded tokens of four or more characters, or numbers, that occur exactly once
    in each text; of those pairs, the longest run increasing in both texts is kept. The ends of
    the texts are always anchors.
    """
    def unique(text: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        dup: set[str] = set()
        for t in tokens(text):
            if len(t.norm) < 4 and not t.norm.isdigit():
                continue
            if t.norm in seen:
                dup.add(t.norm)
            seen[t.norm] = t.start
        return {k: v for k, v in seen.items() if k not in dup}

    src, tgt = unique(source), unique(target)
    pairs = sorted((src[w], tgt[w]) for w in src.keys() & tgt.keys())
    # longest increasing subsequence on the target offsets (patience sorting)
    tails: list[int] = []
    tails_idx: list[int] = []
    prev: list[int] = [-1] * len(pairs)
    for k, (_, t) in enumerate(pairs):
        pos = bisect.bisect_left(tails, t)
        if pos == len(tails):
            tails.append(t)
            tails_idx.append(k)
        else:
            tails[pos] = t
            tails_idx[pos] = k
        prev[k] = tails_idx[pos - 1] if pos else -1
    chain: list[tuple[int, int]] = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        chain.append(pairs[k])
        k = prev[k]
    chain.reverse()
    return [(0, 0), *chain, (len(source), len(target))]


def _interpolate(pos: int, points: list[tuple[int, int]]) -> float:
    xs = [x for x, _ in points]
    i = min(max(bisect.bisect_right(xs, pos) - 1, 0), len(points) - 2)
    (x0, y0), (x1, y1) = points[i], points[i + 1]
    if x1 <= x0:
        return float(y0)
    return y0 + (pos - x0) * (y1 - y0) / (x1 - x0)


def carry_over(
    span: tuple[int, int],
    source_len: int,
    target_len: int,
    *,
    points: list[tuple[int, int]] | None = None,
    pad: int | None = PAD,
    sentences: list[Span] | None = None,
    context: int = 1,
) -> Span | None:
    """Where ``span`` of the source text lies in the target text.

    The span's ends are mapped through ``points`` (``anchors``; the two texts' ends when None)
    and widened by ``pad`` characters on each side; with ``pad=None`` the window is instead the
    target ``sentences`` the mapped ends fall in, widened by ``context`` sentences.
    """
    if source_len <= 0 or target_len <= 0:
        return None
    points = points or [(0, 0), (source_len, target_len)]
    a = _interpolate(min(max(span[0], 0), source_len), points)
    b = _interpolate(min(max(span[1], 0), source_len), points)
    if pad is not None:
        return max(int(a - pad), 0), min(int(b + pad) + 1, target_len)
    if not sentences:
        return None
    starts = [s for s, _ in sentences]
    i = max(bisect.bisect_right(starts, a) - 1, 0)
    j = max(bisect.bisect_right(starts, b) - 1, i)
    i = max(i - context, 0)
    j = min(j + context, len(sentences) - 1)
    return sentences[i][0], sentences[j][1]


def learn_codiesp(
    data_dir: Path,
    split: str = "train",
    lang: str = "en",
    *,
    min_support: int = 2,
    min_precision: float = 0.3,
    pad: int | None = PAD,
    context: int = 1,
    use_anchors: bool = True,
    use_evidence: bool = True,
    ranker: bool = True,
    folds: int = 5,
    seed: int = 0,
) -> SiteModel:
    """A site model learned from one CodiEsp split (train): its texts, gold codes and evidence.

    ``pad``/``context``/``use_anchors``: how evidence is carried over to the English text
    (``carry_over``); ``use_evidence=False`` learns from whole documents instead (much worse:
    see docs/evaluation.md). ``min_support``/``min_precision``: ``SiteModelBuilder``.
    ``ranker``: also learn the ranker (``train_ranker``, ``folds`` cross-fitted folds).
    """
    docs = load_split(data_dir, split, lang)
    if not docs[0].has_gold:
        raise InputError(f"the {split} split has no gold codes to learn from",
                         where=Path(data_dir) / split)
    evidence: dict[str, list[EvidenceSpan]] = {}
    spanish: dict[str, str] = {}
    if use_evidence:
        evidence = load_evidence(data_dir, split)
        if lang != "es":
            spanish = {d.doc_id: d.text for d in load_split(data_dir, split, "es")}
    carried = lang != "es" and use_evidence
    provenance = {
        "corpus": "CodiEsp",
        "source": str(Path(data_dir).resolve()),
        "split": split,
        "lang": lang,
        "evidence": (
            "none: whole documents" if not use_evidence
            else "X.tsv spans carried over to the translation" if carried
            else "X.tsv spans"
        ),
        "carry_over": (
            {"pad": pad, "context": context if pad is None else None, "anchors": use_anchors}
            if carried else None
        ),
    }

    def build(subset: Sequence[Doc]) -> SiteModel:
        builder = SiteModelBuilder(
            min_support=min_support, min_precision=min_precision, provenance=dict(provenance)
        )
        for doc in subset:
            systems, windows = _codes_and_windows(
                doc, evidence.get(doc.doc_id, ()), spanish.get(doc.doc_id, ""),
                use_evidence=use_evidence, carried=carried, use_anchors=use_anchors, pad=pad,
                context=context,
            )
            builder.add(doc.text, list(systems), evidence=windows, systems=systems)
        out = builder.build()
        log.info("learned %d phrases for %d codes from %d documents", len(out.phrases),
                 len({p.code for p in out.phrases}), builder.documents)
        return out

    model = build(docs)
    if ranker:
        model.ranker = train_ranker(docs, build, folds=folds, seed=seed)
        model.provenance["ranker"] = (
            model.ranker.provenance if model.ranker else "not learned: too few coded suggestions"
        )
    return model


def _codes_and_windows(
    doc: Doc,
    evidence: Sequence[EvidenceSpan],
    source: str,
    *,
    use_evidence: bool,
    carried: bool,
    use_anchors: bool,
    pad: int | None,
    context: int,
) -> tuple[dict[str, str], dict[str, list[Span]]]:
    """A document's codes (printed spelling -> system) and each code's evidence windows."""
    systems = {display_code(c, CM): CM for c in doc.gold_d}
    systems.update({display_code(c, PCS): PCS for c in doc.gold_p})
    windows: dict[str, list[Span]] = {}
    if not use_evidence:
        return systems, windows
    points = anchors(source, doc.text) if carried and use_anchors else None
    sentences = sentence_spans(doc.text) if carried and pad is None else None
    for ev in evidence:
        system = CM if ev.label.upper().startswith("DIAG") else PCS
        code = display_code(ev.code, system)
        if not carried:
            windows.setdefault(code, []).extend(ev.spans)
            continue
        window = carry_over((ev.start, ev.end), len(source), len(doc.text), points=points,
                            pad=pad, sentences=sentences, context=context)
        if window is not None:
            windows.setdefault(code, []).append(window)
    return systems, windows


def train_ranker(
    docs: Sequence[Doc],
    build: Callable[[Sequence[Doc]], SiteModel],
    *,
    folds: int = 5,
    seed: int = 0,
) -> Ranker | None:
    """Cross-fitted training pairs, then ``ranker.fit``.

    The documents are dealt into ``folds`` folds (by a seeded shuffle); for each fold a site
    model is learned from the other folds and the fold's documents are coded with it in
    mentions mode, so every suggestion is scored by a model that never saw its document. A
    suggestion is labelled 1 when the document's coders reported its code (in the corpus's
    code-set era: ``eval.codiesp.corpus_era_code``).
    """
    from medcoder.coders.diagnosis.engine import DiagnosisCoder
    from medcoder.codesets.kb import default_kb
    from medcoder.encounter import Encounter
    from medcoder.eval.codiesp import corpus_era_code

    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    groups = [[docs[i] for i in order[k::folds]] for k in range(folds)]
    kb = default_kb()
    dos = _dt.date.today()
    samples: list[tuple[dict[str, float], int]] = []
    coder = DiagnosisCoder(kb, dos)  # one dictionary load; each fold swaps in its site model
    for k, held in enumerate(groups):
        if not held:
            continue
        coder.site_model = build([d for j, g in enumerate(groups) if j != k for d in g])
        for doc in held:
            gold = set(doc.gold_d)
            enc = Encounter(text=doc.text, setting="inpatient", date_of_service=dos)
            for code, feats in coder.ranking_samples(enc):
                samples.append((feats, int(corpus_era_code(code).lower() in gold)))
    log.info("ranker: %d cross-fitted suggestions from %d documents", len(samples), len(docs))
    ranker = fit(samples, seed=seed)
    if ranker is not None:
        ranker.provenance.update({"folds": folds, "documents": len(docs)})
    return ranker
