"""Chunking, incremental Chroma sync, hybrid search and the retriever: real model, real Chroma."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.ingest import ingest
from corpus.records import Paragraph
from corpus.store import Corpus, load_corpus, remove_user_document
from embeddings.chunks import Chunk, corpus_chunks, paragraph_chunks, parse_chunk_id
from embeddings.encoder import Encoder
from embeddings.hybrid import HybridSearcher, rrf, weighted
from embeddings.index import active_generation, ensure_index, make_client, open_index, sync_index
from embeddings.retriever import ParagraphRetriever

RES = "A/C.1/73/L.27/Rev.1"
USER_DOC = """---
symbol: A/RES/99/1
title: Protection of lighthouse keepers in cyberspace
date: 2044-01-01
kind: resolution
source: test
completeness: full
present: all
missing: nothing
---
99/1. Protection of lighthouse keepers in cyberspace

The General Assembly,

Noting the importance of lighthouse keepers for maritime safety,

1. Calls upon States to protect the networks of lighthouse keepers from malicious ICT activity;

2. Decides to remain seized of the matter.
"""


def add_user_doc(user_dir: Path, text: str = USER_DOC) -> None:
    source = user_dir.parent / "lighthouse.txt"
    source.write_text(text, encoding="utf-8")
    ingest(source, user_dir, replace=True)  # a changed text under the same symbol replaces the old one


def subset(corpus: Corpus, *symbols: str) -> Corpus:
    """A few documents of a corpus (same version string): sync tests need not embed everything."""
    return Corpus({s: corpus.documents[s] for s in symbols}, corpus.version)


SMALL = ("A/RES/62/17", "A/68/98", "A/C.3/69/L.26/Rev.1")  # 16 paragraphs


@pytest.fixture
def searcher(embedded_searcher) -> HybridSearcher:
    return embedded_searcher


# -- chunks ---------------------------------------------------------------------------------------

def test_every_paragraph_is_chunked_under_its_own_label(embedding_encoder, shipped_corpus):
    chunks = corpus_chunks(shipped_corpus, embedding_encoder.token_spans, embedding_encoder.max_tokens)
    assert len({c.id for c in chunks}) == len(chunks)
    assert {c.key for c in chunks} == {p.citation.key for p in shipped_corpus.paragraphs()}
    for chunk in chunks:
        assert parse_chunk_id(chunk.id) == (chunk.paragraph.symbol, chunk.paragraph.label, chunk.part)
        assert all(isinstance(v, (str, int, float, bool)) for v in chunk.metadata.values())
        tokens = len(embedding_encoder.model.tokenizer(chunk.text)["input_ids"])  # the model's own count
        assert tokens <= embedding_encoder.max_tokens, chunk.id
    one = next(c for c in chunks if c.id == f"{RES} ¶1.6#0")
    head, body = one.text.split("\n", 1)
    assert "operative paragraph 1.6" in head and RES in head and "2018" in head
    assert body == shipped_corpus.get(RES, "1.6").text


def _check_pieces(pieces: list[Chunk], paragraph: Paragraph, max_tokens: int, encoder: Encoder) -> None:
    assert len(pieces) >= 2
    bodies = [p.text.split("\n", 1)[1] for p in pieces]
    for piece, body in zip(pieces, bodies):
        assert piece.paragraph == paragraph and piece.parts == len(pieces)
        assert body in paragraph.text
        assert len(encoder.model.tokenizer(piece.text)["input_ids"]) <= max_tokens
    assert paragraph.text.startswith(bodies[0]) and paragraph.text.endswith(bodies[-1])
    for first, second in zip(bodies, bodies[1:]):
        shared = second.split()[:5]  # the next piece starts inside the previous one: they overlap
        assert " ".join(shared) in first
        assert paragraph.text.index(bodies[0]) <= paragraph.text.index(second)


def test_the_longest_resolution_paragraph_is_split_with_overlap(embedding_encoder, shipped_corpus):
    paragraph = shipped_corpus.get(RES, "5")
    chunks = corpus_chunks(shipped_corpus, embedding_encoder.token_spans, embedding_encoder.max_tokens)
    pieces = [c for c in chunks if c.key == paragraph.citation.key]
    _check_pieces(pieces, paragraph, embedding_encoder.max_tokens, embedding_encoder)
    assert [c.part for c in pieces] == list(range(len(pieces)))


def test_a_very_long_paragraph_is_cut_in_several_overlapping_pieces(embedding_encoder):
    words = " ".join(f"measure{i} of confidence-building number {i}." for i in range(150))
    paragraph = Paragraph("A/RES/1/1", "7(b)", "operative", words, position=3)
    pieces = paragraph_chunks(paragraph, "A/RES/1/1 (resolution, 1946) Test: operative paragraph 7(b)",
                              embedding_encoder.token_spans, max_tokens=128, overlap=24)
    assert len(pieces) >= 4
    assert {p.id.split("#")[0] for p in pieces} == {"A/RES/1/1 ¶7(b)"}
    _check_pieces(pieces, paragraph, 128, embedding_encoder)


# -- sync -----------------------------------------------------------------------------------------

def test_sync_is_idempotent(embedding_encoder, shipped_corpus, tmp_path):
    corpus = subset(shipped_corpus, *SMALL)
    first = sync_index(corpus, embedding_encoder, path=tmp_path)
    assert first.added == first.chunks == first.encoded == len(corpus.paragraphs())
    assert first.reused == 0 and not first.rebuilt
    second = sync_index(corpus, embedding_encoder, path=tmp_path)
    assert (second.added, second.updated, second.removed, second.encoded) == (0, 0, 0, 0)
    assert second.reused == first.chunks and second.collection == first.collection
    cold = Encoder()  # what `make run` does on start: an up-to-date index needs no model weights
    assert ensure_index(corpus, encoder=cold, path=tmp_path).encoded == 0 and not cold.loaded
    client = make_client(tmp_path)
    assert active_generation(client).count() == first.chunks
    generations = [c.name for c in client.list_collections() if c.name.startswith("paragraphs.v")]
    assert generations == [first.collection]


def test_changed_document_replaces_its_chunks_and_removed_one_disappears(embedding_encoder, tmp_path):
    user_dir = tmp_path / "documents"
    index_dir = tmp_path / "chroma"
    add_user_doc(user_dir)
    corpus = subset(load_corpus(user_dir=user_dir), "A/RES/99/1", *SMALL)
    built = sync_index(corpus, embedding_encoder, path=index_dir)
    assert built.added == built.chunks
    opened_before = open_index(embedding_encoder, path=index_dir)

    changed_text = USER_DOC.replace("from malicious ICT activity", "from ransomware and other malicious ICT activity")
    add_user_doc(user_dir, changed_text)
    changed = subset(load_corpus(user_dir=user_dir), "A/RES/99/1", *SMALL)
    report = sync_index(changed, embedding_encoder, path=index_dir)
    assert (report.added, report.updated, report.removed, report.encoded) == (0, 1, 0, 1)
    assert report.reused == built.chunks - 1 and report.collection == built.collection  # in place
    index = open_index(embedding_encoder, path=index_dir)
    found = index.search("ransomware against lighthouse keepers", k=1, where={"symbol": "A/RES/99/1"})
    assert found[0][0]["label"] == "1" and "ransomware" in found[0][0]["document"]
    assert index.metadata["corpus_version"] == changed.version
    # an index opened before the sync sees the change
    again = opened_before.search("ransomware against lighthouse keepers", k=1, where={"symbol": "A/RES/99/1"})
    assert opened_before.collection == report.collection and "ransomware" in again[0][0]["document"]

    remove_user_document(user_dir, "A/RES/99/1")
    without = load_corpus(user_dir=user_dir)
    assert without.document("A/RES/99/1") is None
    without = subset(without, *SMALL)
    report = sync_index(without, embedding_encoder, path=index_dir)
    assert (report.added, report.updated, report.removed, report.encoded) == (0, 0, 4, 0)
    index = open_index(embedding_encoder, path=index_dir)
    assert index.search("lighthouse keepers", k=5, where={"symbol": "A/RES/99/1"}) == []
    assert index.count() == report.chunks == built.chunks - 4


def test_an_index_built_by_another_model_is_rebuilt_not_mixed(embedding_encoder, shipped_corpus, tmp_path):
    other_folder = tmp_path / "other-minilm"  # same weights under another name: another model id
    other_folder.mkdir()
    for item in embedding_encoder.path.iterdir():
        (other_folder / item.name).symlink_to(item)
    other = Encoder(other_folder)
    assert other.model_id != embedding_encoder.model_id
    index_dir = tmp_path / "chroma"
    corpus = subset(shipped_corpus, *SMALL)
    first = sync_index(corpus, embedding_encoder, path=index_dir)
    report = sync_index(corpus, other, path=index_dir)
    assert report.rebuilt and report.reused == 0 and report.encoded == report.chunks == first.chunks
    assert report.model_id == other.model_id
    with pytest.raises(ValueError, match="built by"):
        open_index(embedding_encoder, path=index_dir)
    assert open_index(other, path=index_dir).metadata["model_id"] == other.model_id


# -- search ---------------------------------------------------------------------------------------

def test_hybrid_finds_the_critical_infrastructure_norm(searcher):
    query = "attacks on critical infrastructure that provides services to the public"
    hits = searcher.search(query, k=5)
    assert hits[0].paragraph.citation.key == f"{RES} ¶1.6"
    assert hits[0].paragraph.text == searcher.corpus.get(RES, "1.6").text
    assert hits[0].dense_rank is not None and hits[0].bm25_rank is not None
    for mode in ("dense", "bm25"):
        assert f"{RES} ¶1.6" in [h.paragraph.citation.key for h in searcher.search(query, k=10, mode=mode)]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_filters_by_symbol_and_kind(searcher):
    query = "critical information infrastructures"
    for mode in ("hybrid", "dense", "bm25"):
        hits = searcher.search(query, k=5, mode=mode, symbols=["a/res/58/199"])
        assert hits and {h.paragraph.symbol for h in hits} == {"A/RES/58/199"}
        hits = searcher.search("reports of the Group of Governmental Experts", k=10, mode=mode, kinds=["footnote"])
        assert hits and {h.paragraph.kind for h in hits} == {"footnote"}
        hits = searcher.search(query, k=10, mode=mode, symbols=[RES, "A/70/174"], kinds=["operative", "other"])
        assert hits and all(h.paragraph.symbol in (RES, "A/70/174") and h.paragraph.kind in ("operative", "other")
                            for h in hits)
    assert searcher.search(query, symbols=["A/NO/SUCH"]) == []


def test_fusions_rank_agreement_first():
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
    bm25 = [("b", 7.0), ("c", 6.0), ("d", 1.0)]
    assert rrf([dense, bm25], rrf_k=5)[0][0] == "b"
    assert weighted(dense, bm25, alpha=0.5)[0][0] == "b"


def test_retriever_returns_exact_paragraphs_with_citations(searcher):
    retriever = ParagraphRetriever(searcher=searcher, k=3)
    docs = retriever.invoke("Is a State responsible for an ICT attack launched from its territory?")
    assert len(docs) == 3
    for doc in docs:
        paragraph = searcher.corpus.get(doc.metadata["symbol"], doc.metadata["label"])
        assert doc.page_content == paragraph.text
        assert doc.metadata["citation"] == str(paragraph.citation)
        assert {"kind", "page", "score"} <= doc.metadata.keys()
    only = ParagraphRetriever(searcher=searcher, k=4, symbols=["A/70/174"]).invoke("international law")
    assert {d.metadata["symbol"] for d in only} == {"A/70/174"}
