"""`assistant ingest` of a 200-page PDF (issue 17): the progress bar moves page by page, the paragraphs
are then in the corpus, and ingesting the same file again is a no-op.

A real PDF (fpdf2, tests/synthetic_pdf.py, shared with benchmarks/bench_ingest.py), the real CLI in a
subprocess, a temporary ASSISTANT_DATA_DIR. `--no-index`: the index sync after an ingest is covered by
tests/test_ingest_dir.py, and encoding some 2,000 paragraphs here would only make this test long.
Nothing is timed and no memory is asserted (the benchmark measures both).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from synthetic_pdf import build_pdf

from corpus.pdf import pdf_to_text
from corpus.store import load_corpus

ROOT = Path(__file__).resolve().parent.parent
PAGES = 200


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_BACKEND": "extractive",
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


def _pages_shown(stderr: str, name: str) -> list[int]:
    """The page counts the bar drew for `name`, in order (tqdm redraws with \\r: one state a segment)."""
    counts = []
    for state in re.split(r"[\r\n]", stderr):
        if name in state and (found := re.search(rf"\| (\d+)/{PAGES} \[[^\]]*page", state)):
            counts.append(int(found.group(1)))
    return counts


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory):
    return build_pdf(tmp_path_factory.mktemp("pdf") / "tide-gauges.pdf", pages=PAGES)


@pytest.fixture(scope="module")
def ingested(long_pdf, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    return data_dir, _cli(data_dir, "ingest", str(long_pdf.path), "--no-index")


def test_pdf_to_text_reports_each_page_in_order(long_pdf):
    calls = []
    text = pdf_to_text(long_pdf.path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, PAGES) for n in range(1, PAGES + 1)]
    assert text == pdf_to_text(long_pdf.path)  # the callback changes nothing in the text
    assert text.index(f"{PAGES - 1}/{PAGES} 99-00001") < text.index(f"99-00001 {PAGES}/{PAGES}")  # pages in order


def test_progress_moves_page_by_page(long_pdf, ingested):
    _, run = ingested
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"added {long_pdf.symbol}: {len(long_pdf.paragraphs) + 1} paragraphs" in run.stdout  # + the header
    shown = _pages_shown(run.stderr, long_pdf.path.name)
    assert shown and shown[-1] == PAGES, shown[-5:]
    assert shown == sorted(shown), "the page count went backwards"
    # Every page was drawn, not only the first and the last: the bar moved page by page.
    assert set(range(1, PAGES + 1)) <= set(shown), sorted(set(range(1, PAGES + 1)) - set(shown))[:10]
    assert "error" not in run.stderr and "warning" not in run.stderr


def test_paragraphs_are_found_by_lookup_and_in_the_corpus(long_pdf, ingested):
    data_dir, run = ingested
    assert run.returncode == 0, run.stderr[-2000:]
    middle, last = long_pdf.paragraphs[len(long_pdf.paragraphs) // 2], long_pdf.paragraphs[-1]
    assert 90 <= middle.page <= 110 and last.page == PAGES
    for expected in (middle, last):
        lookup = _cli(data_dir, "lookup", f"{long_pdf.symbol} ¶{expected.label}")
        assert lookup.returncode == 0, lookup.stderr
        assert lookup.stdout.startswith(f"[{long_pdf.symbol} ¶{expected.label}]"), lookup.stdout[:200]
        assert expected.text in lookup.stdout

    # Every paragraph, verbatim, on the page it starts on (the pages were joined in order).
    doc = load_corpus(user_dir=data_dir / "documents", cache_dir=data_dir / "cache").document(long_pdf.symbol)
    got = {p.label: (p.text, p.page) for p in doc.paragraphs if p.kind != "header"}
    assert got == {p.label: (p.text, p.page) for p in long_pdf.paragraphs}


def test_ingesting_the_same_pdf_again_is_a_no_op(long_pdf, ingested):
    data_dir, run = ingested
    assert run.returncode == 0, run.stderr[-2000:]
    stored = sorted((data_dir / "documents").glob("*.json"))
    before = [(p.name, p.read_bytes(), p.stat().st_mtime_ns) for p in stored]
    again = _cli(data_dir, "ingest", str(long_pdf.path), "--no-index")
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"unchanged {long_pdf.symbol}" in again.stdout and "1 unchanged" in again.stdout
    assert _pages_shown(again.stderr, long_pdf.path.name) == []  # recognised by its bytes: not read again
    assert [(p.name, p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((data_dir / "documents").glob("*.json"))] == before
