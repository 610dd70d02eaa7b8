"""A question in another UN language, answered: searched in English, answered in its own language.

The corpus is English, and so are the checks (support, invented terms, answerability), so the
question is translated into English by the local model and answered as any English question. The
checked English answer is then translated back. A translation is accepted only if it keeps what
a delegate would quote: every citation marker and every number of the English answer, exactly
(`keeps_citations`); otherwise the English answer is shown, with a note saying why. The English
answer is always kept in the notes, and the quotes stay English, marked as the English text.

>>> keeps_citations("States should protect it [¶1.6]. See 2019 [A/70/174 ¶26].",
...                 "Les États devraient la protéger [¶1.6]. Voir 2019 [A/70/174 ¶26].")
True
>>> keeps_citations("States should protect it [¶1.6].", "Les États devraient la protéger [¶1.5].")
False
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.answer import Answer, AnswerKind
from assistant.citations import MARKER
from assistant.language import Language

# Not support.NUMBER: its word boundaries miss a number written against a letter, as Chinese does ("2019年").
NUMBER = re.compile(r"\d+(?:[./]\d+)*")

ENGLISH_QUOTES = "Quotes are the English text: the documents are held in English only."


def keeps_citations(english: str, translated: str) -> bool:
    """The translation has the same citation markers and the same numbers, as many times each."""
    def parts(text: str) -> tuple[Counter, Counter]:
        markers = MARKER.findall(text)
        rest = MARKER.sub(" ", text)
        return Counter(markers), Counter(NUMBER.findall(rest))

    return parts(english) == parts(translated)


def in_language(answer: Answer, question: str, language: Language, translated: str | None) -> Answer:
    """The English `answer` to the translated question, shown in `language`: its text is `translated`
    when that keeps every citation (`None`: not translated), the English answer kept in the notes."""
    english = answer.text
    answer.question = question
    answer.language = language.code
    if answer.kind is AnswerKind.LOOKUP or translated is None:
        answer.notes = [*answer.notes, ENGLISH_QUOTES]
        return answer
    if keeps_citations(english, translated):
        answer.text = translated
        answer.notes = [*answer.notes, f"English answer, as checked against the paragraphs: {english}", ENGLISH_QUOTES]
    else:
        answer.notes = [*answer.notes, f"Shown in English: its translation into {language.name} changed a citation "
                                       f"or a number.", ENGLISH_QUOTES]
    return answer
