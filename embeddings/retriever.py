"""A LangChain retriever over `HybridSearcher`: one Document per paragraph, exact text, citable.

>>> from embeddings.retriever import ParagraphRetriever
>>> retriever = ParagraphRetriever(searcher=searcher, k=6)              # doctest: +SKIP
>>> doc = retriever.invoke("attacks on critical infrastructure")[0]     # doctest: +SKIP
>>> doc.metadata["citation"], doc.page_content[:30]                      # doctest: +SKIP
('[A/C.1/73/L.27/Rev.1 ¶1.6]', 'A State should not conduct or k')
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from embeddings.hybrid import Hit, HybridSearcher, Mode


def hit_to_document(hit: Hit) -> Document:
    """page_content = the paragraph's exact text; metadata = where it is and how it scored."""
    p = hit.paragraph
    return Document(
        page_content=p.text,
        id=p.citation.key,
        metadata={"symbol": p.symbol, "label": p.label, "kind": p.kind, "page": p.page,
                  "score": hit.score, "citation": str(p.citation), "dense_rank": hit.dense_rank,
                  "bm25_rank": hit.bm25_rank},
    )


class ParagraphRetriever(BaseRetriever):
    """`invoke(question)` -> the k best paragraphs as Documents (filters: symbols, kinds)."""

    searcher: Any  # HybridSearcher (typed Any so pydantic does not try to validate it)
    k: int = 6
    mode: Mode = "hybrid"
    symbols: list[str] | None = None
    kinds: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        searcher: HybridSearcher = self.searcher
        hits = searcher.search(query, k=self.k, mode=self.mode, symbols=self.symbols, kinds=self.kinds)
        return [hit_to_document(hit) for hit in hits]
