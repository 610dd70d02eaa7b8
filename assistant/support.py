"""Does a paragraph support a claim? Lexical + semantic overlap, with the local LLM as a yes/no judge.

No NLI model ships its weights on PyPI, so support is decided in three steps:
1. conflicts are found by rule: a number or year in the claim that the passage lacks, a negation or an
   obligation ("must" vs "should") that differs. A number, a name or a role that neither the passage,
   the question nor a given paragraph's label and heading names ("15 December 2015", "two sessions",
   "chaired by the Secretary-General") is invented: unsupported, whatever the judge says;
2. a score mixes content-word overlap with embedding cosine; clear cases are settled by it;
3. conflicts and the uncertain band go to the LLM judge (a strict YES/NO prompt) when one is given;
   with llama.cpp it supports a sentence only at P(YES) >= Settings.judge_yes_min (0.6), a margin
   above the 0.5 where another CPU's rounding can flip the generated word (`Assistant.judge`).
The thresholds were set on evals/data/judge_pairs.jsonl (see evals/README.md for the figures).

>>> scorer = SupportScorer(embed=None)
>>> scorer.verdict("States should protect critical infrastructure.",
...                "States should take appropriate measures to protect their critical infrastructure").supported
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corpus.refs import SYMBOL

STOPWORDS = frozenset("""a an the of to in on for and or by with as at from that this these those is are was were be been
being it its their there which who whom what when where how should must may can could would will shall not no nor
also such other any all each both than then so into upon under within without about per via paragraph resolution
document documents says say said states state""".split()) - {"states", "state", "not", "no"}
NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "without", "cannot"})
# (stronger wording, the weaker wordings a passage may use instead): operative verbs and modals.
STRONGER = (("must", "should|may"), ("shall", "should|may"), ("decides?", "invites?|encourages?|calls upon|requests?"),
            ("calls? upon", "invites?|encourages?"), ("urges?", "invites?|encourages?"), ("requires?", "should|may|invites?"))
NUMBER = re.compile(r"\b\d+(?:[./]\d+)*\b")
NUMBER_WORDS = frozenset("two three four five six seven eight nine ten eleven twelve".split())
WORD = re.compile(r"[a-z][a-z\-]+")
# A capitalised word that does not open its sentence or clause: a name ("Secretary-General", "June", "NATO").
NAME = re.compile(r"(?<=[\w,;)] )[A-Z][A-Za-z\-]*[a-zA-Z]")
ROLE = re.compile(r"\b(?:chair(?:ed|s|ing|man|woman|person)?|president|vice-president|rapporteur|facilitator|"
                  r"coordinator|secretary-general|director|minister|ambassador|envoy|moderator)\b")
# Names any answer may use of these documents: their own words for themselves and their author.
ANY_DOCUMENT_NAMES = frozenset("""general assembly united nations un member states state resolution draft preambular
operative paragraph paragraphs footnote annex report group experts governmental committee first yes no""".split())

# Abbreviations a question uses for what the documents spell out ("GGE" for "Group of Governmental Experts").
SPELLED_OUT = frozenset("ict icts un gge gges oewg cert certs csirt csirts".split())

# Combined-score bands: 0.78 on the 76 judge pairs. 0.92/0.24 scored 0.88 there but asks the LLM about
# nearly every sentence: to be measured end to end (evals/README.md).
HIGH, LOW = 0.62, 0.30
SCORE_ONLY = 0.46  # without a judge: supported at or above this score (best score-only rule, 0.66)


def stem(word: str) -> str:
    """A light stemmer that maps "decide", "decides", "decided" and "deciding" to one form."""
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def content_words(text: str) -> set[str]:
    words = WORD.findall(text.lower().replace("’", "'"))
    return {stem(w) for w in words if w not in STOPWORDS and len(w) > 2}


def terms(text: str) -> set[str]:
    """Content words, numbers and symbols ("2019", "65/201") of a text."""
    return content_words(text) | set(NUMBER.findall(text))


def lexical_support(claim: str, passage: str) -> float:
    """Share of the claim's terms that the passage contains."""
    claim_terms = terms(claim)
    if not claim_terms:
        return 0.0
    return len(claim_terms & terms(passage)) / len(claim_terms)


