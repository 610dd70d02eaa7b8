"""Costs that must not grow with the corpus: an incremental sync encodes and writes only what is new; a BM25
query turns only its top k into Python objects (benchmarks/bench_scale.py measures the rest)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from embeddings.chunks import corpus_chunks
from embeddings.encoder import Encoder
from embeddings.index import active_generation, make_client, sync_index

ROOT = Path(__file__).resolve().parent.parent


def _bench_scale():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks" / "bench_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CountingStandIn(Encoder):
    """The real tokenizer (so chunking is the real one) with cheap stand-in vectors.

    Stand-in vectors, not the model's: encoding 10,100 chunks with the real model takes several
    minutes on this shared 2-core machine, and what is asserted here, which texts are sent to the
    encoder, does not depend on the vectors. Every text encoded is recorded.
    """

    def __init__(self) -> None:
        super().__init__()
        self.dimension = 16
        self.model_id = "stand-in-16d"
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += list(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.uint8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), 16) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_an_incremental_sync_at_10000_paragraphs_encodes_only_the_new_paragraphs(tmp_path):
    bench = _bench_scale()
    sentences = bench._sentences()
    corpus = bench.synthetic_corpus(10_000, sentences)
    grown = bench.synthetic_corpus(10_100, sentences)  # 1% more: documents A/SYN/101 (new)
    assert len({p.text for p in grown.paragraphs()}) == 10_100  # varied, not duplicates
    encoder = CountingStandIn()
    client = make_client(tmp_path / "chroma")

    first = sync_index(corpus, encoder, client=client, batch_size=512)
    assert first.encoded == first.chunks == len(encoder.encoded) and first.chunks >= 10_000

    sample = sorted(c.id for c in corpus_chunks(corpus, encoder.token_spans, encoder.max_tokens))[::500]
    vectors_before = active_generation(client).get(ids=sample, include=["embeddings"])["embeddings"]
    encoder.encoded.clear()
    report = sync_index(grown, encoder, client=client, batch_size=512)
    new_texts = [c.text for c in corpus_chunks(grown, encoder.token_spans, encoder.max_tokens)
                 if c.paragraph.symbol == "A/SYN/101"]
    assert len(new_texts) >= 100
    assert sorted(encoder.encoded) == sorted(new_texts)  # exactly the new paragraphs' chunks, once each
    assert (report.added, report.updated, report.removed) == (len(new_texts), 0, 0)
    assert report.encoded == len(new_texts) and report.reused == first.chunks
    active = active_generation(client)
    assert active.count() == first.chunks + len(new_texts)
    assert report.collection == first.collection  # in place: nothing copied into a new generation
    assert np.array_equal(active.get(ids=sample, include=["embeddings"])["embeddings"], vectors_before)

    encoder.encoded.clear()
    unchanged = sync_index(grown, encoder, client=client)
    assert encoder.encoded == [] and not unchanged.changed and unchanged.collection == report.collection


@pytest.mark.parametrize("k, allowed", [(None, None), (3, None), (5, "odd")])
def test_bm25_search_gives_what_a_full_sort_gives(k, allowed):
    from embeddings.bm25 import BM25Index
    from embeddings.chunks import Chunk
    from corpus.records import Paragraph

    texts = ["critical infrastructure", "critical infrastructure", "infrastructure of ports", "nothing here",
             "critical critical infrastructure", "ports", "critical infrastructure protection", "none"]
    chunks = [Chunk(Paragraph("A/T/1", str(i), "operative", t, i), 0, 1, t) for i, t in enumerate(texts)]
    index = BM25Index(chunks)
    mask = [i % 2 == 1 for i in range(len(texts))] if allowed else None
    query = "critical infrastructure ports"
    scores = index.scores(query)
    if mask is not None:
        scores = np.where(np.asarray(mask), scores, 0.0)
    order = np.argsort(-scores, kind="stable")  # the reference: every chunk sorted, ties in chunk order
    expected = [(int(i), float(scores[i])) for i in order if scores[i] > 0]
    expected = expected[:k] if k else expected
    assert index.search(query, k=k, allowed=mask) == expected
    assert expected and all(score > 0 for _, score in expected)
    ranked = [i for i, _ in index.search("critical infrastructure")]
    assert ranked.index(0) < ranked.index(1)  # the same text twice: a tie keeps chunk order
