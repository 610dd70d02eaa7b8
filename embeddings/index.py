"""The dense index: paragraph chunks in Chroma (through langchain-chroma), synced incrementally.

Layout, for a base name such as "paragraphs":
- `paragraphs.active`: an empty pointer collection whose metadata names the active generation and
  the model and corpus version that built it. Switching it is one metadata write, atomic in the
  embedded store and in server mode alike.
- `paragraphs.v<n>-<rand>`: generations holding the vectors. Their own metadata also records
  `model_id`, `dimension` and `corpus_version`.

`sync_index` compares the corpus's chunks with the active generation by id and content hash. If
nothing changed it writes nothing. A change is applied in place, so its cost is that of the change, not
of the corpus (benchmarks/bench_scale.py): new and changed chunks are encoded and upserted (vector,
text and metadata in one write), moved ones get their new metadata, removed ones are deleted, and the
corpus version is written last. A run killed half-way leaves chunks each either old or new; searches
stay right meanwhile because `HybridSearcher` uses a vector only when its content hash is the
corpus's (the text cited always comes from the corpus), and the next run finishes the change.
A first build, or a rebuild for another model (different `model_id`: never mixed), fills a fresh
generation and then switches the pointer, so a killed rebuild leaves the previous index answering;
the next run deletes the abandoned generation. One writer at a time is assumed.

>>> from embeddings.index import sync_index, open_index
>>> report = sync_index(corpus, encoder, path=Path("data/chroma"))       # doctest: +SKIP
>>> report.added, report.reused                                          # doctest: +SKIP
(137, 0)
>>> index = open_index(encoder, path=Path("data/chroma"))                # doctest: +SKIP
>>> index.search("critical infrastructure", k=3)[0][0]["label"]         # doctest: +SKIP
'1.6'
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from corpus.store import Corpus
from embeddings.chunks import Chunk, corpus_chunks
from embeddings.encoder import Encoder

log = logging.getLogger(__name__)

DEFAULT_COLLECTION = "paragraphs"
POINTER_SUFFIX = ".active"
GENERATION_INFIX = ".v"
Progress = Callable[[str, int, int], None]  # (stage, done, total): "encode" as chunks are written
STORED_PAGE = 5_000  # ids and metadata read per call when comparing with the corpus: bounded replies


class IndexUnavailable(RuntimeError):
    """The index folder cannot be created, read or replaced (read-only, full, not a folder), or the
    Chroma server does not answer (searches resume by themselves once it is back)."""


class IndexMissing(LookupError):
    """No complete index exists yet under that name: run `sync_index` first."""


@dataclass(frozen=True)
class IndexReport:
    """What a sync did, counted in chunks.

    `added`: new ids; `updated`: ids whose text changed (re-encoded) or only whose metadata did
    (a paragraph moved: vector kept); `removed`: ids gone; `reused`: vectors kept without encoding;
    `encoded`: vectors computed; `chunks`: chunks in the index afterwards.
    """

    added: int
    updated: int
    removed: int
    reused: int
    encoded: int
    chunks: int
    rebuilt: bool  # True when the previous index was built by another model
    collection: str  # the active generation afterwards
    model_id: str
    corpus_version: str
    seconds: float

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)


def _unanswered(error: BaseException) -> BaseException | None:
    """The transport failure (refused, reset, cut off) behind `error`, if that is what it is.

    chromadb raises httpx's errors as they come, or wraps them (a ValueError at connection time).
    """
    try:
        import httpx
    except ImportError:  # no HTTP client installed: no server either
        return None
    seen: BaseException | None = error
    for _ in range(8):  # the __cause__/__context__ chain, bounded
        if seen is None:
            return None
        if isinstance(seen, httpx.TransportError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@contextmanager
def _answering(server: str | None) -> Iterator[None]:
    """A Chroma server at `server` ("host:port") that does not answer becomes one IndexUnavailable."""
    try:
        yield
    except IndexUnavailable:
        raise
    except Exception as error:
        failure = _unanswered(error) if server else None
        if failure is None:
            raise
        raise IndexUnavailable(f"the Chroma server at {server} does not answer ({type(failure).__name__}: "
                               f"{failure}); searches resume by themselves once it runs again") from None


def make_client(path: Path | str | None = None, host: str | None = None, port: int = 8000) -> Any:
    """A Chroma client: `HttpClient(host, port)` when a host is given, else `PersistentClient(path)`.

    A server that does not answer raises IndexUnavailable.
    """
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if host:
        with _answering(f"{host}:{port}"):
            return chromadb.HttpClient(host=host, port=port, settings=settings)
    if path is None:
        raise ValueError("give an index folder (path) or a Chroma server (host)")
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IndexUnavailable(f"cannot create the index folder {path}: {error.strerror or error}") from None
    try:
        client = chromadb.PersistentClient(path=str(path), settings=settings)
        client.list_collections()  # reads the store: a file that is not Chroma's database fails here
        return client
    except Exception as error:  # noqa: BLE001 - chromadb raises many kinds for a store it cannot read
        # A corrupt store, or one written by another Chroma version, is moved aside (kept, not deleted:
        # the safe side if the error was something else) and the index is rebuilt from the corpus.
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        aside = path.with_name(f"{path.name}.unreadable-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
        try:
            path.rename(aside)
            path.mkdir()
        except OSError as move_error:
            raise IndexUnavailable(f"the index in {path} cannot be read ({type(error).__name__}: {error}) "
                                   f"and cannot be moved aside: {move_error.strerror or move_error}") from None
        log.warning("the index in %s could not be read (%s: %s); moved to %s, rebuilding it from the corpus",
                    path, type(error).__name__, str(error)[:200], aside)
        return chromadb.PersistentClient(path=str(path), settings=settings)


def server_of(client: Any) -> str | None:
    """"host:port" of the client's Chroma server, or None for the embedded store (asks the server nothing)."""
    settings = client.get_settings()
    return f"{settings.chroma_server_host}:{settings.chroma_server_http_port}" if settings.chroma_server_host else None


