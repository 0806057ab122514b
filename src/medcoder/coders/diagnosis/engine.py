"""The diagnosis coder: an encounter in, ICD-10-CM codes with evidence and rationale out.

Steps (each in its own module):

1. sections and sentences (``medcoder.text``);
2. terms found in each sentence (``matcher`` over the ``terms`` dictionary: lexicon, Index,
   Tabular titles and inclusion terms, learned phrases);
3. how each mention is asserted (``medcoder.text.context``: negated, uncertain, historical,
   family, hypothetical);
4. the reportable code (``complete``: children, laterality, 7th character, placeholder X);
5. the Official Guidelines by setting (``rules``), physician queries (``queries``), and
   sequencing.

``mode="billing"`` returns what goes on the claim; ``mode="mentions"`` every condition
mentioned, with its context flags (for CDI review and corpus evaluation).
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medcoder.coders.diagnosis import matcher, rules
from medcoder.coders.diagnosis import terms as terms_mod
from medcoder.coders.diagnosis.complete import Completer, encounter_phase
from medcoder.coders.diagnosis.normalize import norm_words
from medcoder.coders.diagnosis.queries import draft_queries
from medcoder.coders.diagnosis.rules import Candidate
from medcoder.encounter import Encounter
from medcoder.learn.ranker import features
from medcoder.result import CodeSuggestion, CodingResult, Context, Evidence

log = logging.getLogger(__name__)

MODES = ("billing", "mentions")
SOURCE_CONFIDENCE = {
    "lexicon": 0.85,
    "index": 0.70,
    "neoplasm": 0.68,
    "see": 0.56,
    "learned": 0.70,
    "title": 0.66,
    "inclusion": 0.58,
    "rule": 0.75,
}
WORD_BONUS = 0.02  # per term word beyond the first (more specific)
SPREAD_PENALTY = 0.06  # per foreign note word inside the match
MENTION_BONUS = 0.04  # per further mention of the same code
# codes read from loose words: Z (status, history, encounters) and injuries need more than a
# word or two; symptoms (R) and conditions named by one word are the most literal
CHAPTER_WEIGHT = {"Z": -0.10, "T": -0.10, "S": -0.06, "R": 0.04, "Q": -0.04, "C": -0.02}
SECTION_WEIGHT = {
    "discharge_diagnoses": 0.12,
    "diagnoses": 0.12,
    "assessment": 0.10,
    "assessment_plan": 0.10,
    "impression": 0.10,
    "chief_complaint": 0.06,
    "hpi": 0.03,
    "hospital_course": 0.03,
    "past_medical_history": 0.0,
    "ros": -0.08,
    "medications": -0.10,
    "allergies": -0.15,
}
SEQUENCE_SECTIONS = (
    "discharge_diagnoses",
    "diagnoses",
    "assessment",
    "assessment_plan",
    "impression",
    "chief_complaint",
    "hpi",
    "hospital_course",
)


@dataclass
class _Mention:
    match: matcher.Match
    section: str | None
    sentence: tuple[int, int]
    context: Context
    triggers: list[str]


class DiagnosisCoder:
    """Holds the dictionary and engines for one knowledge base and date; reuse it for many notes."""

    def __init__(self, kb: Any, dos: _dt.date, site_model: Any = None) -> None:
        from medcoder.text.context import default_engine

        self.kb = kb
        self.dos = dos
        self.tab = kb.open("icd10cm-tabular", dos)
        cache_dir = Path(kb.store.root) / "cache"
        # learned phrases are matched by the site model itself (``_learned``), not mixed into
        # the dictionary, so their codes keep their own evidence and precision
        self.terms = terms_mod.build(kb, dos, cache_dir=cache_dir)
        self.completer = Completer(self.tab.reader)
        self.context = default_engine()
        self.site_model = site_model

    # -- 1-3: mentions --------------------------------------------------------------------------
    def mentions(self, enc: Encounter) -> list[_Mention]:
        text = enc.text
        out: list[_Mention] = []
        for name, sent in _sentences(enc):
            found = matcher.find(text, sent[0], sent[1], self.terms)
            if not found:
                continue
            explained = self.context.assess_explained(
                text, sent, [(m.start, m.end) for m in found], name
            )
            for m, (ctx, trig) in zip(found, explained, strict=True):
                why = [text[t.start : t.end] if t.end > t.start else f"{t.phrase} section" for t in trig]
                out.append(_Mention(m, name, sent, ctx, why))
        return out

    # -- 4: candidates --------------------------------------------------------------------------
    def candidates(self, enc: Encounter, mentions: list[_Mention]) -> list[Candidate]:
        text = enc.text
        phase = encounter_phase(text, enc.setting)
        by_key: dict[tuple[str, Context], Candidate] = {}
        for mn in mentions:
            m = mn.match
            words = set(norm_words(text[mn.sentence[0] : mn.sentence[1]]))
            if m.sides is not None:  # several sides in the sentence: only this site's own
                words = (words - matcher.SIDES) | m.sides
            # the entry's code, then any manifestation code the Index prints in brackets after
            # it ("Amyloidosis, heart E85.4 [I43]"): both are reported, etiology first
            for code, etiology in ((m.term.code, None), *((x, m.term.code) for x in m.term.also)):
                self._candidate(by_key, text, mn, code, etiology, words, phase)
        if self.site_model is not None:
            self._learned(text, by_key, _sentences(enc))
        cands = list(by_key.values())
        priors = getattr(self.site_model, "priors", None) or {}
        ranker = getattr(self.site_model, "ranker", None)
        for c in cands:
            if c.source != "learned":  # its best mention (tightest words) decides
                c.confidence = self._confidence(c, 1.0)
            c.confidence = min(0.99, c.confidence + MENTION_BONUS * min(c.mentions - 1, 3))
            c.base_confidence = c.confidence
            if self.site_model is None:
                continue
            # what this site's coders accepted: learned phrases' precision, and how often
            # coders reported the code at all
            prior = float(priors.get(c.code, 0.0))
            if ranker is not None:
                c.confidence = ranker.score(features(c, prior=prior, text_len=len(text)))
                c.rationale.append(
                    f"site model ranking: {c.confidence:.2f} that this site's coders report it "
                    f"(learned precision {c.learned:.2f}, reported in {prior:.1%} of coded documents)"
                )
                continue
            if c.learned > 0:
                c.confidence = max(c.confidence, 0.55 + 0.44 * c.learned)
            else:
                c.confidence = 0.8 * c.confidence + min(0.2, 2 * prior)
            if c.learned > 0 or prior > 0:
                c.rationale.append(
                    f"site model: learned precision {c.learned:.2f}, reported in "
                    f"{prior:.1%} of coded documents"
                )
        return cands

    def _candidate(
        self,
        by_key: dict[tuple[str, Context], Candidate],
        text: str,
        mn: _Mention,
        code: str,
        etiology: str | None,
        words: set[str],
        phase: Any,
    ) -> None:
        """Add one mention's code to the candidates, or merge it into the same code's."""
        m = mn.match
        comp = self.completer.complete(code, words, phase)
        if not comp.code:
            return
        ev = [Evidence(m.start, m.end, text[m.start : m.end], mn.section)]
        key = (comp.code, mn.context)
        c = by_key.get(key)
        if c is not None:
            if m.term.source == "learned":
                c.learned = max(c.learned, m.term.weight)
            c.mentions += 1
            if len(c.evidence) < 5:
                c.evidence.extend(ev)
            c.words = max(c.words, m.size)
            c.spread = min(c.spread, m.spread)
            if (
                rules.FINAL_SECTIONS.__contains__(mn.section or "")
                and c.section not in rules.FINAL_SECTIONS
            ):
                c.section = mn.section
            return
        src = m.term.source
        why = [
            f"'{text[m.start:m.end]}' matches {_source_label(src)} '{m.term.text.strip()}' "
            f"→ {m.term.code}" + (f" [{code}]" if etiology else "")
        ]
        if etiology:
            why.append(
                f"the Index prints the manifestation code {code} in brackets after {etiology}: "
                f"both are reported, {etiology} first (Guideline I.A.13)"
            )
        if comp.code != code:
            why.extend(comp.assumptions)
        if mn.triggers:
            why.append("context: " + ", ".join(f"'{t}'" for t in mn.triggers))
        c = Candidate(
            code=comp.code,
            description=comp.title,
            evidence=ev,
            context=mn.context,
            section=mn.section,
            source=src,
            words=m.size,
            position=m.start,
            spread=m.spread,
            rationale=why,
            missing=list(comp.missing),
            term_code=code,
        )
        if src == "learned":
            c.learned = m.term.weight
        c.confidence = self._confidence(c, m.term.weight)
        by_key[key] = c

    def ranking_samples(self, enc: Encounter) -> list[tuple[str, dict[str, float]]]:
        """Each candidate's code and the ranker's features (``medcoder.learn.ranker``)."""
        priors = getattr(self.site_model, "priors", None) or {}
        cands = self.candidates(enc, self.mentions(enc))
        return [
            (c.code, features(c, prior=float(priors.get(c.code, 0.0)), text_len=len(enc.text)))
            for c in cands
        ]

    def _learned(
        self,
        text: str,
        by_key: dict[tuple[str, Context], Candidate],
        sentences: list[tuple[str | None, tuple[int, int]]],
    ) -> None:
        """Codes this site's coders gave for phrases found in the note (``medcoder learn``),
        each assessed in its own sentence (``sentences``: the note's, from ``_sentences``)."""
        assert self.site_model is not None
        hits = [h for h in self.site_model.match(text) if h.phrase.system == "ICD-10-CM"]
        if not hits:
            return
        by_code: dict[str, list[Candidate]] = {}
        for c in by_key.values():
            by_code.setdefault(c.code, []).append(c)
        for h in hits:
            code = h.phrase.code.upper()
            prec = float(h.phrase.precision)
            known = by_code.get(code)
            if known:
                for c in known:
                    if prec > c.learned:
                        c.learned, c.learned_support = prec, int(h.phrase.support)
                continue
            name, sent = next(
                ((n, s) for n, s in sentences if s[0] <= h.start and h.end <= s[1]),
                (None, (h.start, h.end)),
            )
            ctx, _trig = self.context.assess_explained(text, sent, [(h.start, h.end)], name)[0]
            title = self.completer.title(code) or self.tab.reader.title(code) or ""
            c = Candidate(
                code=code,
                description=title,
                evidence=[Evidence(h.start, h.end, text[h.start : h.end], name)],
                context=ctx,
                section=name,
                source="learned",
                words=len(h.phrase.phrase.split()),
                position=h.start,
                rationale=[
                    f"'{text[h.start:h.end]}': coders at this site reported {code} for this "
                    f"phrase (precision {prec:.2f}, {h.phrase.support} documents)"
                ],
                learned=prec,
                learned_support=int(h.phrase.support),
                term_code=code,
            )
            c.confidence = self._confidence(c, prec)
            by_key[(code, ctx)] = c
            by_code.setdefault(code, []).append(c)

    def _confidence(self, c: Candidate, weight: float) -> float:
        """How likely the code is right for what the note says (its context aside: billing
        mode lowers unasserted and symptom codes, ``_billing_confidence``).

        The source of the term, how tightly the note's words sit together (a term read across
        other words is often two conditions), the section, what completion had to assume, and
        the kind of code: Z and T/S codes read from loose words are the least reliable.
        """
        base = SOURCE_CONFIDENCE.get(c.source, 0.6)
        if c.source == "learned":
            base = 0.45 + 0.45 * weight
        base += WORD_BONUS * min(c.words - 1, 3)
        base -= SPREAD_PENALTY * min(c.spread, 4)
        base += SECTION_WEIGHT.get(c.section or "", 0.0)
        base -= 0.05 * len(c.missing)
        base += CHAPTER_WEIGHT.get(c.code[:1], 0.0)
        return max(0.05, min(0.99, base))

    @staticmethod
    def _billing_confidence(c: Candidate) -> None:
        if c.code.startswith("R"):
            c.confidence -= 0.05  # a symptom may be integral to a diagnosis (Guideline I.B.5)
        if not c.context.asserted:
            c.confidence *= 0.6
        c.confidence = max(0.05, min(0.99, c.confidence))

    # -- 5: guidelines --------------------------------------------------------------------------
    def code(self, enc: Encounter, mode: str = "billing") -> CodingResult:
        dos = enc.date_of_service or self.dos
        result = CodingResult(
            text=enc.text,
            setting=enc.setting,
            mode=mode,
            date_of_service=dos,
            source_name=enc.source_name,
            releases=dict(self.terms.sources),
        )
        notice = self.kb.open("icd10cm-tabular", dos).notice
        if notice:
            result.warnings.append(notice)
        mentions = self.mentions(enc)
        cands = self.candidates(enc, mentions)
        from medcoder.coders.procedures import code_procedures

        if mode == "mentions":
            cands.sort(key=lambda c: (-c.confidence, c.position))
            result.diagnoses = [_suggestion(c, 0) for c in cands]
            if enc.setting == "inpatient":
                result.procedures, _ = code_procedures(
                    enc.text, dos, result.diagnoses, setting=enc.setting, kb=self.kb,
                    site_model=self.site_model, mode="mentions",
                )
            return result
        for c in cands:
            self._billing_confidence(c)
        kept = self._billing(enc, cands, result)
        result.diagnoses = [_suggestion(c, i + 1) for i, c in enumerate(kept)]
        result.queries = draft_queries(enc, kept, cands, self.completer)
        result.procedures, warnings = code_procedures(
            enc.text, dos, result.diagnoses, setting=enc.setting, age=enc.patient_age,
            sex=enc.patient_sex, metadata=enc.metadata, kb=self.kb, site_model=self.site_model,
        )
        result.warnings.extend(warnings)
        return result

    def _billing(self, enc: Encounter, cands: list[Candidate], result: CodingResult) -> list[Candidate]:
        setting = enc.setting
        kept: list[Candidate] = []
        extra: list[Candidate] = []
        for c in cands:
            ok, why = rules.keep_by_context(c, setting)
            if ok:
                kept.append(c)
                continue
            c.dropped = why
            if c.context.family or (c.context.historical and not c.context.negated):
                z = rules.history_code(c.code, family=c.context.family)
                if z and self.completer.is_billable(z):
                    kind = "family history" if c.context.family else "personal history"
                    extra.append(
                        _derived(
                            c,
                            z,
                            self.completer.title(z),
                            f"{kind} of {c.code} ({c.description}) → {z} (Guideline I.C.21.c.4)",
                        )
                    )
        kept = _merge(kept + extra)
        kept = _merge(self._combinations(kept))
        kept = self._excludes1(kept, result)
        kept = self._integral_symptoms(kept)
        kept = self._special_rules(enc, kept, result)
        kept = self._instructions(kept, result)
        return self._sequence(enc, kept)

    def _combinations(self, kept: list[Candidate]) -> list[Candidate]:
        codes = {c.code for c in kept}
        out = list(kept)
        # diabetes with ... (Guideline I.A.15 'with', I.C.4.a)
        for d in [c for c in out if c.code.startswith(rules.DIABETES)]:
            if not (d.code.endswith(".9") or d.code.endswith(".8")):
                continue
            for prefixes, suffix, what in rules.DIABETES_WITH:
                partner = next((c for c in out if c.code.startswith(prefixes)), None)
                if partner is None:
                    continue
                combo = d.code[:3] + suffix
                if not self.completer.is_billable(combo):
                    continue
                d.rationale.append(
                    f"diabetes and {what} documented: the Index's 'with' links them, "
                    f"{combo} (Guideline I.A.15, I.C.4.a)"
                )
                d.code, d.description = combo, self.completer.title(combo)
                d.source = "rule"
                if partner.code.startswith(("R73", "E16.2", "G62.9", "I73.9", "H35.0", "H26.9")):
                    partner.dropped = f"included in the combination code {combo}"
                break
        out = [c for c in out if c.dropped is None]
        codes = {c.code for c in out}
        htn = [c for c in out if c.code == "I10"]
        if htn:
            hcombo, why = rules.hypertension_combination(codes)
            if hcombo and self.completer.is_billable(hcombo):
                h = htn[0]
                h.rationale.append(why)
                h.code, h.description, h.source = hcombo, self.completer.title(hcombo), "rule"
        # a subcategory and its own child both found: keep the child
        codes = {c.code for c in out}
        out = [c for c in out if not any(o != c.code and o.startswith(c.code) for o in codes)]
        # an unspecified code beside a specified one of the same category: the documentation
        # supports the specific one (Guideline I.B.2: code to the highest level of detail)
        res = []
        for c in out:
            if "unspecified" in c.description.lower() and any(
                o.code != c.code
                and o.code[:3] == c.code[:3]
                and "unspecified" not in o.description.lower()
                for o in out
            ):
                c.dropped = "a more specific code of the same category is documented"
                continue
            res.append(c)
        return res

    def _excludes1(self, kept: list[Candidate], result: CodingResult) -> list[Candidate]:
        reader = self.tab.reader
        drop: set[str] = set()
        codes = [c.code for c in kept]
        for c in kept:
            if c.code in drop:
                continue
            for n in reader.notes(c.code):
                if n.type != "excludes1":
                    continue
                for ref in rules.refs(n.text):
                    for other in codes:
                        if other == c.code or other in drop or not rules.in_ref(other, ref):
                            continue
                        o = next(k for k in kept if k.code == other)
                        loser = _less_specific(c, o)
                        winner = o if loser is c else c
                        drop.add(loser.code)
                        result.warnings.append(
                            f"Excludes1 at {n.source}: '{n.text}': {c.code} and {other} are not "
                            f"reported together; kept {winner.code}, the more specific "
                            f"documentation (Guideline I.A.12.a)"
                        )
        return [c for c in kept if c.code not in drop]

    def _integral_symptoms(self, kept: list[Candidate]) -> list[Candidate]:
        codes = [c.code for c in kept]
        out = []
        for c in kept:
            if c.code.startswith(tuple(rules.INTEGRAL)):
                dx = rules.integral_to(c.code, codes)
                if dx:
                    c.dropped = (
                        f"a symptom routinely part of {dx}: not coded separately "
                        "(Guideline I.B.5, IV.D)"
                    )
                    continue
            out.append(c)
        return out

    def _special_rules(self, enc: Encounter, kept: list[Candidate], result: CodingResult) -> list[Candidate]:
        codes = {c.code for c in kept}
        out = []
        type1 = any(c.startswith("E10") for c in codes)
        diabetic = any(c.startswith(("E08", "E09", "E11", "E13")) for c in codes)
        for c in kept:
            if c.code == "Z79.4":
                if type1:
                    c.dropped = "Z79.4 is not assigned with type 1 diabetes (Guideline I.C.4.a.3)"
                    continue
                if not diabetic:
                    c.dropped = "long-term insulin use without a diabetes diagnosis: not coded"
                    continue
                c.rationale.append("type 2 (or secondary) diabetes treated with insulin: Z79.4 (Guideline I.C.4.a.3)")
            out.append(c)
        # BMI only with a weight diagnosis (Guideline I.B.14, I.C.21.c.3)
        bmi = rules.find_bmi(enc.text)
        if bmi:
            value, start, end = bmi
            z = rules.bmi_code(value, enc.patient_age)
            if z and any(c.code.startswith(rules.WEIGHT_DX) for c in out):
                out.append(
                    Candidate(
                        code=z,
                        description=self.completer.title(z),
                        evidence=[Evidence(start, end, enc.text[start:end], None)],
                        context=Context(),
                        section=None,
                        source="rule",
                        words=1,
                        position=start,
                        confidence=0.85,
                        rationale=[
                            f"BMI {value} with a documented weight diagnosis → {z} "
                            "(Guideline I.B.14: BMI may come from other clinicians when the "
                            "provider documents the weight diagnosis)"
                        ],
                    )
                )
            elif z:
                result.warnings.append(
                    f"BMI {value} documented without an associated weight diagnosis "
                    "(obesity, overweight, malnutrition…): the BMI code is not reported "
                    "(Guideline I.B.14)"
                )
        # severe sepsis needs the systemic infection coded first (Guideline I.C.1.d.1.a)
        codes = {c.code for c in out}
        sev = [c for c in out if c.code.startswith("R65.2")]
        if sev and not any(c.startswith(("A40", "A41", "A02.1", "A22.7", "A26.7", "A32.7", "A42.7", "B37.7", "A39.4")) for c in codes):
            s = sev[0]
            a = _derived(
                s,
                "A41.9",
                self.completer.title("A41.9"),
                "severe sepsis documented without the organism: code first the systemic "
                "infection, A41.9 (Guideline I.C.1.d.1.a, I.C.1.d.4)",
            )
            out.append(a)
        # B95-B97 identify the organism of an infection coded elsewhere; when the infection code
        # already names that organism (A41.51 Sepsis due to E. coli) they add nothing
        organism_codes = [c for c in out if c.code.startswith(("B95", "B96", "B97"))]
        for b in organism_codes:
            words = set(norm_words(b.description)) - _ORGANISM_GENERIC
            if words and any(
                o is not b and not o.code.startswith(("B95", "B96", "B97"))
                and words <= set(norm_words(o.description))
                for o in out
            ):
                b.dropped = "the infection code already identifies the organism (Guideline I.C.1.d, I.A.13)"
        out = [c for c in out if c.dropped is None]
        # external causes: place of occurrence only at the initial encounter (I.C.20.b)
        res = []
        injuries = [c for c in out if rules.injury(c.code)]
        for c in out:
            if rules.external_cause(c.code):
                if not injuries:
                    c.dropped = "external cause without an injury or poisoning code: not reported"
                    continue
                if c.code.startswith("Y92") and not any(i.code.endswith("A") for i in injuries):
                    c.dropped = "place of occurrence is reported only at the initial encounter (Guideline I.C.20.b)"
                    continue
                c.rationale.append("external cause code: never first-listed (Guideline I.C.20)")
            res.append(c)
        return res

    def _instructions(self, kept: list[Candidate], result: CodingResult) -> list[Candidate]:
        """'Use additional code' / 'code first' notes that the coded set does not satisfy."""
        reader = self.tab.reader
        codes = [c.code for c in kept]
        for c in kept:
            for n in reader.notes(c.code):
                if n.type not in ("useAdditionalCode", "codeFirst"):
                    continue
                rs = rules.refs(n.text)
                if not rs:
                    continue
                if any(rules.in_ref(o, r) for o in codes for r in rs if o != c.code):
                    if n.type == "useAdditionalCode":
                        c.rationale.append(f"{n.label} ({n.source}): {n.text}: satisfied")
                    continue
                if (n.type == "useAdditionalCode" and n.source == c.code) or n.source_kind in ("subcategory", "code"):
                    result.warnings.append(
                        f"{c.code}: {n.label.lower()} {n.text} ({n.source}); the note does not "
                        "document it (Guideline I.A.13)"
                    )
        return kept

    def _sequence(self, enc: Encounter, kept: list[Candidate]) -> list[Candidate]:
        reader = self.tab.reader

        def manifest(c: Candidate) -> bool:
            return rules.is_manifestation(c.description)

        def key(c: Candidate) -> tuple[int, int, int, float]:
            tier = 5
            if c.code == "U07.1":
                tier = 0  # Guideline I.C.1.g.1.a: confirmed COVID-19 first
            elif c.code.startswith(("A40", "A41")):
                tier = 1  # Guideline I.C.1.d.4: systemic infection first
            elif rules.external_cause(c.code) or c.code.startswith("Z68"):
                tier = 9
            elif manifest(c):
                tier = 8  # Guideline I.A.13: a manifestation code is never first
            elif c.code.startswith("R65.2") or (c.code.startswith("Z") and not c.code.startswith(("Z00", "Z01", "Z02", "Z03", "Z04", "Z08", "Z09", "Z11", "Z12", "Z13", "Z3", "Z4", "Z5"))):
                tier = 7
            elif c.code.startswith("R"):
                tier = 6  # symptoms after definitive diagnoses (Guideline IV.D)
            # the best section that documents it, and there the order the provider listed it in
            ranked = [
                (SEQUENCE_SECTIONS.index(e.section) if e.section in SEQUENCE_SECTIONS else len(SEQUENCE_SECTIONS), e.start)
                for e in c.evidence
            ] or [(len(SEQUENCE_SECTIONS), c.position)]
            sec, pos = min(ranked)
            return (tier, sec, pos, -c.confidence)

        ordered = sorted(kept, key=key)
        # code first: an etiology named by another code's 'code first' note goes before it
        codes = [c.code for c in ordered]
        for c in list(ordered):
            for n in reader.notes(c.code):
                if n.type != "codeFirst":
                    continue
                for r in rules.refs(n.text):
                    for o in codes:
                        if o != c.code and rules.in_ref(o, r):
                            i, j = codes.index(c.code), codes.index(o)
                            if j > i:
                                item = ordered.pop(j)
                                ordered.insert(i, item)
                                codes = [x.code for x in ordered]
                                c.rationale.append(f"sequenced after {o}: 'code first' note at {n.source} (Guideline I.A.13)")
        if ordered:
            first = ordered[0]
            what = "principal diagnosis (Guideline II)" if enc.setting == "inpatient" else "first-listed diagnosis (Guideline IV.G)"
            first.rationale.append(f"sequenced as {what}")
        return ordered


def _sentences(enc: Encounter) -> list[tuple[str | None, tuple[int, int]]]:
    """The note's sentences with the name of the section each lies in (None before the first).

    Computed per call and kept in locals, never on the coder: one ``DiagnosisCoder`` codes
    notes from several threads at once (``coder_for``)."""
    from medcoder.text.sections import find_sections
    from medcoder.text.sentences import sentence_spans

    text = enc.text
    sections = enc.sections or find_sections(text)
    spans: list[tuple[str | None, int, int]] = []
    if sections:
        first = min(s.start for s in sections)
        if first > 0:
            spans.append((None, 0, first))
        spans.extend((s.name, s.start, s.end) for s in sorted(sections, key=lambda s: s.start))
    else:
        spans.append((None, 0, len(text)))
    return [(name, sent) for name, lo, hi in spans for sent in sentence_spans(text, lo, hi)]


_ORGANISM_GENERIC = frozenset(
    norm_words("cause diseases classified elsewhere unspecified other specified infection agent")
)


def _source_label(src: str) -> str:
    return {
        "lexicon": "medcoder's clinical lexicon",
        "index": "the Alphabetic Index entry",
        "neoplasm": "the Neoplasm Table row",
        "see": "the Alphabetic Index entry (by its 'see' reference)",
        "title": "the Tabular title",
        "inclusion": "the Tabular inclusion term",
        "learned": "a phrase learned from coders",
    }.get(src, src)


def _derived(c: Candidate, code: str, title: str, why: str) -> Candidate:
    return Candidate(
        code=code,
        description=title,
        evidence=list(c.evidence),
        context=Context(),
        section=c.section,
        source="rule",
        words=c.words,
        position=c.position,
        confidence=max(0.3, c.confidence * 0.9),
        rationale=[why],
        term_code=c.code,
    )


def _merge(cands: list[Candidate]) -> list[Candidate]:
    by: dict[str, Candidate] = {}
    for c in sorted(cands, key=lambda c: -c.confidence):
        o = by.get(c.code)
        if o is None:
            by[c.code] = c
        else:
            o.mentions += c.mentions
            o.evidence.extend(c.evidence[: max(0, 5 - len(o.evidence))])
    return list(by.values())


def _less_specific(a: Candidate, b: Candidate) -> Candidate:
    def score(c: Candidate) -> tuple[int, int, float]:
        return (0 if c.code.startswith("R") else 1, c.words, c.confidence)

    return a if score(a) < score(b) else b


def _suggestion(c: Candidate, seq: int) -> CodeSuggestion:
    rationale = list(c.rationale)
    if c.dropped:
        rationale.append(f"not for billing: {c.dropped}")
    return CodeSuggestion(
        code=c.code,
        system="ICD-10-CM",
        description=c.description,
        sequence=seq,
        confidence=c.confidence,
        evidence=sorted(c.evidence, key=lambda e: e.start),
        rationale=rationale,
        context=c.context,
    )


_MAX_CODERS = 4
_Key = tuple[int, str, int]
_coders: dict[_Key, DiagnosisCoder] = {}  # most recently used last
_coders_lock = threading.Lock()  # guards _coders and _building
_building: dict[_Key, threading.Lock] = {}  # one lock per coder being built


def coder_for(kb: Any, dos: _dt.date, site_model: Any = None) -> DiagnosisCoder:
    """A cached coder per knowledge base, tabular release and site model (the last few used).

    Safe to call from several threads at once: the cache is changed under a lock, and a coder
    missing from it is built once (the other threads asking for it wait for that one) while
    threads asking for other coders go on. The coder handed out is shared: it keeps no
    per-note state (everything a note produces lives in the locals of ``code``)."""
    tab = kb.open("icd10cm-tabular", dos)
    key = (id(kb), tab.info.release, id(site_model))
    with _coders_lock:
        hit = _coders.pop(key, None)
        if hit is not None:
            _coders[key] = hit
            return hit
        building = _building.setdefault(key, threading.Lock())
    with building:
        with _coders_lock:
            hit = _coders.get(key)
        if hit is None:
            try:
                hit = DiagnosisCoder(kb, dos, site_model)
            except BaseException:
                with _coders_lock:
                    if _building.get(key) is building:
                        del _building[key]
                raise
        with _coders_lock:
            _coders.pop(key, None)
            _coders[key] = hit
            if _building.get(key) is building:
                del _building[key]
            while len(_coders) > _MAX_CODERS:  # a coder holds its dictionary: keep a few
                _coders.pop(next(iter(_coders)))
    return hit

