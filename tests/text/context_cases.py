"""Sentences with their targets and expected assertion marked inline, shared by the tests and
``benchmarks/bench_context.py``.

``[chest pain|negated]``: the target is "chest pain" and it must come out negated. Flags are
``negated``, ``uncertain``, ``historical``, ``family``, ``hypothetical``, joined with ``+``;
``asserted`` means none. Written by hand for medcoder; no note text from any corpus.
"""

from __future__ import annotations

import re

FLAGS = ("negated", "uncertain", "historical", "family", "hypothetical")
_MARK = re.compile(r"\[([^\]|]+)\|([a-z+]+)\]")

# (topic, sentence)
CASES: list[tuple[str, str]] = [
    # ---- negation, forward
    ("negation", "Patient denies [chest pain|negated] or [shortness of breath|negated]."),
    ("negation", "No [fever|negated], [chills|negated] or [night sweats|negated]."),
    ("negation", "She has no [history of seizures|negated]."),
    ("negation", "The abdomen is soft without [tenderness|negated] or [guarding|negated]."),
    ("negation", "Chest X-ray shows no evidence of [pneumonia|negated]."),
    ("negation", "Negative for [fever|negated] and [weight loss|negated]."),
    ("negation", "CT of the head was negative for [acute hemorrhage|negated]."),
    ("negation", "No radiographic evidence of [fracture|negated]."),
    ("negation", "He never had [tuberculosis|negated]."),
    ("negation", "Lungs are clear; absence of [wheezing|negated] on exam."),
    ("negation", "The workup failed to reveal [malignancy|negated]."),
    ("negation", "The patient is free of [angina|negated] since the stent."),
    ("negation", "She did not develop [neutropenia|negated] after the second cycle."),
    ("negation", "Findings are not consistent with [appendicitis|negated]."),
    ("negation", "No acute [intracranial hemorrhage|negated] or [mass effect|negated]."),
    ("negation", "No [acute distress|negated]."),
    # ---- negation, backward and both ways
    ("negation", "[Pulmonary embolism|negated] was ruled out by CT angiography."),
    ("negation", "[Myocardial infarction|negated] has been excluded."),
    ("negation", "[Influenza A|negated] and [influenza B|negated] were negative."),
    ("negation", "[HIV|negated] negative."),
    ("negation", "[Pedal edema|negated] is absent."),
    ("negation", "[Pneumonia|negated] ruled out, [heart failure|asserted] on echo."),
    ("negation", "[Malignancy|negated] is unlikely."),
    ("negation", "Remains [pain|negated]-free after the block."),
    ("negation", "[Fever|negated]: no."),
    ("negation", "Complications: none; [bleeding|negated] (-)."),
    # ---- ruled out vs rule out
    ("rule out", "[Deep vein thrombosis|negated] has been ruled out."),
    ("rule out", "Admitted to rule out [myocardial infarction|uncertain]."),
    ("rule out", "R/O [sepsis|uncertain]."),
    ("rule out", "[Sepsis|uncertain] cannot be ruled out."),
    ("rule out", "[Tuberculosis|uncertain] has not been excluded yet."),
    ("rule out", "Obtain blood cultures to exclude [bacteremia|uncertain]."),
    # ---- uncertainty
    ("uncertain", "Possible [pneumonia|uncertain] in the right lower lobe."),
    ("uncertain", "Findings are suspicious for [lymphoma|uncertain]."),
    ("uncertain", "Probable [viral gastroenteritis|uncertain]."),
    ("uncertain", "There is concern for [sepsis|uncertain]."),
    ("uncertain", "Pain in the right flank compatible with [renal colic|uncertain]."),
    ("uncertain", "Opacity consistent with [atelectasis|uncertain]."),
    ("uncertain", "[Pneumonia|uncertain] versus [atelectasis|uncertain]."),
    ("uncertain", "Differential includes [sarcoidosis|uncertain] and [lymphoma|uncertain]."),
    ("uncertain", "We cannot exclude [pulmonary embolism|uncertain]."),
    ("uncertain", "This may be [early cellulitis|uncertain]."),
    ("uncertain", "[Appendicitis|uncertain] is suspected."),
    ("uncertain", "[Pneumonia|uncertain] suspected."),
    ("uncertain", "[Cough|asserted], suspected [pertussis|uncertain]."),
    ("uncertain", "[Cough|asserted], likely due to [postnasal drip|uncertain]."),
    ("uncertain", "Questionable [infiltrate|uncertain] at the left base."),
    ("uncertain", "Evaluate for [obstructive sleep apnea|uncertain]."),
    # ---- history
    ("historical", "History of [myocardial infarction|historical] in 2015."),
    ("historical", "She has a history of [breast cancer|historical] treated with lumpectomy."),
    ("historical", "Status post [appendectomy|historical] at age 12."),
    ("historical", "S/p [cholecystectomy|historical]."),
    ("historical", "He had a prior [stroke|historical] without residual deficits."),
    ("historical", "[Hepatitis A|historical] as a child."),
    ("historical", "[Myocardial infarction|historical] 5 years ago."),
    ("historical", "[Pneumonia|historical], now resolved."),
    ("historical", "[Fever|historical] resolved, [cough|asserted] persists."),
    ("historical", "History of [asthma|historical], currently with [wheezing|asserted]."),
    ("historical", "History of [peptic ulcer|historical], now presents with [melena|asserted]."),
    ("historical", "No history of [diabetes|negated]."),
    ("historical", "Former [smoker|historical]."),
    ("historical", "A 54-year-old woman with [hypertension|asserted]."),
    ("historical", "History of present illness: [cough|asserted] for three days."),
    # ---- family
    ("family", "Mother had [breast cancer|family]."),
    ("family", "Family history of [colon cancer|family]."),
    ("family", "FH: [diabetes|family] and [hypertension|family]."),
    ("family", "[Diabetes|family] in her father."),
    ("family", "Her brother has [sickle cell disease|family]."),
    ("family", "Maternal grandmother with [Alzheimer disease|family]."),
    ("family", "No family history of [sudden cardiac death|negated+family]."),
    ("family", "Family history is negative for [colon cancer|negated+family]."),
    ("family", "Mother reports the patient has [asthma|asserted]."),
    ("family", "Per his wife, he has had [confusion|asserted] for two days."),
    ("family", "Mother denies [fever|negated] in the child."),
    ("family", "Mother had [stroke|family]; the patient has [migraine|asserted]."),
    ("family", "Her father, who died of [myocardial infarction|family], smoked."),
    ("family", "Lives with his wife; [COPD|asserted] on home oxygen."),
    ("family", "[Familial hypercholesterolemia|asserted] on statin."),
    # ---- hypothetical
    (
        "hypothetical",
        "Return if [chest pain|hypothetical] or [shortness of breath|hypothetical] develops.",
    ),
    ("hypothetical", "Call if [fever|hypothetical] above 38.5."),
    ("hypothetical", "If [symptoms|hypothetical] worsen, go to the emergency department."),
    ("hypothetical", "Should she develop [bleeding|hypothetical], stop the anticoagulant."),
    ("hypothetical", "Watch for [signs of infection|hypothetical] at the incision."),
    ("hypothetical", "Aspirin to prevent [stroke|hypothetical]."),
    ("hypothetical", "Enoxaparin for [DVT|hypothetical] prophylaxis."),
    ("hypothetical", "Patient is at risk for [falls|hypothetical]."),
    ("hypothetical", "Screening for [colon cancer|hypothetical]."),
    ("hypothetical", "[Colon cancer|hypothetical] screening is due."),
    ("hypothetical", "Acetaminophen as needed for [pain|hypothetical]."),
    ("hypothetical", "Counseled on warning signs of [stroke|hypothetical]."),
    ("hypothetical", "[Hypertension|asserted] is a risk factor for [stroke|hypothetical]."),
    ("hypothetical", "Avoid NSAIDs because of [chronic kidney disease|asserted]."),
    # ---- pseudo-triggers
    ("pseudo", "No increase in [pain|asserted] since yesterday."),
    ("pseudo", "No change in [left ventricular hypertrophy|asserted]."),
    ("pseudo", "Not only [anemia|asserted] but also [thrombocytopenia|asserted]."),
    ("pseudo", "Gram negative [bacteremia|asserted]."),
    ("pseudo", "Swallows without difficulty; [dysphagia|asserted] is reported with solids."),
    ("pseudo", "No improvement of [dyspnea|asserted] with nebulizers."),
    ("pseudo", "[Diabetes|asserted] not well controlled."),
    ("pseudo", "[Diabetes|asserted] is not controlled on metformin."),
    ("pseudo", "Triple negative [breast cancer|asserted]."),
    ("pseudo", "No doubt [cellulitis|asserted] of the left leg."),
    ("pseudo", "Small amount of free fluid with [ascites|asserted]."),
    # ---- terminators
    ("terminator", "No [fever|negated] but has [cough|asserted]."),
    ("terminator", "Denies [chest pain|negated], however reports [palpitations|asserted]."),
    ("terminator", "Denies [fever|negated], reports [cough|asserted]."),
    ("terminator", "No [edema|negated]; [varicose veins|asserted] are present."),
    ("terminator", "Negative for [fever|negated], positive for [cough|asserted]."),
    ("terminator", "No [complaints|negated] other than [headache|asserted]."),
    ("terminator", "Denies symptoms except for [mild nausea|asserted]."),
    ("terminator", "No cause for her [abdominal pain|asserted] was found."),
    ("terminator", "Denies [fever|negated] and is tolerating diet with [diarrhea|asserted]."),
    ("terminator", "No [fever|negated], which is reassuring given [neutropenia|asserted]."),
    ("terminator", "No [vomiting|negated] and then developed [hematemesis|asserted]."),
    # ---- lists and the window
    (
        "window",
        "Denies [fever|negated], [chills|negated], [night sweats|negated], [weight loss|negated], [headache|negated], [vision changes|negated], [chest pain|negated], [palpitations|negated], [cough|negated], [nausea|negated], [vomiting|negated] or [dysuria|negated].",
    ),
    (
        "window",
        "Negative for fever, chills, night sweats, weight loss, headache, vision changes, chest pain, palpitations, cough, nausea and [dysuria|negated].",
    ),
    (
        "window",
        "No [acute distress|negated] was noted on arrival, and over the following days she developed [pneumonia|asserted].",
    ),
    (
        "window",
        "There was no drainage from the wound during the first two postoperative weeks of the hospital stay and [cellulitis|asserted] appeared later.",
    ),
    (
        "window",
        "No [nephrolithiasis|negated], [hematuria|negated] or [urinary tract infections|negated].",
    ),
    # ---- everyday note phrasing (written before the rules were tuned on them)
    ("note", "Patient presents with [chest pain|asserted], denies [shortness of breath|negated]."),
    ("note", "He denies any [fevers|negated] but does endorse a [productive cough|asserted]."),
    ("note", "ECG showed no [ST elevation|negated]."),
    ("note", "Abdomen: non-tender, no [hepatosplenomegaly|negated]."),
    ("note", "The patient was diagnosed with [type 2 diabetes|asserted] 10 years ago."),
    ("note", "[Type 2 diabetes|asserted] diagnosed 10 years ago, on metformin."),
    ("note", "She reports a 2-year history of [low back pain|asserted]."),
    ("note", "Longstanding history of [hypertension|asserted] on amlodipine."),
    ("note", "[Asthma|asserted] since childhood."),
    ("note", "Patient had a [fall|asserted] yesterday and sustained a [hip fracture|asserted]."),
    ("note", "Patient is on warfarin for [atrial fibrillation|asserted]."),
    ("note", "Rule out [pneumonia|uncertain] versus [bronchitis|uncertain]."),
    ("note", "Seen by cardiology for possible [pericarditis|uncertain]."),
    ("note", "Stool studies for [C. difficile|uncertain] pending."),
    ("note", "Hx of [CAD|historical] s/p CABG."),
    ("note", "The patient's father died of a [myocardial infarction|family] at age 50."),
    ("note", "Patient's brother was recently diagnosed with [lung cancer|family]."),
    ("note", "Her husband has [the flu|family]."),
    ("note", "Pt c/o [HA|asserted], denies [N/V|negated]."),
    (
        "note",
        "No [fevers|negated] or [chills|negated] at home, but has had worsening [cough|asserted].",
    ),
    ("note", "Will start antibiotics for presumed [UTI|uncertain]."),
    ("note", "Presumed [UTI|uncertain], will treat."),
    ("note", "[Headache|asserted], no [photophobia|negated]."),
    ("note", "Resolved: [pneumonia|historical]."),
    ("note", "The [rash|historical] has resolved."),
    ("note", "Tylenol PRN [headache|hypothetical]."),
    ("note", "Denies [SI|negated]/[HI|negated]."),
    ("note", "The patient was not [febrile|negated]."),
    ("note", "No further episodes of [syncope|negated]."),
    ("note", "Unable to rule out [fracture|uncertain]."),
    ("note", "CT negative for [PE|negated]; d-dimer elevated."),
    ("note", "[Strep|negated] test negative; likely viral [pharyngitis|uncertain]."),
    ("note", "Mother is [diabetic|family]."),
    ("note", "Family history: father with [CAD|family], mother with [HTN|family]."),
    ("note", "Denies history of [blood clots|negated+historical]."),
    ("note", "Her symptoms are not due to [anxiety|negated]."),
    ("note", "Chest pain is not cardiac; likely [musculoskeletal strain|uncertain]."),
    ("note", "[Cellulitis|asserted] of the left leg, improving on cephalexin."),
    ("note", "She was treated for [pneumonia|asserted] with levofloxacin."),
    ("note", "Started on heparin for [pulmonary embolism|asserted]."),
    (
        "note",
        "There is no [pneumothorax|negated], [pleural effusion|negated], or [consolidation|negated].",
    ),
    ("note", "He quit smoking 10 years ago and has [COPD|asserted]."),
    ("note", "She is at high risk for [osteoporosis|hypothetical]."),
    ("note", "[Depression|asserted], stable on sertraline."),
    (
        "note",
        "No signs of [respiratory distress|negated]; [wheezing|asserted] improved with albuterol.",
    ),
    ("note", "Lungs clear without [rales|negated], [rhonchi|negated] or [wheezes|negated]."),
    (
        "note",
        "Heart: regular rate and rhythm, no [murmurs|negated], [rubs|negated] or [gallops|negated].",
    ),
    ("note", "The mass was found to be [benign|asserted]."),
    ("note", "Biopsy showed [adenocarcinoma|asserted] with negative margins."),
    (
        "note",
        "Pathology: [squamous cell carcinoma|asserted], margins negative for [tumor|negated].",
    ),
    # ---- case-report phrasing (our own sentences, after patterns seen in the CodiEsp dev texts)
    (
        "case report",
        "A 30-year-old woman with a history of [gastric ulcer|historical] and [constipation|historical] complaining of [flank pain|asserted] compatible with [renal colic|uncertain].",
    ),
    (
        "case report",
        "She reported [nausea|asserted] that resolved with ondansetron on the third day.",
    ),
    (
        "case report",
        "A transient [paresis|asserted] developed, which resolved completely within two days.",
    ),
    (
        "case report",
        "A CT scan to look for other foci of infection showed [subarachnoid hemorrhage|asserted].",
    ),
    ("case report", "Clear cell [carcinoma|asserted] with free resection margins."),
    ("case report", "Renal cell [carcinoma|asserted], grade I, with negative resection margins."),
    (
        "case report",
        "It could not be ruled out that the smaller collection was a [cyst|uncertain].",
    ),
    ("case report", "Six years before she had an episode of acute [pancreatitis|historical]."),
    (
        "case report",
        "[Osteoporosis|asserted] at the lumbar level, so a new treatment was considered.",
    ),
    ("case report", "Serology was negative for [HIV|negated] and [hepatitis B|negated]."),
    (
        "case report",
        "Massive [fibrosis|asserted] with cavitation in the right lobe that was not present nine months earlier.",
    ),
    ("case report", "A 12-hour history of [abdominal pain|asserted] with [vomiting|asserted]."),
    ("case report", "Diagnosed three years ago with chronic lymphocytic [leukemia|asserted]."),
    (
        "case report",
        "With no relevant past medical history, he came to the emergency department with [syncope|asserted].",
    ),
    (
        "case report",
        "Her mother had [breast cancer|family], her father [coronary disease|family] and her sister a [brain tumor|family].",
    ),
    # ---- mixed categories
    ("mixed", "No history of [diabetes|negated+family] in the family."),
    ("mixed", "Possible history of [seizures|uncertain+historical]."),
    ("mixed", "If [pneumonia|hypothetical+uncertain] is suspected, obtain a chest X-ray."),
]

