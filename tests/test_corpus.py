"""The foundation: the resolution and excerpts parse into the paragraphs users cite."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus.parse import parse_excerpt, parse_pdf_text
from corpus.records import RESOLUTION, Citation
from corpus.store import TEXTS, load_corpus

RAW = (TEXTS / "A_C.1_73_L.27_Rev.1.txt").read_text(encoding="utf-8")
# Hand-checked against the PDF text: every artefact repaired, every footnote mark removed.
EXPECTED = json.loads((Path(__file__).parent / "data" / "resolution_expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def resolution():
    return parse_pdf_text(RAW)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_resolution_has_exactly_the_contract_labels(resolution):
    labels = [p.label for p in resolution.paragraphs]
    expected = (["header"] + [f"PP{i}" for i in range(1, 22)] + ["1"] + [f"1.{i}" for i in range(1, 14)]
                + ["2", "3", "4", "4(a)", "4(b)", "4(c)", "4(d)", "5", "6", "7"] + [f"fn{i}" for i in range(1, 6)])
    assert labels == expected


def test_every_paragraph_text_matches_the_hand_checked_text(resolution):
    for paragraph in resolution.paragraphs:
        assert paragraph.text == EXPECTED[paragraph.label]["text"], paragraph.label
        assert paragraph.kind == EXPECTED[paragraph.label]["kind"], paragraph.label
        assert paragraph.page == EXPECTED[paragraph.label]["page"], paragraph.label


@pytest.mark.parametrize("label, fragment", [
    ("PP6", "in the area of ICT security"),                       # "o f"
    ("PP15", "transmitted by the Secretary-General,"),             # "Secretary -" + "General,1"
    ("PP16", "in its 2015 report, identified as of"),              # "report, 2 identified"
    ("PP17", "in its 2013 and 2015 reports, that"),                # "2013 3" and "20152"
    ("1", "of 2013 and 2015 adopted by consensus"),
    ("1.5", "20/8 of 5 July 2012 and 26/13 of 26 June 2014 on the"),  # "20124", "20145"
    ("4", "International Security, to continue"),                  # "Security,1"
    ("5", "intersessional consultative meetings"),                 # "consul tative"
    ("4(c)", "mentioned in paragraph 3 above;"),                   # a real number stays
])
def test_extraction_artefacts_are_repaired(resolution, label, fragment):
    assert fragment in resolution.get(label).text


def test_no_page_furniture_or_url_survives(resolution):
    furniture = re.compile(r"https?://|undocs|18-17859|\*1817859\*|_{3,}|\d/5\b|A/C\.1/73/L\.27/Rev\.1\s*$")
    for paragraph in resolution.paragraphs:
        body = paragraph.text if paragraph.label != "header" else paragraph.text.split("\n", 1)[1]
        assert not furniture.search(body), (paragraph.label, body)


def test_header_records_the_front_matter(resolution):
    info = resolution.info
    assert info.symbol == RESOLUTION and info.date == "2018-10-29"
    assert info.extra["committee"] == "First Committee" and info.extra["agenda item"] == "96"
    assert info.extra["sponsors"].startswith("Algeria, Angola") and info.extra["sponsors"].endswith("and Zimbabwe")
    assert info.title == "Developments in the field of information and telecommunications in the context of international security"


def test_opening_phrases(resolution):
    phrases = {p.label: p.phrase for p in resolution.paragraphs}
    assert phrases["PP1"] == "Recalling" and phrases["PP9"] == "Expressing concern"
    assert phrases["PP16"] == "Welcoming also" and phrases["PP18"] == "Confirming also"
    assert phrases["1"] == "Welcomes" and phrases["2"] == "Calls upon" and phrases["5"] == "Decides"
    assert phrases["6"] == "Also decides" and phrases["7"] == "Further decides"
    assert phrases["1.6"] is None  # a sub-item's weight comes from its chapeau


def test_references_are_resolved_to_canonical_symbols(resolution):
    pp1 = resolution.get("PP1").refs
    assert len(pp1) == 21 and pp1[0] == "A/RES/36/103" and pp1[1] == "A/RES/43/78H" and pp1[-1] == "A/RES/71/28"
    assert resolution.get("1.5").refs == ("A/HRC/RES/20/8", "A/HRC/RES/26/13", "A/RES/68/167", "A/RES/69/166")
    assert resolution.get("1.7").refs == ("A/RES/58/199",)
    assert resolution.get("PP15").footnotes == ("fn1",)
    assert resolution.get("fn1").refs == ("A/65/201", "A/68/98", "A/70/174")
    assert resolution.get("PP17").footnotes == ("fn3", "fn2")
    assert resolution.get("1.5").footnotes == ("fn4", "fn5")


EXCERPT_LABELS = {
    "A/70/174": ["header", "note-1", "heading-1", "summary-1", "summary-2", "summary-3", "24", "25", "26", "27"],
    "A/68/98": ["gap1.1", "letter-1", "letter-2"],
    "A/RES/58/199": ["header", "PP1", "PP2", "PP3", "PP4", "PP5", "gap1.1", "gap1.2", "gap1.3", "gap1.4", "gap1.5", "1", "2"],
    "A/RES/73/27": [f"gap1.{i}" for i in range(1, 9)],
    "A/RES/36/103": ["header", "PP1", "PP2", "PP3", "PP4", "PP5", "PP6", "1", "2", "annex",
                     "annex-PP1", "annex-PP2", "annex-PP3", "annex-PP4"],
    "A/AC.290/2021/CRP.2": ["header", "heading-1", "1", "2", "3", "54", "55", "56", "heading-2", "56-b1", "56-b2"],
    # PP1-PP3 follow "The General Assembly," with no gap; 4(c), 4(d) keep their printed letters after one.
    "A/RES/68/167": ["header", "PP1", "PP2", "PP3", "4", "4(c)", "4(d)"],
}


@pytest.mark.parametrize("symbol", sorted(EXCERPT_LABELS))
def test_excerpt_labels(corpus, symbol):
    assert [p.label for p in corpus.document(symbol).paragraphs] == EXCERPT_LABELS[symbol]


def test_a_paragraph_after_a_gap_claims_no_position(corpus):
    # A/RES/73/27's excerpt starts mid-preamble: its paragraphs must not be called PP1...
    doc = corpus.document("A/RES/73/27")
    assert all(p.label.startswith("gap1.") and p.kind == "preambular" for p in doc.paragraphs)
    assert doc.get("gap1.1").text.startswith("Confirming that ICTs are dual-use technologies")


def test_excerpt_front_matter_is_kept(corpus):
    info = corpus.document("A/70/174").info
    assert info.completeness == "partial" and "paragraphs 24-27" in info.present and info.source.startswith("https://")


def test_registry_lists_every_cited_document(corpus):
    registry = {e.symbol: e for e in corpus.registry()}
    assert len([s for s in registry if s.startswith("A/RES/") and any(c.label == "PP1" for c in registry[s].cited_by)]) == 21
    assert registry["A/RES/58/199"].availability == "partial" and registry["A/RES/58/199"].date == "2003-12-23"
    assert "global culture of cybersecurity" in registry["A/RES/58/199"].about
    assert registry["A/RES/71/28"].availability == "absent" and registry["A/RES/71/28"].date == "2016-12-05"
    assert registry["A/HRC/RES/20/8"].date == "2012-07-05"
    assert Citation(RESOLUTION, "1.5") in registry["A/HRC/RES/26/13"].cited_by
    # The draft of 69/166 is in the corpus, never the adopted text: the registry says so.
    assert registry["A/RES/69/166"].availability == "absent" and "A/C.3/69/L.26/Rev.1" in registry["A/RES/69/166"].note
    # A/RES/68/167 (cited by 1.5) is a partial excerpt, known from its own front matter.
    assert registry["A/RES/68/167"].availability == "partial" and registry["A/RES/68/167"].date == "2013-12-18"
    assert registry["A/RES/68/167"].cited_by == (Citation(RESOLUTION, "1.5"),)
    cited_70_174 = {c.label for c in registry["A/70/174"].cited_by}
    assert {"PP15", "PP16", "PP17", "1", "4", "fn1", "fn2"} <= cited_70_174
    assert RESOLUTION not in registry


def test_a_sub_item_after_a_gap_keeps_its_printed_letter_and_chapeau(corpus):
    doc = corpus.document("A/RES/68/167")
    assert doc.get("4").phrase == "Calls upon" and doc.get("4(c)").kind == "operative"
    assert doc.get("4(c)").text.startswith("To review their procedures, practices and legislation")
    assert doc.get("4(d)").text.endswith("the collection of personal data")  # no closing punctuation: see PROVENANCE.md
    assert doc.get("4(a)") is None and doc.get("1") is None


def test_parse_excerpt_needs_a_symbol():
    with pytest.raises(ValueError, match="symbol"):
        parse_excerpt("---\ntitle: x\n---\nSome text.\n")
