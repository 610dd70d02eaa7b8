"""The corpus: the shipped texts plus the documents a user ingested, parsed and cached.

Shipped texts live in corpus/texts (the resolution's raw PDF extraction and the curated excerpts).
User documents live in `<data_dir>/documents/*.json`, one file each, written atomically. A user
document with the same symbol as a shipped one replaces it (a full text replaces an excerpt).
Parsing needs the English word list (about 1.5 s to load), so the parsed corpus is cached as JSON
keyed by a hash of every source text and the parser's own source.

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> corpus.get("A/C.1/73/L.27/Rev.1", "1.6").kind
'operative'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.records import RESOLUTION, Citation, Document, DocumentInfo, Paragraph, RegistryEntry

TEXTS = Path(__file__).resolve().parent / "texts"
PARSER_FILES = ("parse.py", "clean.py", "refs.py", "records.py")


@dataclass
class Corpus:
    documents: dict[str, Document]
    version: str
    _registry: list[RegistryEntry] | None = field(default=None, repr=False)

    def paragraphs(self) -> list[Paragraph]:
        return [p for doc in self.documents.values() for p in doc.paragraphs]

    def document(self, symbol: str) -> Document | None:
        return self.documents.get(symbol) or next(
            (d for s, d in self.documents.items() if s.lower() == symbol.lower()), None)

    def get(self, symbol: str, label: str) -> Paragraph | None:
        doc = self.document(symbol)
        return doc.get(label) if doc else None

    def cite(self, citation: Citation) -> Paragraph | None:
        return self.get(citation.symbol, citation.label)

    def registry(self) -> list[RegistryEntry]:
        if self._registry is None:
            from corpus.registry import build_registry

            self._registry = build_registry(self)
        return self._registry

    @property
    def resolution(self) -> Document:
        return self.documents[RESOLUTION]


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sources(user_dir: Path | None) -> list[tuple[str, str]]:
    """(name, text) of every source, shipped first so user documents override them."""
    sources = [("pdf-text:" + p.name, p.read_text(encoding="utf-8")) for p in sorted(TEXTS.glob("*.txt"))]
    sources += [("excerpt:" + p.name, p.read_text(encoding="utf-8")) for p in sorted((TEXTS / "excerpts").glob("*.txt"))]
    if user_dir and user_dir.is_dir():
        sources += [("user:" + p.name, p.read_text(encoding="utf-8")) for p in sorted(user_dir.glob("*.json"))]
    return sources


def parse_source(name: str, text: str) -> Document:
    from corpus.parse import parse_excerpt, parse_pdf_text

    if name.startswith("excerpt:"):
        return parse_excerpt(text)
    if name.startswith("user:"):
        stored = json.loads(text)
        if stored.get("format") == "excerpt":
            return parse_excerpt(stored["text"])
        return parse_pdf_text(stored["text"], symbol=stored.get("symbol"))
    return parse_pdf_text(text)


def _to_json(doc: Document) -> dict:
    return {"info": asdict(doc.info), "paragraphs": [asdict(p) for p in doc.paragraphs]}


def _from_json(data: dict) -> Document:
    paragraphs = tuple(
        Paragraph(**{**p, "refs": tuple(p["refs"]), "footnotes": tuple(p["footnotes"])})
        for p in data["paragraphs"]
    )
    return Document(DocumentInfo(**data["info"]), paragraphs)


def load_corpus(user_dir: Path | None = None, cache_dir: Path | None = None) -> Corpus:
    """Every document, parsed; from the cache in `cache_dir` when no source changed."""
    sources = _sources(user_dir)
    digest = hashlib.sha256()
    for name in PARSER_FILES:
        digest.update((Path(__file__).parent / name).read_bytes())
    for name, text in sources:
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    version = digest.hexdigest()[:16]

    cache = cache_dir / f"corpus-{version}.json" if cache_dir else None
    if cache and cache.is_file():
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            docs = [_from_json(d) for d in data]
            return Corpus({d.symbol: d for d in docs}, version)
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt below
    documents: dict[str, Document] = {}
    for name, text in sources:
        doc = parse_source(name, text)
        documents[doc.symbol] = doc
    if cache:
        for old in cache_dir.glob("corpus-*.json"):
            old.unlink(missing_ok=True)
        _atomic_write(cache, json.dumps([_to_json(d) for d in documents.values()], ensure_ascii=False))
    return Corpus(documents, version)


def user_file(user_dir: Path, symbol: str) -> Path:
    return user_dir / (re.sub(r"[^A-Za-z0-9.]+", "_", symbol).strip("_") + ".json")


def save_user_document(user_dir: Path, doc: Document, text: str, fmt: str, source: str,
                       digest: str | None = None) -> Path:
    """Store an ingested document's text so it is parsed with the rest (atomic write).

    `digest` (sha256 of the source file) lets a re-run recognise the same file without parsing it.
    """
    path = user_file(user_dir, doc.symbol)
    payload = {"symbol": doc.symbol, "format": fmt, "source": source, "text": text}
    if digest:
        payload["sha256"] = digest
    _atomic_write(path, json.dumps(payload, ensure_ascii=False, indent=1))
    return path


def remove_user_document(user_dir: Path, symbol: str) -> bool:
    path = user_file(user_dir, symbol)
    if path.is_file():
        path.unlink()
        return True
    return False
