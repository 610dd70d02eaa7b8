"""Property-based tests of the three parsers: citation labels, typed lookups and UN document text.

On any input each parser returns or raises only its documented error, and a label the UN-text parser
makes, written as a citation, parses back to itself and looks up the paragraph it came from:
- citations: `Citation.parse` raises ValueError; `parse_cited` (evals) and `parse_markers` (assistant)
  never raise;
- lookups: `normalize_label`, `parse_reference`, `find_lookup`, `find_references` never raise;
  `resolve` raises only `UnknownReference`;
- UN text: `parse_pdf_text` / `parse_excerpt` raise only ValueError (no symbol), `ingest` only
  `IngestError`; the clean-up helpers never raise.
"""

from __future__ import annotations

import re
import tempfile
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.citations import parse_markers, split_sentences
from corpus.clean import is_furniture, join_lines, page_number, repair_split_words, strip_footnote_marks
from corpus.ingest import IngestError, ingest
from corpus.lookup import ORDINALS, LookupResult, UnknownReference, find_lookup, normalize_label, parse_reference, resolve
from corpus.parse import OPENING_WORDS, opening_phrase, parse_excerpt, parse_pdf_text
from corpus.records import RESOLUTION, Citation, Document
from corpus.refs import SYMBOL, find_references, resolution_symbol
from corpus.store import Corpus, load_corpus
from evals.metrics import parse_cited

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@lru_cache(maxsize=1)
def shipped() -> Corpus:
    return load_corpus()


# --- arbitrary text ---------------------------------------------------------------------------------

ODD = ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1c", "\x1e", "\x7f", "\x85", "\u00a0", "\u2028",
       "\u2029", "\ufeff", "\u200b", "\u200e", "\u200f", "\u202e", "\u202c", "\r", "\r\n", "\t",
       "مرحبا بالعالم", "שלום עולם", "الجمعية العامة،", "🇺🇳", "👩‍👩‍👧", "🔥", "\U0001f600", "Ⅻ", "１.", "¶", "§", "…"]
odd = st.sampled_from(ODD)
unicode_text = st.text(max_size=300)
spliced = st.lists(st.one_of(odd, st.text(max_size=12)), max_size=30).map("".join)


def _repeat(piece: str, times: int) -> str:
    return (piece * times)[:20_000]


long_text = st.builds(_repeat, st.text(min_size=1, max_size=40), st.integers(100, 20_000))
any_text = st.one_of(unicode_text, spliced, long_text)


# --- the grammar: symbols, labels, the words people type around them ---------------------------------

def n(lo: int = 1, hi: int = 30) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(str)


number = st.one_of(n(1, 120), st.builds(lambda a, b: f"{a}.{b}", n(1, 20), n(1, 20)),
                   st.builds(lambda a, b, c: f"{a}.{b}.{c}", n(1, 9), n(1, 9), n(1, 9)))
letter = st.sampled_from("abcdefghijk") | st.sampled_from(["aa", "bb", "ii"])
body_label = st.one_of(
    n().map("PP{}".format), number, st.builds("{}({})".format, number, letter),
    st.builds("{}-b{}".format, number, n(1, 9)), n(1, 40).map("heading-{}".format),
    st.builds("gap{}.{}".format, n(1, 5), n(1, 20)), n().map("text-{}".format),
)
label = st.one_of(
    body_label, st.builds("annex-{}".format, body_label), n(1, 40).map("fn{}".format),
    n(1, 9).map("summary-{}".format), n(1, 9).map("note-{}".format), n(1, 9).map("letter-{}".format),
    st.sampled_from(["header", "annex"]),
)
session = n(1, 79) | st.sampled_from(["2021", "ES-10"])
symbol = st.one_of(
    st.builds(lambda organ, s, tail: f"A/{organ}{s}{tail}",
              st.sampled_from(["", "C.1/", "C.3/", "AC.290/", "HRC/", "RES/", "HRC/RES/", "CONF.1/"]),
              session,
              st.lists(st.one_of(n(1, 999).map("/{}".format), n(1, 60).map("/L.{}".format),
                                 n(1, 3).map("/Rev.{}".format), n(1, 9).map("/CRP.{}".format),
                                 st.sampled_from(["/Add.1", "/Corr.1"])), min_size=1, max_size=3).map("".join)),
    st.sampled_from(["A/C.1/73/L.27/Rev.1", "A/RES/73/27", "A/70/174", "A/RES/58/199", "A/AC.290/2021/CRP.2"]),
).filter(lambda s: SYMBOL.fullmatch(s) is not None)
citation = st.builds(Citation, symbol, label)