# (section, sentence): the same marks, with a section heading from medcoder.text.sections
SECTION_CASES: list[tuple[str, str]] = [
    ("family_history", "[Diabetes|family] and [hypertension|family]."),
    ("Family History", "Mother: [breast cancer|family]."),
    ("family_history", "Negative for [colon cancer|negated+family]."),
    ("past_medical_history", "[Appendicitis|historical]."),
    ("PMH", "[Pulmonary embolism|historical] 2019."),
    ("past_medical_history", "[Hypertension|asserted], on lisinopril."),
    ("past_medical_history", "[Type 2 diabetes|asserted], currently on insulin."),
    ("past_medical_history", "[Asthma|asserted], well controlled."),
    ("past_medical_history", "No [stroke|negated+historical]."),
    ("past_surgical_history", "[Appendectomy|historical] 1998."),
    ("ros", "Negative for [fever|negated], [chills|negated], [cough|negated]."),
    ("ros", "Constitutional: [fatigue|asserted]."),
    ("hpi", "[Chest pain|asserted] for two days."),
    ("assessment_plan", "[Pneumonia|asserted]."),
]


def parse(marked: str) -> tuple[str, list[tuple[int, int]], list[frozenset[str]]]:
    """'No [fever|negated].' -> ('No fever.', [(3, 8)], [frozenset({'negated'})])."""
    text = ""
    spans: list[tuple[int, int]] = []
    expected: list[frozenset[str]] = []
    pos = 0
    for m in _MARK.finditer(marked):
        text += marked[pos : m.start()]
        start = len(text)
        text += m.group(1)
        spans.append((start, len(text)))
        flags = frozenset() if m.group(2) == "asserted" else frozenset(m.group(2).split("+"))
        unknown = flags - set(FLAGS)
        if unknown:
            raise ValueError(f"unknown flag(s) {sorted(unknown)} in {marked!r}")
        expected.append(flags)
        pos = m.end()
    text += marked[pos:]
    return text, spans, expected
