"""Questions in the six UN official languages (issue #16): told apart, searched in English, answered in
the question's language with the English quotes, the checked English answer kept.

The questions here are this file's own (not the held-out retrieval items, which nothing is tuned on).
"""

from __future__ import annotations

import pytest

from assistant.answer import Answer, AnswerKind
from assistant.language import detect
from assistant.translation import ENGLISH_QUOTES, in_language, keeps_citations


@pytest.mark.parametrize("question, code", [
    ("Which norms does the resolution list?", "en"),
    ("para 4(a)?", "en"),
    ("Show A/RES/73/27 ¶PP3", "en"),
    ("Quelles normes de comportement responsable des États la résolution énumère-t-elle ?", "fr"),
    ("Le groupe de travail à composition non limitée se réunit quand", "fr"),
    ("¿Qué pide el proyecto a los Estados Miembros sobre la cadena de suministro?", "es"),
    ("Qué dice la resolución sobre el grupo de trabajo de composición abierta", "es"),
    ("Какие нормы перечислены в резолюции A/C.1/73/L.27/Rev.1?", "ru"),
    ("开放式工作组何时举行组织会议？", "zh"),
    ("ما هي القواعد التي يرحب بها القرار؟", "ar"),
])
def test_the_language_of_a_question(question, code):
    assert detect(question).code == code


def test_a_translation_that_changes_a_citation_or_a_number_is_not_shown():
    english = "States should not damage critical infrastructure [¶1.6]. It meets in 2019 [¶5]."

    def answer() -> Answer:
        return Answer("q", "q", english, AnswerKind.ANSWER, "llama-cpp")

    good = in_language(answer(), "question ?", detect("Que dit la résolution ?"),
                       "Les États ne devraient pas endommager les infrastructures critiques [¶1.6]. Il se réunit en 2019 [¶5].")
    assert good.language == "fr" and "[¶1.6]" in good.text and good.text != english
    assert any(english in note for note in good.notes) and ENGLISH_QUOTES in good.notes

    for wrong in ("Les États ne devraient pas endommager les infrastructures [¶1.5]. Il se réunit en 2019 [¶5].",
                  "Les États ne devraient pas endommager les infrastructures [¶1.6]. Il se réunit en 2020 [¶5].",
                  "Les États ne devraient pas endommager les infrastructures critiques."):
        assert not keeps_citations(english, wrong)
        shown = in_language(answer(), "question ?", detect("Que dit la résolution ?"), wrong)
        assert shown.text == english and any("Shown in English" in note for note in shown.notes)


@pytest.mark.llm
@pytest.mark.parametrize("question, code", [
    ("Que dit le projet de résolution sur les attaques contre les infrastructures critiques ?", "fr"),
    ("¿Qué dice el proyecto de resolución sobre las infraestructuras críticas?", "es"),
    ("Что говорится в проекте резолюции о критической инфраструктуре?", "ru"),
])
def test_a_question_in_another_language_is_answered_in_it_with_english_quotes(local, question, code):
    answer = local.ask(question)
    assert answer.language == code and answer.question == question
    assert not answer.refused, (answer.text, answer.notes)
    assert detect(answer.standalone_question).code == "en"  # searched in English
    cited = {(c.citation.symbol, c.citation.label) for c in answer.citations}
    assert ("A/C.1/73/L.27/Rev.1", "1.6") in cited or ("A/C.1/73/L.27/Rev.1", "1.7") in cited, (answer.text, cited)
    assert ENGLISH_QUOTES in answer.notes
    english = next((n for n in answer.notes if n.startswith("English answer")), None)
    if english:  # translated: the same citations as the checked English answer, in the question's language
        assert detect(answer.text).code == code, answer.text
        assert keeps_citations(english.split(": ", 1)[1], answer.text)
    else:  # the translation changed a citation or a number: the English answer is shown, and says so
        assert any("Shown in English" in n for n in answer.notes)
