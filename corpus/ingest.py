"""Add a user's document (PDF or text) to the corpus, or refuse it with a clear reason.

Nothing is written unless the document parsed into paragraphs, and the write is atomic, so a bad
file or a crash leaves the corpus as it was.

>>> from corpus.ingest import ingest
>>> ingest(Path("A_RES_71_28.pdf"), user_dir)  # doctest: +SKIP
Document(info=DocumentInfo(symbol='A/RES/71/28', ...), ...)
"""

from __future__ import annotations

from pathlib import Path

from corpus.records import Document
from corpus.store import parse_source, save_user_document

MAX_BYTES = 20 * 1024 * 1024


class IngestError(ValueError):
    """The file was not added; the message says why and what to do."""


def read_text(path: Path) -> tuple[str, str]:
    """(text, format) of a file: format is "pdf-text" or "excerpt" (front matter with a symbol)."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    if size > MAX_BYTES:
        raise IngestError(f"{path.name}: {size / 1e6:.0f} MB is larger than the {MAX_BYTES // 2**20} MB limit")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        from corpus.pdf import PdfError, pdf_to_text

        try:
            return pdf_to_text(path), "pdf-text"
        except PdfError as error:
            raise IngestError(str(error)) from error
    if b"\0" in data[:8192]:
        raise IngestError(f"{path.name}: binary file; give a PDF or UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(f"{path.name}: not UTF-8 text (byte {error.start}); convert it, e.g. iconv -t UTF-8") from error
    if not text.strip():
        raise IngestError(f"{path.name}: the file has no text")
    return text, ("excerpt" if text.startswith("---\n") and "\nsymbol:" in text.split("\n---", 2)[0] else "pdf-text")


def ingest(path: Path, user_dir: Path, symbol: str | None = None) -> Document:
    """Parse `path` and store it under `user_dir`; raises IngestError and writes nothing on failure."""
    text, fmt = read_text(path)
    import json

    try:
        doc = parse_source("user:" + path.name, json.dumps({"symbol": symbol, "format": fmt, "text": text}))
    except ValueError as error:
        raise IngestError(f"{path.name}: {error}") from error
    body = [p for p in doc.paragraphs if p.kind != "header"]
    if not body:
        raise IngestError(f"{path.name}: no paragraphs found; is this a UN document?")
    save_user_document(user_dir, doc, text, fmt, source=path.name)
    return doc
