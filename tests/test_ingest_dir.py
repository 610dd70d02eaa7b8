"""`assistant ingest DIR/` (issues #17, #19): a folder in one command, resumable, same symbol refused.

Real files in a temporary ASSISTANT_DATA_DIR, the real CLI in a subprocess, the real embedding model
and the real embedded Chroma index. The shipped corpus is indexed once per module; each test works
on a copy of that data dir. The index is read back in a fresh subprocess (an embedded Chroma client
caches segments per process, so it must not watch another process write).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import pdf_of as _pdf_of

from corpus.ingest import DocumentConflict, IngestStatus, find_documents, ingest
from corpus.store import TEXTS, load_corpus, user_file

ROOT = Path(__file__).resolve().parent.parent

# Fictional documents (no UN text): one as PDF-to-text output, one as an excerpt file.
BUOYS = """United Nations A/RES/99/12
General Assembly Distr.: General
2 January 2099

Ninety-ninth session

Resolution adopted by the General Assembly on 1 January 2099

99/12. Protection of weather buoys in cyberspace

The General Assembly,

Noting the importance of weather buoys for the forecasts that keep ships
and harbours safe,

1. Calls upon States to protect the networks of weather buoys from
malicious ICT activity;

2. Decides to remain seized of the matter.
"""
LIGHTHOUSES = """---
symbol: A/RES/99/13
title: Protection of lighthouse keepers in cyberspace
date: 2099-01-01
kind: resolution
source: test fixture
completeness: full
---
99/13. Protection of lighthouse keepers in cyberspace

The General Assembly,

Noting the importance of lighthouse keepers for maritime safety,

1. Calls upon States to protect the radio links of lighthouse keepers from malicious ICT activity;

2. Decides to remain seized of the matter.
"""

INDEX_STATE = """
import json, sys
from collections import Counter
from pathlib import Path
from assistant.config import Settings
from embeddings.index import active_generation, make_client

s = Settings(data_dir=Path(sys.argv[1]))
active = active_generation(make_client(s.index_dir), s.collection)
metas = active.get(include=["metadatas"])["metadatas"]
state = {"collection": active.name, "symbols": Counter(m["symbol"] for m in metas)}
if len(sys.argv) > 2:  # a dense search with the real model: does the index answer?
    from embeddings.encoder import Encoder
    from embeddings.index import open_index
    found = open_index(Encoder(), client=make_client(s.index_dir), collection=s.collection).search(sys.argv[2], k=3)
    state["search"] = [meta["id"] for meta, _ in found]
print(json.dumps(state))
"""

# Killed after its first document is stored: the progress hook is where it lingers.
KILLED_BATCH = """
import sys, time
from pathlib import Path
from corpus.ingest import find_documents, ingest_files

def progress(result):
    print(result.status.value, result.document.symbol, flush=True)
    time.sleep(120)

ingest_files(find_documents([Path(sys.argv[2])]).files, Path(sys.argv[1]), progress=progress)
print("finished", flush=True)
"""


def _env(data_dir: Path) -> dict:
    return {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_BACKEND": "extractive",
            "PYTHONPATH": str(ROOT)}


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env=_env(data_dir), cwd=ROOT, timeout=600)


def _index_state(data_dir: Path, query: str | None = None) -> dict:
    run = subprocess.run([sys.executable, "-c", INDEX_STATE, str(data_dir), *([query] if query else [])],
                         capture_output=True, text=True, env=_env(data_dir), cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def indexed_data(tmp_path_factory) -> Path:
    """A data dir whose index holds the shipped corpus (built once, by the CLI)."""
    data_dir = tmp_path_factory.mktemp("indexed")
    result = _cli(data_dir, "index")
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def data_dir(indexed_data, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(indexed_data, copy)
    return copy


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder of two documents (a PDF in a subfolder, a text file), a .docx and a hidden file."""
    root = tmp_path / "incoming"
    (root / "pdfs").mkdir(parents=True)
    (root / ".trash").mkdir()
    _pdf_of(BUOYS, root / "pdfs" / "buoys.pdf")
    (root / "lighthouses.txt").write_text(LIGHTHOUSES, encoding="utf-8")
    (root / "minutes.docx").write_bytes(b"PK\x03\x04 not read")
    (root / ".trash" / "old.txt").write_text("not read", encoding="utf-8")
    return root