ordinal = st.sampled_from(sorted(ORDINALS)) | n(1, 40).map(lambda s: s + {"1": "st", "2": "nd", "3": "rd"}.get(s[-1], "th"))
WORDS = ["¶", "¶ ", "para", "para.", "paras", "paragraph", "paragraphs", "op", "op.", "operative", "preambular",
         "preambular paragraph", "footnote", "foot note", "note", "fn", "pp", "PP", "of", "in", "the", "of the",
         "resolution", "res.", "draft resolution", "General Assembly", "HRC", "Human Rights Council", "GA",
         "of the Declaration annexed to", "of the text of", "annex", "ANNEX", "header", "front matter", "title",
         "what does", "What is", "show me", "quote", "cite", "look up", "say?", "says", "verbatim", "please",
         "[", "]", "(", ")", ",", ";", ".", "?", "!", "-", "/", "OEWG report", "2015 GGE report", "then"]
token = st.one_of(st.sampled_from(WORDS), symbol, label, ordinal, n(1, 999),
                  st.builds("{}/{}".format, n(1, 79), n(1, 300)), odd)
separator = st.sampled_from(["", " ", " ", " ", "  ", "\t", "\n", "\u00a0", ", ", " ¶", "."])
near_miss = st.lists(st.tuples(token, separator), min_size=1, max_size=10).map(
    lambda parts: "".join(t + s for t, s in parts))
typed_citation = st.one_of(
    citation.map(str), citation.map(lambda c: c.key),
    st.builds(lambda c, sep, word: f"{c.symbol}{sep}{word}{sep}{c.label}", citation, separator,
              st.sampled_from(WORDS[:8])),
)
lookup_input = st.one_of(near_miss, typed_citation, any_text)


# --- 1. citations -----------------------------------------------------------------------------------

@FAST
@given(st.one_of(lookup_input, typed_citation.map(lambda t: f"  {t}  ")))
def test_citation_parse_raises_only_value_error_and_is_a_fixed_point(text):
    try:
        parsed = Citation.parse(text)
    except ValueError:
        return
    assert Citation.parse(str(parsed)) == parsed
    assert Citation.parse(parsed.key) == parsed


@FAST
@given(citation)
def test_every_citation_of_the_grammar_round_trips(c):
    assert Citation.parse(str(c)) == c
    assert Citation.parse(c.key) == c
    assert parse_cited(f"States should cooperate {c}.") == [c.key]


@FAST
@given(st.lists(st.one_of(lookup_input, citation.map(str)), max_size=4).map(" ".join))
def test_answer_citation_readers_never_raise(text):
    keys = parse_cited(text)
    assert all(isinstance(k, str) and "¶" in k for k in keys)
    given_paragraphs = shipped().resolution.paragraphs[:20]
    for sentence in split_sentences(text):
        parsed = parse_markers(sentence, given_paragraphs)
        assert set(parsed.cited) <= {p.citation for p in given_paragraphs}


@FAST
@given(st.sampled_from([p.label for p in shipped().resolution.paragraphs]),
       st.sampled_from(["[¶{}]", "(¶{})", "¶{}", "[{}]", "[A/C.1/73/L.27/Rev.1 ¶{}]", "[A/70/174 ¶26, ¶{}]"]))
@example("PP3", "[{}]")  # read as symbol "P", label "P3": the marker was dropped as invalid
@example("PP3", "¶{}")
def test_the_models_markers_name_the_paragraph(lab, form):
    if form == "[{}]" and not re.fullmatch(r"PP\d+|\d+(?:\.\d+)*(?:\([a-z]+\))?", lab):
        return  # without "¶" only numbers and PP labels are markers: "[sic]", "[header]" are text
    given_paragraphs = [*shipped().resolution.paragraphs, shipped().get("A/70/174", "26")]
    cited = parse_markers(f"It says so {form.format(lab)}.", given_paragraphs).cited
    assert cited[-1] == Citation(RESOLUTION, lab)


# --- 2. lookups ---------------------------------------------------------------------------------------

@SLOW
@given(lookup_input)
@example("1 of the text of " * 3000 + "A/RES/36/103")  # recursed once per "of the text of": RecursionError
def test_lookup_parsers_never_raise_and_resolve_raises_only_unknown_reference(text):
    assert normalize_label(text) is None or isinstance(normalize_label(text), str)
    reference = parse_reference(text)
    core = find_lookup(text)
    if core is not None:
        assert parse_reference(core) is not None
    assert all(r.symbol.startswith("A/") for r in find_references(text))
    try:
        result = resolve(text, shipped())
    except UnknownReference:
        return
    assert isinstance(result, LookupResult) and reference is not None
    assert result.paragraph is None or result.paragraph.label == reference.label


