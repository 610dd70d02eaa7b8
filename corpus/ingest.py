"""Add users' documents (PDF or text) to the corpus, or refuse each with a clear reason.

Nothing is written unless a document parsed into paragraphs, and every write is atomic (a temporary
file renamed over the old one), so a bad file or a crash leaves each stored document whole: either
the previous version or the new one. A batch (`ingest_files`) is resumable: a file whose bytes were
already ingested is skipped without being parsed again, so re-running an interrupted batch redoes
only what was not finished. A document whose symbol is already in the corpus (shipped or ingested)
with other text is refused unless `replace=True` (`--replace`); with the same text it is a no-op.

>>> from corpus.ingest import ingest, ingest_files, find_documents
>>> ingest(Path("A_RES_71_28.pdf"), user_dir)  # doctest: +SKIP
Document(info=DocumentInfo(symbol='A/RES/71/28', ...), ...)
>>> [r.status.value for r in ingest_files(find_documents([Path("pdfs/")]).files, user_dir)]  # doctest: +SKIP
['added', 'unchanged', 'refused']
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from corpus.pdf import OnPage
from corpus.records import Document
from corpus.store import load_corpus, parse_source, save_user_document, user_file

MAX_BYTES = 20 * 1024 * 1024
DOCUMENT_SUFFIXES = (".pdf", ".txt", ".text")  # what a directory is searched for


class IngestError(ValueError):
    """The file was not added; the message says why and what to do."""


class DocumentConflict(IngestError):
    """The corpus already holds this symbol with other text; `replace=True` replaces it."""


class IngestStatus(str, Enum):
    ADDED = "added"
    REPLACED = "replaced"  # the symbol was in the corpus with other text; replace=True was given
    UNCHANGED = "unchanged"  # the corpus already holds this text under this symbol: nothing written
    REFUSED = "refused"  # IngestError: nothing written


@dataclass(frozen=True)
class IngestResult:
    """What became of one file."""

    path: Path
    status: IngestStatus
    message: str  # one line for the user
    document: Document | None = None  # None only when refused

    @property
    def changed(self) -> bool:
        return self.status in (IngestStatus.ADDED, IngestStatus.REPLACED)


@dataclass(frozen=True)
class PageProgress:
    """A PDF's extraction so far: `done` of its `total` pages read."""

    path: Path
    done: int
    total: int


@dataclass(frozen=True)
class DocumentFiles:
    """The files a command line names: files as given, directories searched for PDF/text files."""

    files: list[Path]
    ignored: list[Path] = field(default_factory=list)  # in the directories, not PDF/text
    outside: list[Path] = field(default_factory=list)  # in the directories, but their real path leaves them


def find_documents(paths: Iterable[Path]) -> DocumentFiles:
    """Expand directories (recursively, hidden entries skipped, sorted); keep named files as they are.

    What the user named is taken as named, symlinks and `..` included. An entry found in a named
    directory is taken only if its real path (symlinks resolved) stays inside the directory's real
    path: a link in a folder of PDFs to ~/.ssh/id_rsa or ../../etc is left out (`outside`).

    >>> DocumentFiles([Path("a.pdf")]).files
    [PosixPath('a.pdf')]
    """
    files: list[Path] = []
    ignored: list[Path] = []
    outside: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)  # a named file is tried whatever its suffix (read_text checks it)
            continue
        root = path.resolve()
        for found in sorted(path.rglob("*")):
            if any(part.startswith(".") for part in found.relative_to(path).parts) or not found.is_file():
                continue
            if not found.resolve().is_relative_to(root):
                outside.append(found)
                continue
            (files if found.suffix.lower() in DOCUMENT_SUFFIXES else ignored).append(found)
    return DocumentFiles(list(dict.fromkeys(files)), ignored, outside)


def read_text(path: Path, progress: OnPage | None = None) -> tuple[str, str]:
    """(text, format) of a file: format is "pdf-text" or "excerpt" (front matter with a symbol).

    `progress` hears (pages done, pages total) after each page of a PDF; a text file has no pages.
    """
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    if size > MAX_BYTES:
        raise IngestError(f"{path.name}: {size / 1e6:.0f} MB is larger than the {MAX_BYTES // 2**20} MB limit")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF"):  # pypdf reads the file itself: no second copy of its bytes here
        from corpus.pdf import PdfError, pdf_to_text

        try:
            return pdf_to_text(path, progress), "pdf-text"
        except PdfError as error:
            raise IngestError(str(error)) from error
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        raise IngestError(f"{path.name}: binary file; give a PDF or UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(f"{path.name}: not UTF-8 text (byte {error.start}); convert it, e.g. iconv -t UTF-8") from error
    if not text.strip():
        raise IngestError(f"{path.name}: the file has no text")
    return text, ("excerpt" if text.startswith("---\n") and "\nsymbol:" in text.split("\n---", 2)[0] else "pdf-text")


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes: the same file is recognised without extracting its text again."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_digests(user_dir: Path) -> dict[str, str]:
    """symbol -> source digest of every ingested document that recorded one."""
    digests: dict[str, str] = {}
    for path in sorted(user_dir.glob("*.json")) if user_dir.is_dir() else []:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable: parsing it with the corpus reports it
        if isinstance(stored, dict) and stored.get("sha256") and stored.get("symbol"):
            digests[stored["symbol"]] = stored["sha256"]
    return digests


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Document]:
    """The shipped documents, parsed once per process (they do not change while it runs)."""
    return load_corpus().documents


