"""A plain LangChain RAG baseline on the same items, to compare the system with.

- documents: the raw texts in corpus/texts (the resolution's PDF extraction as it is, and each excerpt's
  body without its front matter), split by RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150);
- retrieval: dense only, the same embedding model (embeddings.encoder.Encoder), an in-memory
  langchain_chroma.Chroma on an ephemeral chromadb client, the k=4 nearest chunks (LangChain's default);
- generation: one "stuff" prompt (create_stuff_documents_chain; the usual LangChain RAG prompt) on the
  same chat model (assistant.llm.chat_model); a follow-up sees the earlier turns as chat messages, and
  its retrieval query is the earlier questions and the question together;
- citations: a baseline answer shows the chunks it stuffed as its sources, so every sentence cites all of
  them; the judge decides which of them support it (ALCE recall and precision as for the system);
- refusal: the answer says it does not know (REFUSAL below).

>>> baseline_documents()[0].metadata["source"]
'A/C.1/73/L.27/Rev.1'
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

CHUNK_SIZE, CHUNK_OVERLAP, K = 1000, 150, 4
SYSTEM = ("You are an assistant for question-answering tasks. Use the following pieces of retrieved context "
          "to answer the question. If you don't know the answer, just say that you don't know. "
          "Use three sentences maximum and keep the answer concise.\n\n{context}")
REFUSAL = re.compile(r"\b(?:don'?t|do not|does not|doesn'?t|cannot|can'?t)\s+(?:know|answer|provide|mention|say|specify|contain)"
                     r"|\bnot (?:mentioned|provided|specified|stated|addressed)\b|\bno (?:information|mention)\b", re.I)


def baseline_documents() -> list[Any]:
    """The raw texts as LangChain Documents (metadata: source symbol, file)."""
    from langchain_core.documents import Document

    from corpus.store import TEXTS

    docs = []
    for path in sorted(TEXTS.glob("*.txt")):
        docs.append(Document(page_content=path.read_text(encoding="utf-8"),
                             metadata={"source": path.stem.replace("_", "/"), "file": path.name}))
    for path in sorted((TEXTS / "excerpts").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        front, body = "", text
        if text.startswith("---"):
            _, front, body = text.split("---", 2)
        symbol = re.search(r"^symbol:\s*(.+)$", front, re.M)
        docs.append(Document(page_content=body.strip(), metadata={
            "source": symbol.group(1).strip() if symbol else path.stem, "file": path.name}))
    return docs


class Baseline:
    """Build once (splits and embeds the texts), then `ask(question, history)`."""

    def __init__(self, encoder: Any, llm: Any, k: int = K) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_classic.chains.combine_documents import create_stuff_documents_chain
        from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        self.chunks = splitter.split_documents(baseline_documents())
        for n, chunk in enumerate(self.chunks):
            chunk.metadata["chunk"] = f"{chunk.metadata['source']} chunk {n}"
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(collection_name=f"baseline-{uuid.uuid4().hex[:8]}", embedding_function=encoder, client=client)
        self.store.add_documents(self.chunks, ids=[c.metadata["chunk"] for c in self.chunks])
        self.retriever = self.store.as_retriever(search_kwargs={"k": k})
        prompt = ChatPromptTemplate.from_messages([("system", SYSTEM), MessagesPlaceholder("history"), ("human", "{input}")])
        self.chain = create_stuff_documents_chain(llm, prompt)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        from assistant.citations import split_sentences

        started = time.perf_counter()
        query = " ".join([*(q for q, _ in history), question])
        chunks = self.retriever.invoke(query)
        messages = [m for q, a in history for m in (("human", q), ("ai", a))]
        text = self.chain.invoke({"context": chunks, "input": question, "history": messages}).strip()
        keys = [c.metadata["chunk"] for c in chunks]
        refused = bool(REFUSAL.search(text))
        sentences = [] if refused else [{"text": s, "citations": keys} for s in split_sentences(text)]
        return {"answer": text, "route": "refusal" if refused else "answer", "refused": refused, "backend": "baseline",
                "standalone": query, "sentences": sentences, "cited": keys,
                "retrieved": [{"key": c.metadata["chunk"], "score": 0.0, "text": c.page_content} for c in chunks],
                "timings": {"total": round(time.perf_counter() - started, 3)}}


def ask_items(baseline: Baseline, items: Sequence[Mapping[str, Any]], label: str = "baseline",
              progress: bool = True, on_record: Any = None) -> list[dict[str, Any]]:
    records, started = [], time.perf_counter()
    for n, item in enumerate(items, start=1):
        t = time.perf_counter()
        history: list[tuple[str, str]] = []
        turns = []
        for question in item.get("history") or []:
            earlier = baseline.ask(question, history)
            history.append((question, earlier["answer"]))
            turns.append({"question": question, "answer": earlier["answer"]})
        record = baseline.ask(item["question"], history)
        records.append({"id": item["id"], "category": item["category"], "question": item["question"],
                        "history": turns, **record, "seconds": round(time.perf_counter() - t, 2)})
        if on_record:
            on_record(records)
        if progress and (n % 10 == 0 or n == len(items)):
            print(f"  {label} answered {n}/{len(items)} ({time.perf_counter() - started:.0f} s)", flush=True)
    return records
