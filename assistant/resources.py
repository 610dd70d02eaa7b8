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
    from embeddings.encoder import TextEncoder
    from embeddings.index import IndexReport

_lock = threading.Lock()
_searchers: dict[tuple, "HybridSearcher"] = {}
_encoders: dict[tuple, "TextEncoder"] = {}


def load(settings: Settings | None = None) -> "Corpus":
    """The corpus with the user's documents, from the parse cache when nothing changed."""
    from corpus.store import load_corpus

    s = settings or default_settings()
    return load_corpus(user_dir=s.user_docs_dir, cache_dir=s.cache_dir)


def _index_location(s: Settings) -> dict:
    # Each encoder its own collection: switching ASSISTANT_ENCODER never rebuilds another model's index.
    collection = s.collection if s.encoder == "minilm" else f"{s.collection}-{s.encoder}"
    return {"path": None if s.chroma_host else s.index_dir, "host": s.chroma_host, "port": s.chroma_port,
            "collection": collection}


def encoder(settings: Settings | None = None) -> "TextEncoder":
    """The retrieval encoder the settings name (loaded lazily, once per process)."""
    s = settings or default_settings()
    key = (s.encoder, str(s.embedding_model))
    with _lock:
        if key not in _encoders:
            from embeddings.encoder_factory import make_encoder

            if s.encoder == "nomic":  # a GGUF: llama.cpp's CPU backend must be chosen before it loads
                from assistant import cpu_backend

                cpu_backend.activate(s.cpu_variant, s.cpu_allow_amx)
            _encoders[key] = make_encoder(s.encoder, model_path=s.embedding_model)  # a folder only goes with minilm
        return _encoders[key]


def searcher(settings: Settings | None = None, corpus: "Corpus | None" = None) -> "HybridSearcher":
    """The hybrid searcher for the corpus in force; the index is brought up to date on first use."""
    from embeddings.hybrid import HybridSearcher

    s = settings or default_settings()
    corpus = corpus or load(s)
    key = (str(s.data_dir), s.encoder, str(s.embedding_model), s.chroma_host, s.chroma_port, s.collection,
           corpus.version)
    model = encoder(s)
    with _lock:
        if key not in _searchers:
            _searchers[key] = HybridSearcher.open(corpus, encoder=model, **_index_location(s))
        return _searchers[key]


def search_text(query: str, settings: Settings | None = None) -> str:
    """What a search for `query` looks for: with setting search_glossary, the query followed by the
    documents' words for its everyday phrases (corpus/vocabulary.py)."""
    from corpus.vocabulary import load_vocabulary

    return load_vocabulary().expand(query) if (settings or default_settings()).search_glossary else query


def sync_index(settings: Settings | None = None, rebuild: bool = False, progress=None) -> "IndexReport":
    """Build the index if missing, update it after ingestion; `rebuild` re-encodes everything.

    `progress(stage, done, total)` is passed to `embeddings.index.sync_index`.
    """
    from embeddings.index import make_client, sync_index as sync

    s = settings or default_settings()
    loc = _index_location(s)
    client = make_client(loc["path"], loc["host"], loc["port"])
    if rebuild:
        for c in client.list_collections():
            name = c.name if hasattr(c, "name") else str(c)
            if name.startswith(loc["collection"] + "."):
                client.delete_collection(name)
    return sync(load(s), encoder(s), client=client, collection=loc["collection"], progress=progress)
