"""PDF -> text in the layout a PDF-to-text tool gives (indentation kept), for `parse_pdf_text`."""

from __future__ import annotations

from pathlib import Path


class PdfError(ValueError):
    """A PDF that cannot be read: encrypted, corrupt, or with no text layer."""


def pdf_to_text(path: Path) -> str:
    """Extract every page's text, pages separated by a blank line.

    >>> pdf_to_text(Path("resolution.pdf"))  # doctest: +SKIP
    ' United Nations  A/C.1/73/L.27/Rev.1 ...'
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise PdfError(f"{path.name}: the PDF is encrypted; decrypt it first (e.g. qpdf --decrypt)")
        # Layout mode keeps the indentation that marks paragraph starts in UN documents.
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise PdfError(f"{path.name}: not a readable PDF ({error})") from error
    text = "\n\n".join(pages)
    if not text.strip():
        raise PdfError(f"{path.name}: the PDF has no text layer (a scan?); run OCR first")
    return text
