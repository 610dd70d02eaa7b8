"""The glossary of everyday words (corpus/vocabulary.toml) and setting search_glossary: the glossary
keeps its promises about the corpus, and an everyday query is searched with the documents' words."""

from __future__ import annotations

import json

import pytest

from assistant.config import Settings
from assistant.resources import search_text
from corpus.records import RESOLUTION
from corpus.vocabulary import GLOSSARY, Vocabulary, load_vocabulary, phrase_pattern
from test_data_dir import cli

# Everyday phrases that do stand in the corpus, kept on purpose (the glossary's header says why).
IN_CORPUS_ON_PURPOSE = {"cbms", "cbm"}


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


def test_the_glossary_loads_with_entries_of_both_kinds(vocabulary):
    assert GLOSSARY.is_file() and len(vocabulary.bridges) >= 50
    assert all(b.everyday and b.documents and b.where for b in vocabulary.bridges)


def test_every_documents_phrase_stands_in_a_paragraph_its_entry_names(vocabulary, corpus):
    wrong = []
    for bridge in vocabulary.bridges:
        texts = []
        for key in bridge.where:
            symbol, _, label = key.partition(" ¶")
            paragraph = corpus.get(symbol, label)
            assert paragraph is not None, f"{key} (for {bridge.documents}) is not a paragraph of the corpus"
            texts.append(paragraph.text.lower())
        wrong += [phrase for phrase in bridge.documents if not any(phrase.lower() in t for t in texts)]
    assert not wrong, f"not in the paragraphs their entries name: {wrong}"


def test_everyday_phrases_are_words_the_documents_do_not_use_and_each_in_one_entry(vocabulary, corpus):
    texts = [p.text for p in corpus.paragraphs()]
    seen: dict[str, int] = {}
    for n, bridge in enumerate(vocabulary.bridges):
        for phrase in bridge.everyday:
            assert phrase == phrase.lower(), phrase
            assert seen.setdefault(phrase, n) == n, f"{phrase!r} is in two entries"
    used = {phrase for phrase in seen if any(phrase_pattern(phrase).search(t) for t in texts)}
    assert used <= IN_CORPUS_ON_PURPOSE, f"the documents use these already: {sorted(used - IN_CORPUS_ON_PURPOSE)}"


@pytest.mark.parametrize("question, term", [
    ("Could a hardware trojan in a router count?", "harmful hidden functions"),
    ("what about kill-switches", "harmful hidden functions"),
    ("Is a DDoS on a bank covered?", "disruption"),
    ("Can a State be blamed just because of IP addresses?", "originates from the territory"),
])
def test_everyday_phrases_bring_the_documents_words(vocabulary, question, term):
    assert term in vocabulary.terms_for(question)
    assert vocabulary.expand(question).startswith(question + " (")


@pytest.mark.parametrize("question", [
    "What does norm 1.3 say?",
    "Which session will the working group report to?",
    "Show me the fifth preambular paragraph.",
])
def test_a_query_in_the_documents_words_is_searched_as_typed(question):
    assert search_text(question, Settings()) == question


def test_an_everyday_query_finds_the_paragraph_only_with_the_documents_words(searcher):
    """¶1.10 ("harmful hidden functions") for a query that shares no word with it: found with setting
    search_glossary, missed without it."""
    query = "bugdoors planted in network equipment"
    on = [h.citation for h in searcher.search(search_text(query, Settings()), k=3)]
    off = [h.citation for h in searcher.search(search_text(query, Settings(search_glossary=False)), k=3)]
    assert on[0] == f"[{RESOLUTION} ¶1.10]" and f"[{RESOLUTION} ¶1.10]" not in off, (on, off)


def test_assistant_search_says_which_words_it_added(data_dir):
    found = cli("search", "bugdoors planted in network equipment", "-k", "3", data_dir=data_dir)
    assert found.returncode == 0, found.stderr
    assert "searched with the documents' words: (harmful hidden functions)" in found.stderr
    assert f"{RESOLUTION} ¶1.10" in found.stdout
    plain = cli("search", "bugdoors planted in network equipment", "-k", "3", "--json", data_dir=data_dir)
    assert "searched with" not in plain.stderr and json.loads(plain.stdout)[0]["citation"], plain.stderr
