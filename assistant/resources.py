"""The loaded things a process shares: corpus, searcher. Each is built once, on first use.

The CLI, the UI and the evals all go through here, so a model or index is never loaded twice.
Heavy imports happen inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from assistant.config import Settings, settings as default_settings

if TYPE_CHECKING:
    from corpus.store import Corpus
    from embeddings.hybrid import HybridSearcher
    from embeddings.index import IndexReport

_lock = threading.Lock()
_searchers: dict[tuple, "HybridSearcher"] = {}


def load(settings: Settings | None = None) -> "Corpus":
    """The corpus with the user's documents, from the parse cache when nothing changed."""
    from corpus.store import load_corpus

    s = settings or default_settings()
    return load_corpus(user_dir=s.user_docs_dir, cache_dir=s.data_dir / "cache")


def _index_location(s: Settings) -> dict:
    return {"path": None if s.chroma_host else s.index_dir, "host": s.chroma_host, "port": s.chroma_port,
            "collection": s.collection}


def searcher(settings: Settings | None = None, corpus: "Corpus | None" = None) -> "HybridSearcher":
    """The hybrid searcher for the corpus in force; the index is brought up to date on first use."""
    from embeddings.hybrid import HybridSearcher

    s = settings or default_settings()
    corpus = corpus or load(s)
    key = (str(s.data_dir), str(s.embedding_model), s.chroma_host, s.chroma_port, s.collection, corpus.version)
    with _lock:
        if key not in _searchers:
            encoder = next((x.encoder for x in _searchers.values()), None)  # the model loads once
            _searchers[key] = HybridSearcher.open(corpus, model_path=s.embedding_model, encoder=encoder,
                                                  **_index_location(s))
        return _searchers[key]


def sync_index(settings: Settings | None = None, rebuild: bool = False, progress=None) -> "IndexReport":
    """Build the index if missing, update it after ingestion; `rebuild` re-encodes everything.

    `progress(stage, done, total)` is passed to `embeddings.index.sync_index`.
    """
    from embeddings.index import make_client, sync_index as sync

    s = settings or default_settings()
    loc = _index_location(s)
    encoder = next((x.encoder for x in _searchers.values()), None)
    if encoder is None:
        from embeddings.encoder import Encoder

        encoder = Encoder(s.embedding_model)
    client = make_client(loc["path"], loc["host"], loc["port"])
    if rebuild:
        for c in client.list_collections():
            name = c.name if hasattr(c, "name") else str(c)
            if name.startswith(s.collection):
                client.delete_collection(name)
    return sync(load(s), encoder, client=client, collection=s.collection, progress=progress)
