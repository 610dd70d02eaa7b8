"""An indexing run killed half-way leaves the index answering as before; the next sync completes.

Two kinds of run: a change applied in place (new paragraphs), and a rebuild into a fresh generation
(here: another model id). Both are killed by SIGKILL after their first batch is written.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from corpus.store import Corpus
from embeddings.encoder import Encoder
from embeddings.hybrid import HybridSearcher
from embeddings.index import GENERATION_INFIX, active_generation, make_client, open_index, sync_index

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ("A/RES/62/17", "A/68/98", "A/65/201")  # the complete index: 17 paragraphs
AFTER = BEFORE + ("A/RES/58/199",)  # what the killed run was indexing
QUERY = "Which expert gathering held in 1999 did resolution 62/17 welcome?"
NEW_QUERY = "critical information infrastructures of each country"  # answered by A/RES/58/199

# The killed run: it reports each batch written, then lingers so the test can kill it there (the
# progress callback is the public hook; nothing in the library waits).
RUN = """
import sys, time
from pathlib import Path
from corpus.store import Corpus, load_corpus
from embeddings.encoder import Encoder
from embeddings.index import sync_index

full = load_corpus()
corpus = Corpus({s: full.documents[s] for s in sys.argv[3:]}, full.version + "-after")

def progress(stage, done, total):
    print(f"{stage} {done}/{total}", flush=True)
    time.sleep(60)

sync_index(corpus, Encoder(sys.argv[2]), path=Path(sys.argv[1]), batch_size=4, progress=progress)
print("finished", flush=True)
"""


def subset(corpus: Corpus, symbols: tuple[str, ...], version: str) -> Corpus:
    return Corpus({s: corpus.documents[s] for s in symbols}, version)


def kill_after_first_batch(index_dir: Path, model: Path, symbols: tuple[str, ...], tmp_path: Path) -> None:
    errors = tmp_path / "run.stderr"
    run = subprocess.Popen([sys.executable, "-c", RUN, str(index_dir), str(model), *symbols], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=errors.open("w"), text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    try:  # wait (bounded) until the first batch is written
        ready, _, _ = select.select([run.stdout], [], [], 180)
        line = run.stdout.readline() if ready else ""
        assert line.startswith("encode 4/"), (line, errors.read_text())
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL


def citations(searcher: HybridSearcher, query: str) -> list[str]:
    return [hit.citation for hit in searcher.search(query, k=5)]


def test_a_killed_change_in_place_keeps_answers_right_and_the_next_sync_finishes(embedding_encoder, shipped_corpus,
                                                                                  tmp_path):
    index_dir = tmp_path / "chroma"
    before = subset(shipped_corpus, BEFORE, shipped_corpus.version)
    after = subset(shipped_corpus, AFTER, shipped_corpus.version + "-after")
    built = sync_index(before, embedding_encoder, path=index_dir)
    searcher = HybridSearcher(before, embedding_encoder, open_index(embedding_encoder, path=index_dir))
    answers_before = {q: citations(searcher, q) for q in (QUERY, NEW_QUERY)}

    kill_after_first_batch(index_dir, embedding_encoder.path, AFTER, tmp_path)

    client = make_client(index_dir)
    assert active_generation(client).name == built.collection  # changed in place: one generation
    assert active_generation(client).count() == built.chunks + 4  # the first batch of 4 is in
    # the index holds chunks the old corpus does not know: they neither rank nor shift the scores
    searcher = HybridSearcher(before, embedding_encoder, open_index(embedding_encoder, path=index_dir))
    assert {q: citations(searcher, q) for q in answers_before} == answers_before

    report = sync_index(after, embedding_encoder, path=index_dir)
    new = len(after.paragraphs()) - built.chunks
    assert (report.added, report.encoded, report.removed) == (new - 4, new - 4, 0)  # resumed, not redone
    assert report.collection == built.collection and report.chunks == built.chunks + new
    searcher = HybridSearcher(after, embedding_encoder, open_index(embedding_encoder, path=index_dir))
    assert searcher.search(NEW_QUERY, k=3)[0].paragraph.symbol == "A/RES/58/199"


def test_a_killed_rebuild_keeps_the_old_generation_and_the_next_sync_cleans_up(embedding_encoder, shipped_corpus,
                                                                               tmp_path):
    other_folder = tmp_path / "other-minilm"  # the same weights under another name: another model id
    other_folder.mkdir()
    for item in embedding_encoder.path.iterdir():
        (other_folder / item.name).symlink_to(item)
    index_dir = tmp_path / "chroma"
    before = subset(shipped_corpus, BEFORE, shipped_corpus.version)
    built = sync_index(before, embedding_encoder, path=index_dir)
    answer_before = open_index(embedding_encoder, path=index_dir).search(QUERY, k=3)

    kill_after_first_batch(index_dir, other_folder, BEFORE, tmp_path)

    client = make_client(index_dir)
    names = sorted(c.name for c in client.list_collections() if GENERATION_INFIX in c.name)
    assert len(names) == 2 and built.collection in names  # the half-filled generation is there...
    assert active_generation(client).name == built.collection  # ...but the pointer never moved
    assert open_index(embedding_encoder, path=index_dir).search(QUERY, k=3) == answer_before

    other = Encoder(other_folder)
    report = sync_index(before, other, path=index_dir)
    assert report.rebuilt and report.encoded == report.chunks == built.chunks
    names = [c.name for c in make_client(index_dir).list_collections() if GENERATION_INFIX in c.name]
    assert names == [report.collection] and report.collection != built.collection
