"""A corrupt index is detected when it is opened and rebuilt from the corpus; the unreadable store is
kept aside, not deleted. An index folder that cannot be created is a clear error, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args, data_dir: Path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)


def test_a_corrupt_index_is_moved_aside_and_rebuilt(tmp_path):
    index = tmp_path / "chroma"
    index.mkdir()
    (index / "chroma.sqlite3").write_bytes(os.urandom(64_000))  # not a database
    built = _cli("index", data_dir=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "could not be read" in built.stderr and "rebuilding it from the corpus" in built.stderr
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("chroma.unreadable-")]
    assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").stat().st_size == 64_000  # kept as it was
    found = _cli("search", "critical infrastructure", "-k", "5", data_dir=tmp_path)
    assert found.returncode == 0 and "¶1.6" in found.stdout, found.stdout + found.stderr


def test_an_index_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    run = _cli("index", data_dir=blocker)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "error: cannot create the index folder" in run.stderr and "Traceback" not in run.stderr
    assert blocker.read_text() == "a file where the data folder should be"