def test_find_documents_searches_folders_and_keeps_named_files(folder):
    found = find_documents([folder, folder / "minutes.docx"])
    assert [p.name for p in found.files] == ["lighthouses.txt", "buoys.pdf", "minutes.docx"]
    assert [p.name for p in found.ignored] == ["minutes.docx"]  # in the folder, not a PDF/text file


def test_a_folder_is_ingested_in_one_command_with_one_progress_bar(data_dir, folder):
    before = _index_state(data_dir)
    result = _cli(data_dir, "ingest", str(folder))
    assert result.returncode == 0, result.stderr
    assert "added A/RES/99/13: 4 paragraphs (header, PP1, 1, 2)" in result.stdout
    assert "added A/RES/99/12: 4 paragraphs (header, PP1, 1, 2)" in result.stdout
    assert "2 files: 2 added (1 other files ignored)" in result.stdout
    # One bar on stderr: the files, then the index on the same bar; no bar of the model's own.
    assert "ingest: 100%" in result.stderr and "index (encode): 100%" in result.stderr
    assert "Loading weights" not in result.stderr and "Batches" not in result.stderr
    after = _index_state(data_dir)
    assert after["collection"] == before["collection"]  # the change was applied in place
    assert after["symbols"]["A/RES/99/12"] == 4 and after["symbols"]["A/RES/99/13"] == 4
    assert sum(after["symbols"].values()) == sum(before["symbols"].values()) + 8


def test_the_same_folder_twice_is_a_no_op_that_says_so(data_dir, folder):
    assert _cli(data_dir, "ingest", str(folder)).returncode == 0
    stored = {p.name: p.read_bytes() for p in (data_dir / "documents").iterdir()}
    state = _index_state(data_dir)
    again = _cli(data_dir, "ingest", str(folder))
    assert again.returncode == 0, again.stderr
    assert "unchanged A/RES/99/12: this file was already ingested (ingested from buoys.pdf); nothing to do" in again.stdout
    assert "unchanged A/RES/99/13" in again.stdout and "2 files: 2 unchanged" in again.stdout
    assert not any(line.startswith(("added", "replaced")) for line in again.stdout.splitlines())
    assert "added=0, updated=0, removed=0" in again.stdout and "encoded=0" in again.stdout
    assert {p.name: p.read_bytes() for p in (data_dir / "documents").iterdir()} == stored
    assert _index_state(data_dir) == state  # the same generation: nothing re-encoded or rewritten


