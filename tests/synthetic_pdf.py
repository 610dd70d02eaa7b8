"""A long fictional UN-style resolution as a real PDF (fpdf2), for tests/test_pdf_ingest.py and
benchmarks/bench_ingest.py: both build the same document from this one function.

The layout is what corpus/parse.py reads from a PDF-to-text tool: the masthead on page 1 (symbol,
"Distr.: General", date, session, title), "The General Assembly,", indented paragraph starts with
continuation lines at the margin, and on every later page a running head (the symbol) and a page line
("99-00001 2/200"), which set each paragraph's page. Pages are full and paragraphs run across page
breaks, as in a real report. The text is invented (no UN text): sub-paragraph n.m speaks of station m of
tide gauge network n, so every paragraph is different and can be looked up by its number.

It lives under tests/ because it is test data, not product code (it is not a module of corpus, so
test_doctests.py does not run it); the benchmark puts tests/ on sys.path to import it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

SYMBOL = "A/RES/99/200"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
LINES_PER_PAGE = 60  # A4 at 8 pt with 4 mm lines holds 66; the rest is margin
WIDTH = 92  # characters a line, well inside the A4 text width at 8 pt monospace
INDENT = "      "  # a paragraph's first line; its continuation lines start at the margin
PREAMBULAR = 4
SUB_PARAGRAPHS = 4  # n.1 ... n.4 under operative paragraph n: the parser's numbers stop at 999


@dataclass(frozen=True)
class ExpectedParagraph:
    """A paragraph as the parser should give it back."""

    label: str
    text: str
    page: int  # the page its first line is on


@dataclass(frozen=True)
class SyntheticPdf:
    path: Path
    symbol: str
    pages: int
    paragraphs: list[ExpectedParagraph]  # preambular then operative, in order (no header)


def _operative(n: int) -> str:
    return f"{n}. Calls upon States, as regards the tide gauges of network {n}:"


def _sub_paragraph(n: int, m: int) -> str:
    # Words of the body are never opening words of the parser (Noting, Calls, ...) and no number in
    # it is followed by a full stop, so a wrapped line is never taken for the start of a paragraph.
    return (f"{n}.{m}. To protect station {m} of network {n} and the cables that link it to the shore from "
            f"malicious activity in the use of information and communications technologies, to share "
            f"the readings of station {m} of network {n} with one another without delay, to train the "
            f"persons who keep station {m} of network {n} in the handling of the incidents that may "
            f"affect its links, and to report on its state to the General Assembly at its session in "
            f"the year {2100 + n};")


def _preambular(i: int) -> str:
    return (f"Noting that the readings of the tide gauges of region {i} warn the harbours of that region "
            f"of storm surges, and that the loss of those readings for one day would leave its ports "
            f"without warning,")


def _masthead(pages: int) -> list[str]:
    return [
        f"United Nations{' ' * 60}{SYMBOL}",
        f"General Assembly{' ' * 52}Distr.: General",
        f"{' ' * 68}2 January 2099",
        "",
        "Ninety-ninth session",
        "Agenda item 99",
        "",
        "Resolution adopted by the General Assembly on 1 January 2099",
        "",
        "99/200. Protection of tide gauges in cyberspace",
        "",
        "The General Assembly,",
        "",
    ]


def build_pdf(path: Path, pages: int = 200) -> SyntheticPdf:
    """Write a `pages`-page resolution to `path`; operative paragraphs are added until the pages are full.

    >>> build_pdf(Path("/tmp/long.pdf"), pages=3).pages  # doctest: +SKIP
    3
    """
    from fpdf import FPDF

    page_lines: list[list[str]] = [_masthead(pages)]
    expected: list[ExpectedParagraph] = []

    def add_paragraph(label: str, text: str) -> None:
        lines = textwrap.wrap(text, WIDTH, initial_indent=INDENT, break_on_hyphens=False)
        for i, line in enumerate(lines + [""]):
            if len(page_lines[-1]) >= LINES_PER_PAGE:
                number = len(page_lines) + 1
                # The page line alternates sides, as printed: "99-00001 2/200" and "3/200 99-00001".
                page_line = f"99-00001 {number}/{pages}" if number % 2 == 0 else f"{number}/{pages} 99-00001"
                page_lines.append([SYMBOL, page_line, ""])
            if i == 0:
                body = text.split(". ", 1)[1] if label[0].isdigit() else text  # the number is the label
                expected.append(ExpectedParagraph(label, body, len(page_lines)))
            page_lines[-1].append(line)

    for i in range(1, PREAMBULAR + 1):
        add_paragraph(f"PP{i}", _preambular(i))
    n = 1
    # Stop when the closing paragraph (a short one) still fits on the last page.
    while len(page_lines) < pages or len(page_lines[-1]) < LINES_PER_PAGE - 24:
        add_paragraph(str(n), _operative(n))
        for m in range(1, SUB_PARAGRAPHS + 1):
            add_paragraph(f"{n}.{m}", _sub_paragraph(n, m))
        n += 1
    add_paragraph(str(n), f"{n}. Decides to remain seized of the matter.")
    assert len(page_lines) == pages, (len(page_lines), pages)

    pdf = FPDF(format="A4")
    pdf.add_font("mono", fname=FONT)
    pdf.set_font("mono", size=8)
    pdf.set_auto_page_break(False)
    for lines in page_lines:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return SyntheticPdf(path, SYMBOL, pages, expected)