def existing_document(user_dir: Path, symbol: str) -> tuple[Document, str] | None:
    """(document, where) of the corpus's current text for `symbol`: an ingested one, else a shipped one."""
    path = user_file(user_dir, symbol)
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return parse_source("user:" + path.name, json.dumps(stored)), f"ingested from {stored.get('source', path.name)}"
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged stored file: the new text may replace it
    shipped = _shipped()
    doc = shipped.get(symbol) or next((d for s, d in shipped.items() if s.lower() == symbol.lower()), None)
    if doc is None:
        return None
    return doc, ("shipped partial excerpt" if doc.info.completeness == "partial" else "shipped text")


def same_text(a: Document, b: Document) -> bool:
    """Same paragraphs (label, kind, text) and the same front matter, wherever each came from."""
    keep = ("symbol", "title", "date", "doc_type", "completeness", "present", "missing")
    return ([(p.label, p.kind, p.text) for p in a.paragraphs] == [(p.label, p.kind, p.text) for p in b.paragraphs]
            and all(getattr(a.info, k) == getattr(b.info, k) for k in keep))


def _labels(doc: Document) -> str:
    labels = [p.label for p in doc.paragraphs]
    return ", ".join(labels[:8]) + (", ..." if len(labels) > 8 else "")


def add_document(path: Path, user_dir: Path, symbol: str | None = None, replace: bool = False,
                 digests: dict[str, str] | None = None,
                 progress: OnPage | None = None) -> IngestResult:
    """Parse `path` and store it under `user_dir`, or say it is already there.

    Raises IngestError (DocumentConflict for another text under the same symbol) and writes nothing
    on failure. `digests` (symbol -> digest, from `stored_digests`) is updated in place; a batch
    passes one dict so the user folder is read once. `progress` hears (pages done, pages total) after
    each page of a PDF (not called for a file already ingested, which is not read again).
    """
    digests = stored_digests(user_dir) if digests is None else digests
    digest = file_digest(path) if path.is_file() else None
    already = next((s for s, d in digests.items() if d == digest and (symbol is None or s == symbol)), None)
    found = existing_document(user_dir, already) if already and user_file(user_dir, already).is_file() else None
    if found:
        return IngestResult(path, IngestStatus.UNCHANGED,
                            f"unchanged {already}: this file was already ingested ({found[1]}); nothing to do", found[0])

    text, fmt = read_text(path, progress)
    try:
        doc = parse_source("user:" + path.name, json.dumps({"symbol": symbol, "format": fmt, "text": text}))
    except ValueError as error:
        raise IngestError(f"{path.name}: {error}") from error
    if not any(p.kind != "header" for p in doc.paragraphs):
        raise IngestError(f"{path.name}: no paragraphs found; is this a UN document?")

    status = IngestStatus.ADDED
    found = existing_document(user_dir, doc.symbol)
    if found:
        old, where = found
        if same_text(old, doc):
            return IngestResult(path, IngestStatus.UNCHANGED,
                                f"unchanged {doc.symbol}: the corpus already holds this text ({where}); nothing to do", old)
        if not replace:
            raise DocumentConflict(
                f"{path.name}: {doc.symbol} is already in the corpus ({where}, {len(old.paragraphs)} paragraphs) "
                f"with other text; nothing was changed. To replace it with this file, add --replace")
        status = IngestStatus.REPLACED
    save_user_document(user_dir, doc, text, fmt, source=path.name, digest=digest)
    digests[doc.symbol] = digest or ""
    was = f" (was: {found[1]}, {len(found[0].paragraphs)} paragraphs)" if found else ""
    return IngestResult(path, status,
                        f"{status.value} {doc.symbol}{was}: {len(doc.paragraphs)} paragraphs ({_labels(doc)})", doc)


def ingest(path: Path, user_dir: Path, symbol: str | None = None, replace: bool = False,
           progress: OnPage | None = None) -> Document:
    """Parse `path` and store it under `user_dir` (a no-op if that text is there already).

    Raises IngestError and writes nothing on failure; returns the document in the corpus. `progress`
    hears (pages done, pages total) after each page of a PDF.
    """
    return add_document(path, user_dir, symbol, replace, progress=progress).document


def ingest_files(paths: Sequence[Path], user_dir: Path, symbol: str | None = None, replace: bool = False,
                 progress: Callable[[IngestResult], None] | None = None,
                 page_progress: Callable[[PageProgress], None] | None = None) -> list[IngestResult]:
    """Ingest each file in turn (a refusal does not stop the others); `progress` hears each result,
    `page_progress` each page of a PDF as it is read."""
    digests = stored_digests(user_dir)
    results = []
    for path in paths:
        on_page = (lambda done, total, path=path: page_progress(PageProgress(path, done, total))) if page_progress else None
        try:
            result = add_document(path, user_dir, symbol, replace, digests, progress=on_page)
        except IngestError as error:
            result = IngestResult(path, IngestStatus.REFUSED, f"error: {error}")
        except OSError as error:  # unreadable file (permissions, vanished): refuse it, keep going
            result = IngestResult(path, IngestStatus.REFUSED, f"error: {path.name}: cannot read it ({error.strerror})")
        results.append(result)
        if progress:
            progress(result)
    return results