def test_other_text_under_the_same_symbol_is_refused_unless_replace(data_dir, tmp_path):
    first = tmp_path / "lighthouses.txt"
    first.write_text(LIGHTHOUSES, encoding="utf-8")
    assert _cli(data_dir, "ingest", str(first)).returncode == 0
    stored = user_file(data_dir / "documents", "A/RES/99/13").read_bytes()
    state = _index_state(data_dir)

    revised = tmp_path / "lighthouses-rev.txt"
    revised.write_text(LIGHTHOUSES.replace("radio links", "radio and satellite links"), encoding="utf-8")
    refused = _cli(data_dir, "ingest", str(revised))
    assert refused.returncode == 1
    assert ("error: lighthouses-rev.txt: A/RES/99/13 is already in the corpus (ingested from lighthouses.txt, "
            "4 paragraphs) with other text; nothing was changed. To replace it with this file, add --replace") in refused.stderr
    assert user_file(data_dir / "documents", "A/RES/99/13").read_bytes() == stored
    assert _index_state(data_dir) == state  # nothing to index after a refusal

    replaced = _cli(data_dir, "ingest", str(revised), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced A/RES/99/13 (was: ingested from lighthouses.txt, 4 paragraphs): 4 paragraphs" in replaced.stdout
    corpus = load_corpus(user_dir=data_dir / "documents")
    assert "radio and satellite links" in corpus.get("A/RES/99/13", "1").text
    assert "updated=1" in replaced.stdout and "encoded=1" in replaced.stdout  # only ¶1 changed


def test_a_shipped_document_is_not_replaced_by_other_text_without_replace(tmp_path):
    shipped = (TEXTS / "excerpts" / "A_RES_68_167.txt").read_text(encoding="utf-8")
    user_dir = tmp_path / "docs"
    same = tmp_path / "copy.txt"
    same.write_text(shipped, encoding="utf-8")
    doc = ingest(same, user_dir)  # the shipped text itself: a no-op
    assert doc.symbol == "A/RES/68/167" and not user_dir.exists()

    shorter = tmp_path / "shorter.txt"  # the shipped excerpt without its last sub-paragraph
    shorter.write_text(shipped[:shipped.index("(d) To establish")] + "[excerpt ends]\n", encoding="utf-8")
    with pytest.raises(DocumentConflict, match=r"A/RES/68/167 is already in the corpus \(shipped partial excerpt, "
                                               r"7 paragraphs\) with other text.*add --replace"):
        ingest(shorter, user_dir)
    assert not user_dir.exists()
    assert [p.label for p in ingest(shorter, user_dir, replace=True).paragraphs][-1] == "4(c)"
    assert load_corpus(user_dir=user_dir).document("A/RES/68/167").get("4(d)") is None


def test_a_crash_mid_batch_keeps_the_previous_corpus_and_index_and_a_rerun_resumes(data_dir, folder):
    query = "protect the radio links of lighthouse keepers"
    before = _index_state(data_dir, query)
    documents = data_dir / "documents"
    run = subprocess.Popen([sys.executable, "-c", KILLED_BATCH, str(documents), str(folder)], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(data_dir),
                           start_new_session=True)
    try:  # wait (bounded) until the first document is stored
        ready, _, _ = select.select([run.stdout], [], [], 180)
        line = run.stdout.readline() if ready else ""
        assert line.strip() == "added A/RES/99/13", (line, run.stderr.read() if not ready else "")
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL

    # The corpus: the previous documents plus the one that was finished, each whole; nothing half-written.
    assert sorted(p.name for p in documents.iterdir()) == ["A_RES_99_13.json"]
    corpus = load_corpus(user_dir=documents)
    assert corpus.document("A/RES/99/13") is not None and corpus.document("A/RES/99/12") is None
    # The index was not touched: the previous generation answers as before.
    assert _index_state(data_dir, query) == before

    resumed = _cli(data_dir, "ingest", str(folder))
    assert resumed.returncode == 0, resumed.stderr
    assert "unchanged A/RES/99/13: this file was already ingested" in resumed.stdout  # not parsed again
    assert "added A/RES/99/12" in resumed.stdout
    after = _index_state(data_dir, query)
    assert after["symbols"]["A/RES/99/12"] == 4 and after["symbols"]["A/RES/99/13"] == 4
    assert after["search"][0].startswith("A/RES/99/13 ¶1#")


def test_ingest_results_are_typed_records(tmp_path):
    from corpus.ingest import ingest_files

    good = tmp_path / "lighthouses.txt"
    good.write_text(LIGHTHOUSES, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    seen = []
    results = ingest_files([good, empty, good], tmp_path / "docs", progress=seen.append)
    assert [r.status for r in results] == [IngestStatus.ADDED, IngestStatus.REFUSED, IngestStatus.UNCHANGED]
    assert seen == results and results[1].document is None and "empty" in results[1].message
