"""Hybrid search: dense (Chroma) and BM25 rankings fused into per-paragraph hits.

Both retrievers rank chunks; a paragraph's score in each is the best of its pieces. Two fusions:
- `weighted` (default): alpha * dense + (1 - alpha) * BM25, each min-max normalized over its
  candidates (a paragraph missing from one list scores 0 there);
- `rrf`: reciprocal rank fusion, sum over lists of weight / (rrf_k + rank).

>>> searcher = HybridSearcher.open(corpus, path=Path("data/chroma"))             # doctest: +SKIP
>>> [h.citation for h in searcher.search("attacks on critical infrastructure", k=2)]  # doctest: +SKIP
['[A/C.1/73/L.27/Rev.1 ¶1.6]', ...]
>>> searcher.search("capacity-building", symbols=["A/AC.290/2021/CRP.2"], kinds=["other"])  # doctest: +SKIP

Why `weighted`, alpha 0.5: measured on evals/data/retrieval.jsonl (89 questions, `python -m evals
retrieval`), all on the same index:

    fusion             R@1   R@3   R@5   R@10  MRR   nDCG@10
    dense only         .436  .635  .740  .852  .596  .656
    BM25 only          .530  .815  .860  .933  .714  .765
    weighted a=0.4     .637  .882  .899  .955  .799  .831
    weighted a=0.5     .659  .860  .927  .955  .814  .842   <- default
    weighted a=0.6     .603  .848  .888  .959  .778  .817
    rrf k=5            .571  .848  .919  .970  .753  .803
    rrf k=60           .543  .826  .854  .955  .730  .779

RRF uses ranks only; here the two lists disagree often (dense MiniLM is weak on these paraphrased
questions, BM25 strong on rare terms such as "58/199" or "footnote"), and the score margins carry
the information RRF throws away: weighted fusion wins R@1 and MRR at every alpha in 0.4-0.6, RRF
only R@10. Tuning was on the whole set; split-half cross-validation (5 random splits x 2 folds,
choosing among alpha 0.3-0.7 and rrf_k 1-60 on one half) picked weighted 0.5 in all 10 folds, with
held-out R@5 0.88-0.98 and MRR 0.77-0.86. If fusion="rrf" is chosen, rrf_k=5 is its best setting
(the usual 60 flattens ranks over ~140 chunks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from corpus.records import Paragraph
from corpus.store import Corpus
from embeddings.bm25 import BM25Index
from embeddings.chunks import Chunk, corpus_chunks
from embeddings.encoder import Encoder
from embeddings.index import DEFAULT_COLLECTION, ChromaIndex, make_client, open_index, sync_index

if TYPE_CHECKING:
    import numpy as np

Mode = Literal["hybrid", "dense", "bm25"]
Fusion = Literal["rrf", "weighted"]

FUSION_DEFAULT: Fusion = "weighted"
RRF_K = 5  # best of 3..60 here: with ~140 chunks, the usual 60 flattens the ranks too much
DENSE_WEIGHT = 1.0  # RRF weight of the dense list (BM25 weighs 1)
ALPHA = 0.5  # weighted fusion: share of the dense score
DEPTH = 100  # chunks taken from each retriever before fusing


@dataclass(frozen=True)
class Hit:
    """One paragraph found, with the exact corpus text, its score and its rank in each list."""

    paragraph: Paragraph
    score: float
    dense_rank: int | None  # 1-based; None when the dense list did not contain it
    bm25_rank: int | None

    @property
    def citation(self) -> str:
        return str(self.paragraph.citation)


Ranking = list[tuple[str, float]]  # (citation key "symbol ¶label", score), best first


def best_per_paragraph(scored: Iterable[tuple[str, float]]) -> Ranking:
    """Collapse chunk scores to paragraph scores (max over pieces), best first."""
    best: dict[str, float] = {}
    for key, score in scored:
        if key not in best or score > best[key]:
            best[key] = score
    return sorted(best.items(), key=lambda item: -item[1])


def rrf(rankings: Sequence[Ranking], rrf_k: float = RRF_K, weights: Sequence[float] | None = None) -> Ranking:
    """Reciprocal rank fusion of several rankings."""
    fused: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        weight = weights[i] if weights else 1.0
        for rank, (key, _) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (rrf_k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def _minmax(ranking: Ranking) -> dict[str, float]:
    if not ranking:
        return {}
    top, bottom = ranking[0][1], ranking[-1][1]
    span = (top - bottom) or 1.0
    return {key: (score - bottom) / span for key, score in ranking}


def weighted(dense: Ranking, bm25: Ranking, alpha: float = ALPHA) -> Ranking:
    """alpha * normalized dense + (1 - alpha) * normalized BM25 (a missing score counts 0)."""
    d, b = _minmax(dense), _minmax(bm25)
    fused = {key: alpha * d.get(key, 0.0) + (1 - alpha) * b.get(key, 0.0) for key in d.keys() | b.keys()}
    return sorted(fused.items(), key=lambda item: -item[1])


@dataclass(frozen=True)
class _Codes:
    """One column of chunk attributes as integer codes, for masks in numpy."""

    codes: "np.ndarray"
    values: dict[str, int]

    def mask(self, wanted: set[str] | None) -> "np.ndarray":
        import numpy as np

        if wanted is None:
            return np.ones(len(self.codes), dtype=bool)
        return np.isin(self.codes, [self.values[v] for v in wanted if v in self.values])


def _codes(column: list[str]) -> _Codes:
    import numpy as np

    values: dict[str, int] = {}
    return _Codes(np.fromiter((values.setdefault(v, len(values)) for v in column), dtype=np.int32,
                              count=len(column)), values)


class HybridSearcher:
    """Dense + BM25 search over one corpus; build once (the model loads once), search many times."""

    def __init__(self, corpus: Corpus, encoder: Encoder, index: ChromaIndex, fusion: Fusion = FUSION_DEFAULT,
                 rrf_k: float = RRF_K, dense_weight: float = DENSE_WEIGHT, alpha: float = ALPHA,
                 depth: int = DEPTH, chunks: Sequence[Chunk] | None = None) -> None:
        self.corpus = corpus
        self.encoder = encoder
        self.index = index
        self.fusion = fusion
        self.rrf_k, self.dense_weight, self.alpha, self.depth = rrf_k, dense_weight, alpha, depth
        self.chunks: list[Chunk] = (list(chunks) if chunks is not None
                                    else corpus_chunks(corpus, encoder.token_spans, encoder.max_tokens))
        self.bm25 = BM25Index(self.chunks)
        # A dense hit counts only if its vector is of the corpus's text: during or after an
        # interrupted sync the index may hold other chunks, and they must not rank (nor normalise).
        self._hashes = {c.id: c.content_hash for c in self.chunks}
        self._chunk_symbols = _codes([c.paragraph.symbol for c in self.chunks])
        self._chunk_kinds = _codes([c.paragraph.kind for c in self.chunks])

    @classmethod
    def open(cls, corpus: Corpus, model_path: Path | str | None = None, path: Path | str | None = None,
             host: str | None = None, port: int = 8000, collection: str = DEFAULT_COLLECTION,
             sync: bool = True, encoder: Encoder | None = None, **options: Any) -> "HybridSearcher":
        """Load the model, bring the index up to date with `corpus` (unless sync=False), open it."""
        encoder = encoder or Encoder(model_path)
        client = make_client(path, host, port)
        chunks = corpus_chunks(corpus, encoder.token_spans, encoder.max_tokens)  # once: 22 s at 100,000 paragraphs
        if sync:
            sync_index(corpus, encoder, client=client, collection=collection, chunks=chunks)
        encoder.model  # load now, not on the first query
        return cls(corpus, encoder, open_index(encoder, client=client, collection=collection), chunks=chunks,
                   **options)

    # -- the two rankings -----------------------------------------------------------------------

    def _symbols(self, symbols: Iterable[str] | None) -> set[str] | None:
        if symbols is None:
            return None
        if isinstance(symbols, str):
            symbols = [symbols]
        return {(self.corpus.document(s).symbol if self.corpus.document(s) else s) for s in symbols}

    def dense_ranking(self, query: str, symbols: set[str] | None = None, kinds: set[str] | None = None) -> Ranking:
        clauses = []
        if symbols is not None:
            clauses.append({"symbol": {"$in": sorted(symbols)}})
        if kinds is not None:
            clauses.append({"kind": {"$in": sorted(kinds)}})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses} if clauses else None
        found = self.index.search(query, k=self.depth, where=where)
        return best_per_paragraph((f"{m['symbol']} ¶{m['label']}", score) for m, score in found
                                  if self._hashes.get(m["id"]) == m.get("content_hash"))

    def bm25_ranking(self, query: str, symbols: set[str] | None = None, kinds: set[str] | None = None) -> Ranking:
        allowed = None  # a mask over chunks, computed on codes: no Python loop over the corpus per query
        if symbols is not None or kinds is not None:
            allowed = self._chunk_symbols.mask(symbols) & self._chunk_kinds.mask(kinds)
        found = self.bm25.search(query, k=self.depth, allowed=allowed)
        return best_per_paragraph((self.chunks[i].key, score) for i, score in found)

    # -- fused ----------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, mode: Mode = "hybrid", symbols: Iterable[str] | None = None,
               kinds: Iterable[str] | None = None) -> list[Hit]:
        """The k best paragraphs for `query`, optionally only in `symbols` and of `kinds`."""
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"mode must be hybrid, dense or bm25, not {mode!r}")
        symbol_set = self._symbols(symbols)
        kind_set = set([kinds] if isinstance(kinds, str) else kinds) if kinds is not None else None
        if symbol_set == set() or kind_set == set():
            return []
        dense = self.dense_ranking(query, symbol_set, kind_set) if mode != "bm25" else []
        bm25 = self.bm25_ranking(query, symbol_set, kind_set) if mode != "dense" else []
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = bm25
        elif self.fusion == "rrf":
            fused = rrf([dense, bm25], self.rrf_k, [self.dense_weight, 1.0])
        else:
            fused = weighted(dense, bm25, self.alpha)
        dense_rank = {key: rank for rank, (key, _) in enumerate(dense, start=1)}
        bm25_rank = {key: rank for rank, (key, _) in enumerate(bm25, start=1)}
        hits: list[Hit] = []
        for key, score in fused:
            symbol, _, label = key.partition(" ¶")
            paragraph = self.corpus.get(symbol, label)
            if paragraph is None:  # indexed from an older corpus; never cite what is not there
                continue
            hits.append(Hit(paragraph, float(score), dense_rank.get(key), bm25_rank.get(key)))
            if len(hits) == k:
                break
        return hits