@FAST
@given(st.builds("{}/{}".format, n(1, 999), n(1, 9999)), st.sampled_from(["GA", "HRC"]))
def test_resolution_numbers_give_symbols(num, organ):
    assert SYMBOL.fullmatch(resolution_symbol(num, organ))


@FAST
@given(label)
@example("annex-1.6")  # the parser's labels in an annex and bullets under sub-numbers were not lookups
@example("annex-4(a)")
@example("1.6-b1")
@example("annex-heading-1")
@example("annex-gap1.2")
def test_a_contract_label_normalizes_to_itself(lab):
    assert normalize_label(lab) == lab
    assert normalize_label(f"¶{lab}") == lab
    assert parse_reference(f"A/70/174 ¶{lab}").label == lab


@FAST
@given(st.one_of(
    st.builds(lambda num, w: (f"{w} {num}", num), number, st.sampled_from(["¶", "para", "para.", "paragraph", "op", "operative paragraph"])),
    st.builds(lambda num, x, w: (f"{w} {num} ({x})", f"{num}({x})"), number, letter, st.sampled_from(["paragraph", "operative paragraph", "¶"])),
    st.builds(lambda k: (f"pp {k}", f"PP{k}"), n()),
    st.builds(lambda k: (f"preambular paragraph {k}", f"PP{k}"), n()),
    st.sampled_from(sorted(ORDINALS)).map(lambda w: (f"{w} preambular paragraph", f"PP{ORDINALS[w]}")),
    st.builds(lambda k: (f"footnote {k}", f"fn{k}"), n()),
))
def test_typed_forms_normalize_to_the_contract_label(case):
    typed, expected = case
    assert normalize_label(typed) == expected


# --- 3. UN text -------------------------------------------------------------------------------------

DOC_LINES = ["The General Assembly,", "The Human Rights Council,", "The General Assembly", "[...]", "[excerpt ends]",
             "ANNEX", "Annex II", "annex", "Summary", "Note by the Secretary-General", "Letter of transmittal",
             "A. Introduction", "Process and Purpose", "__________________", "18-17859 2/5", "3/5 18-17859",
             "18-17859 (E) 061118", "https://undocs.org/A/70/174", "www.un.org", "*1817859*", "Please recycle",
             "29 October 2018", "Distr.: Limited", "Agenda item 96", "Agenda items 96 and 97", "Seventy-third session",
             "First Committee", "Russian Federation: revised draft resolution", "Armenia, Azerbaijan and Belarus",
             "---", "symbol: A/1/2", "title:", ":", "•", "• ", "(a)", "1.", "1. ", "¶", "o f", "consul tative"]