def _pointer(client: Any, name: str) -> Any:
    return client.get_or_create_collection(name + POINTER_SUFFIX, embedding_function=None)


def active_generation(client: Any, name: str = DEFAULT_COLLECTION) -> Any | None:
    """The active generation's chromadb collection, or None (read fresh: metadata is not cached)."""
    target = (_pointer(client, name).metadata or {}).get("active")
    if not target:
        return None
    try:
        return client.get_collection(target, embedding_function=None)
    except Exception:  # the pointer names a collection that is gone: treat the index as missing
        return None


def _store(client: Any, encoder: Encoder, collection: str, metadata: dict | None = None) -> Any:
    from langchain_chroma import Chroma

    return Chroma(collection_name=collection, embedding_function=encoder, client=client,
                  collection_metadata=metadata, collection_configuration={"hnsw": {"space": "cosine"}})


class ChromaIndex:
    """The active generation, opened for dense search. Build with `open_index`.

    In server mode a server that does not answer raises IndexUnavailable; the client reconnects by
    itself, so once the server runs again (same data, same port) searches give the same hits.
    """

    def __init__(self, client: Any, encoder: Encoder, name: str = DEFAULT_COLLECTION) -> None:
        self.server = server_of(client)
        with _answering(self.server):
            active = active_generation(client, name)
            if active is None:
                raise IndexMissing(f"no index named {name!r} yet: run sync_index (or `make index`) first")
            self.client = client
            self.encoder = encoder
            self.name = name
            self.collection: str = active.name
            self.metadata: dict[str, Any] = dict(active.metadata or {})
            if self.metadata.get("model_id") != encoder.model_id:
                raise ValueError(f"index {self.collection} was built by {self.metadata.get('model_id')}, "
                                 f"not {encoder.model_id}: run sync_index to rebuild it")
            self.store = _store(client, encoder, self.collection)
            self._count = client.get_collection(self.collection, embedding_function=None).count()

    def count(self) -> int:
        return self._count

    def refresh(self) -> bool:
        """Follow the pointer if another sync switched it; True when a new generation was opened."""
        with _answering(self.server):
            active = active_generation(self.client, self.name)
        if active is None or active.name == self.collection:
            return False
        self.__init__(self.client, self.encoder, self.name)  # type: ignore[misc]
        return True

    def search(self, query: str | Sequence[float], k: int = 10,
               where: dict[str, Any] | None = None) -> list[tuple[dict[str, Any], float]]:
        """(chunk metadata + "id" + "document", cosine similarity) of the k nearest chunks."""
        vector = self.encoder.embed_query(query) if isinstance(query, str) else [float(x) for x in query]
        with _answering(self.server):
            try:
                found = self._query(vector, k, where)
            except Exception as error:
                # A server that does not answer is not a replaced generation: refresh would fail alike.
                if _unanswered(error) or not self.refresh():  # replaced by a sync since it was opened?
                    raise
                found = self._query(vector, k, where)
        return [({**doc.metadata, "id": doc.id, "document": doc.page_content}, 1.0 - distance)
                for doc, distance in found]

    def _query(self, vector: list[float], k: int, where: dict[str, Any] | None) -> list:
        k = max(1, min(k, self._count or 1))
        return self.store.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=where)


def open_index(encoder: Encoder, path: Path | str | None = None, host: str | None = None,
               port: int = 8000, collection: str = DEFAULT_COLLECTION, client: Any = None) -> ChromaIndex:
    """The active index for searching; raises IndexMissing when none was built."""
    return ChromaIndex(client or make_client(path, host, port), encoder, collection)


def _generations(client: Any, name: str) -> list[str]:
    prefix = name + GENERATION_INFIX
    return [c.name if hasattr(c, "name") else str(c) for c in client.list_collections()
            if (c.name if hasattr(c, "name") else str(c)).startswith(prefix)]


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _stored_metadata(collection: Any) -> dict[str, dict]:
    """id -> metadata of every chunk in `collection`, read a page at a time."""
    stored: dict[str, dict] = {}
    while True:
        got = collection.get(include=["metadatas"], limit=STORED_PAGE, offset=len(stored))
        stored.update((i, m or {}) for i, m in zip(got["ids"], got["metadatas"]))
        if len(got["ids"]) < STORED_PAGE:
            return stored