def conflicts(claim: str, passage: str) -> list[str]:
    """Rule-found reasons the passage may not support the claim as worded (the judge weighs them)."""
    reasons = []
    missing = [n for n in NUMBER.findall(claim) if n not in passage and not _citation_number(claim, n)]
    if missing:
        reasons.append(f"numbers not in the passage: {', '.join(missing)}")
    claim_neg = NEGATIONS & set(WORD.findall(claim.lower()))
    passage_neg = NEGATIONS & set(WORD.findall(passage.lower()))
    if claim_neg and not passage_neg:
        reasons.append("negation not in the passage")
    return reasons + stronger_wording(claim, passage)


def stronger_wording(claim: str, passage: str) -> list[str]:
    """Where the claim's obligation is stronger than the passage's: "must" or "shall" where it says "should"
    or "may", "calls upon" or "decides" where it only "invites" or "encourages". A delegate quoting the
    claim would misstate what the text binds States to, so no judge can overrule this.

    >>> stronger_wording("Calls upon all States to inform the Secretary-General", "Invites all Member States to inform")
    ['"calls upon" where the passage says "invites"']
    >>> stronger_wording("States should cooperate", "States should cooperate")
    []
    """
    claim_l, passage_l = claim.lower(), passage.lower()
    reasons = []
    for strong, weak in STRONGER:
        if (said := re.search(rf"\b{strong}\b", claim_l)) and not re.search(rf"\b{strong}\b", passage_l) \
                and (found := re.search(rf"\b(?:{weak})\b", passage_l)):
            reasons.append(f'"{said.group(0)}" where the passage says "{found.group(0)}"')
    return reasons


def invented_terms(claim: str, passage: str, named: str = "", names: bool = True) -> list[str]:
    """The numbers, number words and (with `names`) names and roles of a claim that neither the passage
    nor `named` contains. Numbers the user named ("the 2015 GGE") or that label a paragraph ("norm 1.4")
    are references, as are document symbols. A name is a capitalised word inside the sentence ("chaired
    by the Secretary-General"); a role is a word such as "chair" or "rapporteur", capitalised or not.

    >>> invented_terms("The 2015 Group first met on 15 December 2015.", "Report of the Group ...",
    ...                "When did the 2015 Group first meet?")
    ['15', 'December']
    >>> invented_terms("The working group will be chaired by the Secretary-General.",
    ...                "Decides to convene an open-ended working group acting on a consensus basis")
    ['Secretary-General', 'chaired']
    >>> invented_terms("The General Assembly decides to convene a working group.", "Decides to convene a working group")
    []
    """
    claim, named = SYMBOL.sub(" ", claim), f"{passage} {named}"
    known = set(NUMBER.findall(named))
    found = [n for n in NUMBER.findall(claim) if n not in known and not _citation_number(claim, n)]
    known_words = set(WORD.findall(named.lower()))
    found += sorted(NUMBER_WORDS & set(WORD.findall(claim.lower())) - known_words)
    if names:
        known_stems = {stem(w) for w in known_words}
        for word in dict.fromkeys(NAME.findall(claim)):
            lower = word.lower()
            if lower not in known_words and stem(lower) not in known_stems and lower not in ANY_DOCUMENT_NAMES:
                found.append(word)
        already = {w.lower() for w in found}
        found += [w for w in dict.fromkeys(ROLE.findall(claim.lower())) if w not in known_words | already]
    return found


ORDINAL = re.compile(r"\b(?:[a-z]+-)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
                     r"twelfth|[a-z]+teenth|[a-z]+tieth)\b", re.I)