doc_line = st.one_of(
    st.sampled_from(DOC_LINES), near_miss, symbol, symbol.map("{}.".format),
    st.builds("{}. {}".format, number, near_miss), st.builds("({}) {}".format, letter, near_miss),
    st.builds(" {}  See {}.".format, n(1, 12), symbol), st.builds("{} {},".format, st.sampled_from(sorted(OPENING_WORDS)), near_miss),
)
near_miss_document = st.lists(
    st.tuples(st.sampled_from(["", " ", "  ", "\t"]), doc_line, st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"])),
    max_size=40).map(lambda parts: "".join(a + b + c for a, b, c in parts))


@SLOW
@given(st.one_of(any_text, near_miss_document), st.none() | symbol)
@example(":A/0/.", None)  # the symbol kept its full stop ("A/0/."), so its citations looked up nothing
@example(" United Nations  A/70/174.\n The General Assembly,\n 1. Decides to act;\n", None)
def test_pdf_text_parser_raises_only_value_error(text, sym):
    try:
        doc = parse_pdf_text(text, symbol=sym)
    except ValueError:
        assert sym is None
        return
    _check_document(doc, unique=False)


@SLOW
@given(st.one_of(any_text, near_miss_document, st.builds(
    lambda s, kind, body: f"---\nsymbol: {s}\nkind: {kind}\n---\n{body}", symbol,
    st.sampled_from(["resolution", "report", "draft-resolution", ""]), st.one_of(any_text, near_miss_document))))
def test_excerpt_parser_raises_only_value_error(text):
    try:
        doc = parse_excerpt(text)
    except ValueError:
        return
    _check_document(doc, unique=False)


@FAST
@given(any_text, st.sets(st.integers(1, 20), max_size=5))
def test_clean_up_helpers_never_raise(text, numbers):
    lines = text.splitlines()
    assert isinstance(join_lines(lines), str)
    clean, marks = strip_footnote_marks(text, numbers)
    assert set(marks) <= numbers and isinstance(clean, str)
    assert isinstance(repair_split_words(text), str)
    for line in lines[:50]:
        assert page_number(line) is None or page_number(line) >= 0
        is_furniture(line)
    opening_phrase(text)


@settings(max_examples=20, deadline=None)
@given(st.one_of(st.binary(max_size=2000), any_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_ingest_refuses_with_ingest_error_only(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.txt"
        path.write_bytes(data.replace(b"%PDF", b"%pdf"))  # a PDF is pypdf's to read, not this parser's
        try:
            doc = ingest(path, Path(tmp) / "docs")
        except IngestError:
            return
        assert any(p.kind != "header" for p in doc.paragraphs)


# --- generated UN-style documents ---------------------------------------------------------------------

VOCAB = ["States", "the", "of", "information", "security", "international", "cooperation", "and", "in",
         "to", "communications", "technologies", "Secretary-General", "report", "Member", "norms", "peace",
         "confidence-building", "résumé", "مجلس", "🔒", "Charter", "United", "Nations", "2015", "2013"]
PREAMBLE_OPENINGS = ["Recalling", "Noting", "Recalling also", "Bearing in mind", "Expressing concern that",
                     "Welcoming", "Reaffirming", "Convinced", "Stressing", "Conscious"]
OPERATIVE_OPENINGS = ["Decides", "Requests", "Welcomes", "Calls upon", "Invites", "Also decides", "Urges",
                      "Encourages", "Affirms that"]
REFS = ["resolution 58/199 of 23 December 2003", "its resolution 73/27", "A/70/174", "A/65/201 and A/68/98",
        "Human Rights Council resolution 20/8", "resolution 2131 (XX)"]

words = st.lists(st.one_of(st.sampled_from(VOCAB), st.sampled_from(REFS)), min_size=3, max_size=40).map(" ".join)


@st.composite
def un_document(draw) -> tuple[str, str, str]:
    """(format, text, symbol): a resolution or report as PDF-to-text output or as an excerpt file."""
    fmt = draw(st.sampled_from(["pdf", "excerpt"]))
    kind = draw(st.sampled_from(["resolution", "report"]))
    sym = draw(symbol)
    paragraphs: list[str] = []  # body blocks in order, unindented
    if kind == "resolution":
        paragraphs.append("The General Assembly,")
        for _ in range(draw(st.integers(0, 6))):
            paragraphs.append(f"{draw(st.sampled_from(PREAMBLE_OPENINGS))} {draw(words)},")
            if fmt == "excerpt" and draw(st.integers(0, 5)) == 0:
                paragraphs.append("[...]")
        top = 0
        for _ in range(draw(st.integers(1, 6))):
            top += draw(st.integers(1, 2))  # printed numbers go up, with the odd one an excerpt leaves out
            paragraphs.append(f"{top}. {draw(st.sampled_from(OPERATIVE_OPENINGS))} {draw(words)};")
            for sub in range(1, draw(st.integers(0, 3)) + 1):
                paragraphs.append(f"{top}.{sub}. {draw(words)};")
            for letter_ in "abcdef"[:draw(st.integers(0, 3))]:
                paragraphs.append(f"({letter_}) {draw(words)};")
            for _ in range(draw(st.integers(0, 2))):
                paragraphs.append(f"• {draw(words)};")
        if fmt == "excerpt" and draw(st.booleans()):
            paragraphs += ["ANNEX", "Declaration on the Use of Information Technologies", "The General Assembly,"]
            paragraphs += [f"{draw(st.sampled_from(PREAMBLE_OPENINGS))} {draw(words)}," for _ in range(draw(st.integers(1, 4)))]
            paragraphs += [f"{i}. {draw(words)}." for i in range(1, draw(st.integers(1, 4)) + 1)]
    else:
        for heading in draw(st.lists(st.sampled_from(["Summary", "Note by the Secretary-General",
                                                       "Letter of transmittal", "A. Introduction",
                                                       "Process and Purpose"]), unique=True, max_size=4)):
            paragraphs.append(heading)
            paragraphs += [f"{draw(words)}." for _ in range(draw(st.integers(1, 3)))]
        top = 0
        for _ in range(draw(st.integers(1, 5))):
            top += 1
            paragraphs.append(f"{top}. {draw(words)}.")
            paragraphs += [f"• {draw(words)};" for _ in range(draw(st.integers(0, 2)))]
            if fmt == "excerpt" and draw(st.integers(0, 4)) == 0:
                paragraphs.append("[...]")
                paragraphs += [f"{draw(words)}." for _ in range(draw(st.integers(0, 2)))]
    footnotes = [f"See {draw(st.sampled_from(REFS))}." for _ in range(draw(st.integers(0, 3)))]

    if fmt == "excerpt":
        front = f"---\nsymbol: {sym}\ntitle: A title\nkind: {kind}\ncompleteness: partial\n---\n"
        title = f"{'/'.join(sym.split('/')[-2:])}. Developments in the field of information"  # "73/27. ..."
        return fmt, front + "\n\n".join([title, *paragraphs, *([] if draw(st.booleans()) else ["[excerpt ends]"])]) + "\n", sym

    width = draw(st.integers(30, 100))
    lines = [f" United Nations  {sym}", "", "General Assembly  Distr.: Limited", "29 October 2018", "",
             "Seventy-third session", "First Committee", "Agenda item 96"]
    if kind == "resolution":
        lines += ["Russian Federation: revised draft resolution", "Developments in the field of information"]
    else:
        lines += ["Report of the Group of Governmental Experts"]
    for i, block in enumerate(paragraphs):
        wrapped, line = [], ""
        for word in block.split(" "):
            if line and len(line) + len(word) > width:
                wrapped.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        wrapped.append(line)
        lines += [" " + wrapped[0], *wrapped[1:]]  # a paragraph starts indented; its wrapped lines do not
        if draw(st.integers(0, 6)) == 0:
            lines += ["", f"18-17859 {i % 9 + 1}/9", "", sym, ""]  # page furniture between lines
    if footnotes:
        lines += ["__________________", *[f" {k}  {note}" for k, note in enumerate(footnotes, 1)]]
    lines += ["https://undocs.org/A/70/174", f"18-17859 9/9"]
    return fmt, "\n".join(lines) + "\n", sym


def _check_document(doc: Document, unique: bool) -> None:
    """Every label is in the grammar, round-trips as a citation and looks up the paragraph it names."""
    labels = [p.label for p in doc.paragraphs]
    if unique:
        assert len(labels) == len(set(labels)), [x for x in labels if labels.count(x) > 1]
    if SYMBOL.fullmatch(doc.symbol) is None:  # a symbol given with --symbol may be anything
        return
    corpus = Corpus({doc.symbol: doc}, "fuzz")
    for p in doc.paragraphs:
        c = p.citation
        assert Citation.parse(str(c)) == c
        assert Citation.parse(c.key) == c
        assert parse_cited(f"It says so {c}.") == [c.key]
        first = doc.get(p.label)  # with repeated labels a lookup finds the first
        for typed in (str(c), c.key):
            assert resolve(typed, corpus).paragraph == first, typed
        assert parse_markers(f"It says so {c}.", [first]).cited == (c,)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(un_document())
def test_generated_un_documents_parse_to_unique_labels_that_round_trip(case):
    fmt, text, sym = case
    doc = parse_excerpt(text) if fmt == "excerpt" else parse_pdf_text(text)
    assert doc.symbol == sym
    _check_document(doc, unique=True)
    for p in doc.paragraphs:
        for marker in (f"[¶{p.label}]", f"(¶{p.label})", f"¶{p.label}"):
            assert parse_markers(f"It says so {marker}.", doc.paragraphs).cited == (p.citation,), marker


def test_every_shipped_paragraph_round_trips():
    corpus = shipped()
    for doc in corpus.documents.values():
        labels = [p.label for p in doc.paragraphs]
        assert len(labels) == len(set(labels)), doc.symbol
        for p in doc.paragraphs:
            c = p.citation
            assert Citation.parse(str(c)) == c and Citation.parse(c.key) == c
            assert normalize_label(p.label) == p.label
            typed = [str(c), c.key, f"{c.symbol} para {c.label}", f"What does {c.key} say?", f"show me {c}"]
            if doc.symbol == RESOLUTION:
                typed += [p.label, f"¶{p.label}"]
            for t in typed:
                assert resolve(find_lookup(t) or t, corpus).paragraph == p, t
            assert parse_markers(f"It says so {c}.", doc.paragraphs).cited == (c,)
