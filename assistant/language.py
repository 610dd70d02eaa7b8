"""Which of the six UN official languages a question is written in.

The corpus holds English only; a question in another language is searched in English and answered
in its own language, the quotes staying English (assistant/chain.py). Russian, Chinese and Arabic are
told by their script; French and Spanish from English by their most frequent function words, which
questions of a few words already contain. Anything undecided counts as English (the corpus's own
language: the safe side, nothing is translated).

>>> from assistant.language import detect
>>> [detect(q).code for q in ("What does paragraph 1.6 say?",
...     "Que dit la résolution sur les infrastructures critiques ?",
...     "¿Qué dice el proyecto de resolución sobre la ciberdelincuencia?",
...     "Что говорится в резолюции о критической инфраструктуре?",
...     "决议草案关于关键基础设施说了什么？",
...     "ماذا يقول مشروع القرار عن البنية التحتية الحيوية؟")]
['en', 'fr', 'es', 'ru', 'zh', 'ar']
>>> detect("A/RES/73/27 ¶PP3").code   # no words to tell: English
'en'
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str  # in English, as the prompts name it


ENGLISH = Language("en", "English")
LANGUAGES = {x.code: x for x in (ENGLISH, Language("fr", "French"), Language("es", "Spanish"),
                                  Language("ru", "Russian"), Language("zh", "Chinese"), Language("ar", "Arabic"))}

SCRIPTS = {"ru": re.compile(r"[\u0400-\u04FF]"), "zh": re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]"),
           "ar": re.compile(r"[\u0600-\u06FF\u0750-\u077F]")}
SCRIPT_SHARE = 0.3  # of the letters: a Russian question may name "ICT" or "A/RES/73/27" in Latin letters

FUNCTION_WORDS = {
    "en": set("the of and to in is are what does do which who how on for with by that this it be should".split()),
    "fr": set("le la les des du de un une et est sont que qui quoi quel quelle quels quelles dans sur pour "
              "par au aux ce cette il elle ne pas dit selon".split()),
    "es": set("el la los las del de un una y es son que qué quién cuál cuáles en sobre por al lo se "
              "este esta dice según".split()),
}  # not "para": in English UN usage it is "paragraph" ("para 4(a)")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect(text: str) -> Language:
    """The question's language (English when it cannot be told)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return ENGLISH
    for code, script in SCRIPTS.items():
        if sum(bool(script.match(ch)) for ch in letters) / len(letters) >= SCRIPT_SHARE:
            return LANGUAGES[code]
    words = [w.lower() for w in WORD.findall(text)]
    counts = {code: sum(w in vocabulary for w in words) for code, vocabulary in FUNCTION_WORDS.items()}
    accented = sum(ch in "éèêàçùâîôûœ" for ch in text.lower()), sum(ch in "ñáíóú¿¡" for ch in text.lower())
    counts["fr"] += accented[0] > 0
    counts["es"] += accented[1] > 0
    best = max(counts, key=lambda code: (counts[code], code == "en"))
    return LANGUAGES[best] if counts[best] > counts["en"] else ENGLISH
