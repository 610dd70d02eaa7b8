"""The same index in a real Chroma server (`chroma run`) answers like the embedded store."""

from __future__ import annotations

import pytest

from conftest import ChromaServer

from embeddings.hybrid import HybridSearcher
from embeddings.index import open_index, sync_index

QUERIES = [
    "attacks on critical infrastructure that provides services to the public",
    "Which human rights covenants does the privacy draft reaffirm?",
    "capacity-building for developing countries",
    "States must not use proxies to commit internationally wrongful acts",
]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """(host, port) of a `chroma run` server on a temporary folder; stopped afterwards."""
    data = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(data / "store", data / "chroma-server.log")
    server.start()
    yield server.host, server.port
    server.stop()


def test_server_index_answers_like_the_embedded_one(chroma_server, embedding_encoder, shipped_corpus,
                                                    embedded_searcher):
    host, port = chroma_server
    report = sync_index(shipped_corpus, embedding_encoder, host=host, port=port)
    assert report.added == report.chunks == embedded_searcher.index.count()
    again = sync_index(shipped_corpus, embedding_encoder, host=host, port=port)
    assert (again.added, again.updated, again.removed, again.reused) == (0, 0, 0, report.chunks)

    served = HybridSearcher(shipped_corpus, embedding_encoder, open_index(embedding_encoder, host=host, port=port))
    for query in QUERIES:
        for mode in ("dense", "hybrid"):
            remote = [h.paragraph.citation.key for h in served.search(query, k=5, mode=mode)]
            local = [h.paragraph.citation.key for h in embedded_searcher.search(query, k=5, mode=mode)]
            assert remote[:3] == local[:3], (query, mode)
            assert len(set(remote) & set(local)) >= 4, (query, mode)