def sync_index(corpus: Corpus, encoder: Encoder, path: Path | str | None = None, host: str | None = None,
               port: int = 8000, collection: str = DEFAULT_COLLECTION, client: Any = None,
               batch_size: int = 64, progress: Progress | None = None,
               chunks: Sequence[Chunk] | None = None) -> IndexReport:
    """Bring the index up to date with `corpus` (see the module docstring); safe to re-run.
    `chunks`: the corpus's chunks for this encoder, when the caller has them already."""
    started = time.perf_counter()
    client = client or make_client(path, host, port)
    chunks = list(chunks) if chunks is not None else corpus_chunks(corpus, encoder.token_spans, encoder.max_tokens)
    # A server that goes away mid-way is one IndexUnavailable; the active generation is left as it was.
    with _answering(server_of(client)):
        return _sync(corpus, encoder, client, collection, chunks, batch_size, progress, started)


def _sync(corpus: Corpus, encoder: Encoder, client: Any, collection: str, chunks: list[Chunk], batch_size: int,
          progress: Progress | None, started: float) -> IndexReport:
    wanted: dict[str, Chunk] = {c.id: c for c in chunks}
    pointer = _pointer(client, collection)
    active = active_generation(client, collection)
    rebuilt = active is not None and (active.metadata or {}).get("model_id") != encoder.model_id
    stored = _stored_metadata(active) if active is not None and not rebuilt else {}

    same_hash = {i for i, c in wanted.items() if stored.get(i, {}).get("content_hash") == c.content_hash}
    added = [i for i in wanted if i not in stored]
    updated = [i for i in wanted if i in stored and i not in same_hash]
    removed = [i for i in stored if i not in wanted]
    relabelled = [i for i in same_hash if stored[i] != wanted[i].metadata]  # moved/paged, same text
    fresh = sorted(added + updated, key=lambda i: len(wanted[i].text))  # similar lengths pad less
    meta = {"model_id": encoder.model_id, "dimension": encoder.dimension,
            "corpus_version": corpus.version, "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    def report(name: str) -> IndexReport:
        return IndexReport(len(added), len(updated) + len(relabelled), len(removed), len(same_hash), len(fresh),
                           len(chunks), rebuilt, name, encoder.model_id, corpus.version,
                           time.perf_counter() - started)

    def encode_into(store: Any) -> None:
        for done, batch in enumerate(_batches(fresh, batch_size), start=1):
            store.add_texts([wanted[i].text for i in batch], [wanted[i].metadata for i in batch], ids=batch)
            if progress:
                progress("encode", min(done * batch_size, len(fresh)), len(fresh))

    for stray in _generations(client, collection):  # left behind by a killed rebuild
        if active is None or stray != active.name:
            client.delete_collection(stray)

    if active is not None and not rebuilt:  # in place: touch only what changed
        encode_into(_store(client, encoder, active.name))  # upserts: an id's old vector is replaced
        for batch in _batches(relabelled, batch_size):
            active.update(ids=batch, metadatas=[wanted[i].metadata for i in batch])
        for batch in _batches(removed, batch_size):
            active.delete(ids=batch)
        if (active.metadata or {}).get("corpus_version") != corpus.version:  # last: the change is complete
            active.modify(metadata={**(active.metadata or {}), "corpus_version": corpus.version})
            pointer.modify(metadata={**(pointer.metadata or {}), "corpus_version": corpus.version})
        return report(active.name)

    generation = int((pointer.metadata or {}).get("generation", 0)) + 1
    name = f"{collection}{GENERATION_INFIX}{generation}-{uuid.uuid4().hex[:6]}"
    try:
        encode_into(_store(client, encoder, name, meta))
        count = client.get_collection(name, embedding_function=None).count()
        if count != len(wanted):
            raise RuntimeError(f"{name}: holds {count} chunks, expected {len(wanted)}")
    except BaseException:  # the active index is untouched; drop the partial generation if possible
        try:
            client.delete_collection(name)
        except Exception:
            pass  # the next sync deletes it, as after a SIGKILL
        raise
    pointer.modify(metadata={**meta, "active": name, "generation": generation})  # the atomic switch
    if active is not None:
        client.delete_collection(active.name)
    return report(name)


def ensure_index(corpus: Corpus, model_path: Path | str | None = None, path: Path | str | None = None,
                 host: str | None = None, port: int = 8000, collection: str = DEFAULT_COLLECTION,
                 encoder: Encoder | None = None) -> IndexReport:
    """Build the index if it is missing, bring it up to date otherwise (cheap when nothing changed).

    This is what `make run` calls before serving: plain arguments, so the assistant passes its
    settings (`index_dir`, `chroma_host`, `chroma_port`, `collection`, `embedding_model`).
    """
    return sync_index(corpus, encoder or Encoder(model_path), path=path, host=host, port=port,
                      collection=collection)
