"""`assistant index`, `ingest`, `remove`, `serve` and `mcp` on a read-only or full data folder stop at
once with one clear error line and exit code 2, before writing anything or loading a model: the index,
the parse cache and the user documents already there stay byte for byte as they were.

Root ignores permission bits, so as root the command runs without the capabilities that let it
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER): the folder's owner, bound by its mode like any
user. (Another uid cannot start this venv's Python here: it lives under /root, mode 0700.) A full disk
is a small tmpfs filled up when root can mount one, else a file-size limit (RLIMIT_FSIZE, EFBIG)."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.data_dir import PROBE_BYTES

from test_ingest_dir import LIGHTHOUSES

ROOT = Path(__file__).resolve().parent.parent
LIBC = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP = 24
CAPS_THAT_IGNORE_MODES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def cli(*args: str, data_dir: Path, preexec=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_BACKEND": "extractive"}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    # stdin closed: an `mcp` (stdio) that was not refused ends at once instead of waiting for a client.
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600, preexec_fn=preexec, stdin=subprocess.DEVNULL)


def bound_by_modes() -> None:
    """preexec_fn for root: drop what makes root ignore permission bits (kept off across exec)."""
    for cap in CAPS_THAT_IGNORE_MODES:
        if LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def as_a_user():
    return bound_by_modes if os.geteuid() == 0 else None


def file_size_limited() -> None:
    """preexec_fn: no file may grow past a quarter of the probe; the write fails (EFBIG), no signal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (PROBE_BYTES // 4, PROBE_BYTES // 4))


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` -> the sha256 of its bytes ("dir" for a folder)."""
    return {str(p.relative_to(folder)): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def set_writable(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod((mode | stat.S_IWUSR) if writable else (mode & ~write))


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` and everything in it read-only for the block."""
    set_writable(folder, False)
    try:
        yield
    finally:
        set_writable(folder, True)


@contextmanager
def read_only_copy(source: Path, data: Path) -> Iterator[dict[str, str]]:
    """`source` copied to `data` and made read-only for the block; yields its snapshot from before."""
    shutil.copytree(source, data)
    before = snapshot(data)
    with read_only(data):
        yield before


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refused(run: subprocess.CompletedProcess, message: str) -> None:
    """The command stopped with exactly `message` on stderr, exit code 2, having started nothing."""
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.strip().splitlines() == [f"error: {message}"], run.stderr
    assert "Serving" not in run.stdout and "Loading weights" not in run.stderr  # no port, no model


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A data folder with the index and parse cache `assistant index` made (the probe passed)."""
    data = tmp_path_factory.mktemp("built") / "data"
    run = cli("index", data_dir=data)
    assert run.returncode == 0, run.stdout + run.stderr
    files = snapshot(data)
    assert "chroma/chroma.sqlite3" in files and any(name.startswith("cache/corpus-") for name in files)
    assert not any(".write-probe-" in name for name in files)  # the probe leaves nothing behind
    return data



@pytest.fixture
def text_file(tmp_path) -> Path:
    """A small text document to ingest (outside the data folder)."""
    path = tmp_path / "incoming" / "lighthouses.txt"
    path.parent.mkdir()
    path.write_text(LIGHTHOUSES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def with_document(built, tmp_path_factory) -> Path:
    """The built data folder after `assistant ingest` of one text document (A/RES/99/13), indexed."""
    data = tmp_path_factory.mktemp("with-document") / "data"
    shutil.copytree(built, data)
    source = data.parent / "lighthouses.txt"
    source.write_text(LIGHTHOUSES, encoding="utf-8")
    run = cli("ingest", str(source), data_dir=data)
    assert run.returncode == 0 and "added A/RES/99/13" in run.stdout, run.stdout + run.stderr
    assert any(p.name.endswith(".json") for p in (data / "documents").iterdir())
    return data


def test_a_read_only_data_folder_is_one_clear_error_and_nothing_changes(built, tmp_path):
    data = tmp_path / "data"
    with read_only_copy(built, data) as before:
        refused(cli("index", data_dir=data, preexec=as_a_user()),
                f"the data folder {data / 'chroma'} is read-only (Permission denied); nothing was written")
        refused(cli("serve", "--port", str(free_port()), data_dir=data, preexec=as_a_user()),
                f"the data folder {data} is read-only (Permission denied); nothing was written")
    assert snapshot(data) == before
    found = cli("search", "critical infrastructure", "-k", "3", data_dir=data)  # the index still answers
    assert found.returncode == 0 and "¶1.6" in found.stdout, found.stdout + found.stderr


def test_ingest_remove_and_mcp_on_a_read_only_data_folder_change_nothing(with_document, tmp_path):
    data = tmp_path / "data"
    with read_only_copy(with_document, data) as before:
        documents = f"the data folder {data / 'documents'} is read-only (Permission denied); nothing was written"
        other = tmp_path / "other.txt"  # a document not yet in the corpus: ingest would write it
        other.write_text(LIGHTHOUSES.replace("99/13", "99/14"), encoding="utf-8")
        refused(cli("ingest", str(other), data_dir=data, preexec=as_a_user()), documents)
        refused(cli("remove", "A/RES/99/13", data_dir=data, preexec=as_a_user()), documents)
        refused(cli("mcp", data_dir=data, preexec=as_a_user()),
                f"the data folder {data / 'chroma'} is read-only (Permission denied); nothing was written")
    assert snapshot(data) == before  # A/RES/99/13 still stored, nothing of A/RES/99/14
    found = cli("lookup", "A/RES/99/13 ¶1", data_dir=data)
    assert found.returncode == 0 and "radio links of lighthouse keepers" in found.stdout, found.stdout + found.stderr


def test_ingest_no_index_needs_no_writable_index_folder(built, text_file, tmp_path):
    """`ingest --no-index` does not touch the index, so a read-only index folder does not stop it;
    a plain `ingest`, which would sync the index, is refused before anything is stored."""
    data = tmp_path / "data"
    shutil.copytree(built, data)
    index_before = snapshot(data / "chroma")
    with read_only(data / "chroma"):
        refused(cli("ingest", str(text_file), data_dir=data, preexec=as_a_user()),
                f"the data folder {data / 'chroma'} is read-only (Permission denied); nothing was written")
        assert not (data / "documents").exists() or not any((data / "documents").iterdir())
        run = cli("ingest", "--no-index", str(text_file), data_dir=data, preexec=as_a_user())
        assert run.returncode == 0 and "added A/RES/99/13" in run.stdout, run.stdout + run.stderr
    assert snapshot(data / "chroma") == index_before
    assert any(p.name.endswith(".json") for p in (data / "documents").iterdir())


def _mount_tmpfs(point: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    point.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                          capture_output=True).returncode == 0


def _fill(folder: Path) -> None:
    with (folder / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error


@pytest.fixture(params=["tmpfs", "file-size limit"])
def full(request, built, tmp_path):
    """(data folder holding a built index, preexec_fn, the OS's words): writes there fail as on a full disk.
    The tmpfs case falls back to the file-size limit where root cannot mount (never skipped)."""
    point = tmp_path / "mnt"
    if request.param == "tmpfs" and _mount_tmpfs(point, "8m"):
        try:
            shutil.copytree(built, point / "data")
            _fill(point)
            yield point / "data", None, "No space left on device"
        finally:
            subprocess.run(["umount", str(point)], check=True)
        return
    shutil.copytree(built, tmp_path / "data")
    yield tmp_path / "data", file_size_limited, "File too large"


def test_a_full_data_folder_is_one_clear_error_and_nothing_changes(full):
    data, preexec, words = full
    before = snapshot(data)
    refused(cli("index", data_dir=data, preexec=preexec),
            f"no space left on device in {data / 'chroma'} ({words}); nothing was written")
    refused(cli("serve", "--port", str(free_port()), data_dir=data, preexec=preexec),
            f"no space left on device in {data} ({words}); nothing was written")
    assert snapshot(data) == before


def test_ingest_remove_and_mcp_on_a_full_data_folder_change_nothing(full, text_file):
    data, preexec, words = full
    before = snapshot(data)
    # No documents folder yet: the probe writes where ingest would make it, the data folder.
    refused(cli("ingest", str(text_file), data_dir=data, preexec=preexec),
            f"no space left on device in {data} ({words}); nothing was written")
    refused(cli("remove", "A/RES/99/13", data_dir=data, preexec=preexec),
            f"no space left on device in {data} ({words}); nothing was written")
    refused(cli("mcp", data_dir=data, preexec=preexec),
            f"no space left on device in {data / 'chroma'} ({words}); nothing was written")
    assert snapshot(data) == before


def test_the_probe_names_what_a_missing_folder_would_be_made_in(tmp_path):
    from assistant.data_dir import find_unwritable

    tmp_path.chmod(0o555)
    try:
        run = cli("index", data_dir=tmp_path / "new" / "data", preexec=as_a_user())
    finally:
        tmp_path.chmod(0o755)
    refused(run, f"the data folder {tmp_path} is read-only (Permission denied); nothing was written")
    assert list(tmp_path.iterdir()) == []
    assert find_unwritable([tmp_path / "new" / "data"]) is None  # writable again: no fault
