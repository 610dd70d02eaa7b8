"""An indexing run killed half-way leaves the previous index answering; the next sync completes."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from corpus.store import Corpus
from embeddings.index import GENERATION_INFIX, active_generation, make_client, open_index, sync_index

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ("A/RES/62/17", "A/68/98", "A/65/201")  # the complete index: 17 paragraphs
AFTER = BEFORE + ("A/RES/58/199",)  # what the killed run was indexing

# The killed run: it reports each batch written into the new generation, then lingers so the test
# can kill it there (the progress callback is the public hook; nothing in the library waits).
RUN = """
import sys, time
from pathlib import Path
from corpus.store import Corpus, load_corpus
from embeddings.encoder import Encoder
from embeddings.index import sync_index

full = load_corpus()
corpus = Corpus({s: full.documents[s] for s in sys.argv[2:]}, full.version + "-after")

def progress(stage, done, total):
    print(f"{stage} {done}/{total}", flush=True)
    time.sleep(60)

sync_index(corpus, Encoder(), path=Path(sys.argv[1]), batch_size=4, progress=progress)
print("finished", flush=True)
"""


def subset(corpus: Corpus, symbols: tuple[str, ...], version: str) -> Corpus:
    return Corpus({s: corpus.documents[s] for s in symbols}, version)


def test_killed_sync_keeps_the_old_index_and_the_next_sync_completes(embedding_encoder, shipped_corpus, tmp_path):
    index_dir = tmp_path / "chroma"
    before = subset(shipped_corpus, BEFORE, shipped_corpus.version)
    built = sync_index(before, embedding_encoder, path=index_dir)
    query = "Which expert gathering held in 1999 did resolution 62/17 welcome?"
    answer_before = open_index(embedding_encoder, path=index_dir).search(query, k=3)

    errors = tmp_path / "run.stderr"
    run = subprocess.Popen([sys.executable, "-c", RUN, str(index_dir), *AFTER], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=errors.open("w"), text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    try:  # wait (bounded) until the first batch is in the new generation
        ready, _, _ = select.select([run.stdout], [], [], 180)
        line = run.stdout.readline() if ready else ""
        assert line.startswith("copy 4/"), (line, errors.read_text())
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL

    client = make_client(index_dir)
    names = sorted(c.name for c in client.list_collections() if GENERATION_INFIX in c.name)
    assert len(names) == 2 and built.collection in names  # the half-filled generation is there...
    assert active_generation(client).name == built.collection  # ...but the pointer never moved
    index = open_index(embedding_encoder, path=index_dir)
    assert index.collection == built.collection and index.count() == built.chunks
    assert index.search(query, k=3) == answer_before

    after = subset(shipped_corpus, AFTER, shipped_corpus.version + "-after")
    report = sync_index(after, embedding_encoder, path=index_dir)
    assert (report.added, report.removed, report.reused) == (len(after.paragraphs()) - built.chunks, 0, built.chunks)
    names = [c.name for c in make_client(index_dir).list_collections() if GENERATION_INFIX in c.name]
    assert names == [report.collection]  # the abandoned generation was cleaned up
    index = open_index(embedding_encoder, path=index_dir)
    assert index.count() == report.chunks
    top = index.search("critical information infrastructures of each country", k=3)
    assert any(meta["symbol"] == "A/RES/58/199" for meta, _ in top)
