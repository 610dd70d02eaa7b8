"""The documents a question is about (assistant/scope.py): decided once, before retrieval, so that a
question about "this draft" is never answered from another document's similar paragraph."""

from __future__ import annotations

import pytest

from assistant.scope import question_scope
from corpus.records import RESOLUTION

DRAFT_SPONSORS = ("Algeria", "China", "Russian Federation", "Zimbabwe")
OTHER_DRAFT = "A/C.3/69/L.26/Rev.1"  # the right to privacy: its header lists other sponsors


@pytest.mark.parametrize("question, scope", [
    ("Who are the sponsors of this draft resolution?", (RESOLUTION,)),
    ("what does the text say about capacity-building", (RESOLUTION,)),
    ("According to resolution 73/266, what is the Group of Governmental Experts to study?", ("A/RES/73/266",)),
    ("Does the draft resolution welcome the 2015 GGE report?", ("A/70/174", RESOLUTION)),
    ("Which resolution recommended the norms?", None),  # asks which document: no scope
    ("What are the norms of responsible State behaviour?", None),
])
def test_the_scope_of_a_question(corpus, question, scope):
    assert question_scope(question, corpus) == scope


def test_a_follow_up_keeps_the_previous_questions_scope_and_a_new_question_does_not(corpus):
    history = [("What does the 2015 GGE report say about attribution?", "...")]
    assert question_scope("And what about its recommendations on critical infrastructure?", corpus, history) == ("A/70/174",)
    assert question_scope("Which body is to hold its organizational session in June 2019?", corpus, history) is None


def test_the_sponsors_of_this_draft_are_its_own(extractive):
    answer = extractive.ask("Who are the sponsors of this draft resolution?")
    cited = {str(c.citation) for c in answer.citations}
    assert f"[{RESOLUTION} ¶header]" in cited and not any(OTHER_DRAFT in c for c in cited), answer.text
    assert all(r.citation.symbol == RESOLUTION for r in answer.retrieved)


def test_the_users_choice_of_documents_wins_over_the_scope(extractive):
    answer = extractive.ask("Who are the sponsors of this draft resolution?", symbols=[OTHER_DRAFT])
    assert all(r.citation.symbol == OTHER_DRAFT for r in answer.retrieved)


@pytest.mark.llm
def test_who_sponsored_the_draft_gets_the_drafts_own_sponsors(local):
    answer = local.ask("Who sponsored this draft?")
    cited = {str(c.citation) for c in answer.citations}
    assert not answer.refused and f"[{RESOLUTION} ¶header]" in cited, answer.text
    assert not any(OTHER_DRAFT in c for c in cited) and "Argentina" not in answer.text
    assert any(country in answer.text for country in DRAFT_SPONSORS), answer.text