def unconfirmed(question: str, passage: str, references: str = "") -> list[str]:
    """What a "Yes" to `question` would confirm that the passage does not state: the question's numbers,
    ordinals and names that the passage lacks. Numbers in `references` (the given paragraphs' labels,
    "paragraph 5"; the cited documents' symbols and years, "resolution 73/27", "the 2003 resolution") point
    at text rather than ask about it.

    >>> unconfirmed("Does the working group report at the seventy-fourth session?",
    ...             "Decides ... to submit a report on the results of its work to the General Assembly at its seventy-fifth session")
    ['seventy-fourth']
    >>> unconfirmed("Does paragraph 5 convene the group in 2019?", "Decides to convene, beginning in 2019, ...", "5")
    []
    """
    question, text = SYMBOL.sub(" ", question), passage.lower()
    known = set(NUMBER.findall(f"{passage} {references}"))
    asked = [n for n in NUMBER.findall(question) if n not in known]
    asked += [w for w in dict.fromkeys(m.group(0).lower() for m in ORDINAL.finditer(question)) if w not in text]
    known_stems = {stem(w) for w in WORD.findall(text)}
    asked += [w for w in dict.fromkeys(NAME.findall(question)) if w.lower() not in ANY_DOCUMENT_NAMES
              and w.lower() not in SPELLED_OUT and stem(w.lower()) not in known_stems]
    return asked


def _citation_number(claim: str, number: str) -> bool:
    """Numbers inside a citation label ("¶1.6") or a symbol are not claims."""
    return bool(re.search(rf"(?:¶|/)\s*{re.escape(number)}", claim))


@dataclass(frozen=True)
class Verdict:
    supported: bool
    score: float
    by: str  # "score", "rule", "judge"
    reason: str = ""


class SupportScorer:
    """Decides support of a claim by passages (see module docstring).

    `embed` maps texts to L2-normalised vectors (numpy array, one row each), or is None for
    lexical-only scoring; `judge(claim, passage) -> bool` is the LLM yes/no judge, or None.
    """

    def __init__(self, embed: Callable[[list[str]], "object"] | None, judge: Callable[[str, str], bool] | None = None,
                 named: str | None = None, checks: Sequence[Callable[[str, str], str | None]] = ()):
        self.embed = embed
        self.judge = judge
        # More rules no judge overrules: each gives why the passage does not support the claim, or None
        # (assistant/actors.py's other_actor, rule same_actor).
        self.checks = tuple(checks)
        # The question and the labels of the given paragraphs: their numbers are references, and a
        # number outside them and the passage is invented. None (not known): the judge decides.
        self.named = named

    def scores(self, claim: str, passages: Sequence[str]) -> list[float]:
        lexical = [lexical_support(claim, p) for p in passages]
        if self.embed is None or not passages:
            return lexical
        vectors = self.embed([claim, *passages])
        cosines = [float(vectors[0] @ v) for v in vectors[1:]]
        return [0.5 * lex + 0.5 * max(cos, 0.0) for lex, cos in zip(lexical, cosines)]

    def verdict(self, claim: str, passage: str, score: float | None = None) -> Verdict:
        score = self.scores(claim, [passage])[0] if score is None else score
        if self.named is not None and (invented := invented_terms(claim, passage, self.named)):
            return Verdict(False, score, "rule", f"invented: {', '.join(invented)}")
        if stronger := stronger_wording(claim, passage):
            return Verdict(False, score, "rule", "; ".join(stronger))
        if why := next((why for check in self.checks if (why := check(claim, passage))), None):
            return Verdict(False, score, "rule", why)
        reasons = conflicts(claim, passage)
        if reasons and self.judge is None:
            return Verdict(False, score, "rule", "; ".join(reasons))
        if not reasons and score >= HIGH:
            return Verdict(True, score, "score")
        if score < LOW:
            return Verdict(False, score, "score")
        if self.judge is None:
            return Verdict(score >= SCORE_ONLY, score, "score")
        return Verdict(self.judge(claim, passage), score, "judge", "; ".join(reasons))
