"""Shared fixtures. Loading the sentence-embedding model takes seconds, so it is loaded once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def embedding_encoder():
    """The packaged all-MiniLM-L6-v2 as an `embeddings.encoder.Encoder`, weights loaded."""
    from embeddings.encoder import Encoder

    encoder = Encoder()
    encoder.model  # load now: every test that embeds shares these weights
    return encoder


@pytest.fixture(scope="session")
def shipped_corpus():
    """The corpus of shipped texts only (no user documents)."""
    from corpus.store import load_corpus

    return load_corpus()


# --- a real Chroma server (tests/test_chroma_server*.py) ------------------------------------------------
class ChromaServer:
    """One `chroma run` on a fixed folder and port, which a test can kill and start again."""

    def __init__(self, data: Path, log: Path) -> None:
        self.host, self.port, self.data, self.log = "127.0.0.1", ui_free_port(), data, log
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(self.data), "--host", self.host, "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{self.address}/api/v2/heartbeat", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"chroma server did not answer its heartbeat; log: {self.log}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: the server goes away without a word, as when it crashes or its machine does."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# --- UI fixtures (ui/ package; used by tests/test_ui_*.py) --------------------------------------------
UI_CHROMIUM = "/usr/bin/chromium"
UI_CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def ui_free_port() -> int:
    """A free TCP port on 127.0.0.1 (asked of the OS)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_start_app(settings, backend: str = "extractive", auth: tuple[str, str] | None = None):
    """build_app + launch on a free 127.0.0.1 port without blocking (with the /v1 OpenAI-compatible
    routes, and `auth` as `--auth` gives it); returns (url, app, assistant)."""
    from assistant.chain import Assistant
    from ui.app import build_app, launch

    assistant = Assistant(settings, backend=backend)
    app = build_app(assistant)
    port = ui_free_port()
    launch(app, "127.0.0.1", port, auth=auth, prevent_thread_lock=True, quiet=True, assistant=assistant)
    return f"http://127.0.0.1:{port}/", app, assistant


@pytest.fixture(scope="session")
def ui_settings(tmp_path_factory):
    """Settings for the UI tests: a fresh data dir (index, parse cache, feedback DB), the real model file."""
    from assistant.config import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("ui-data"), gguf_path=Settings().model_file, backend="extractive")


@pytest.fixture(scope="session")
def ui_server(ui_settings):
    """The real Gradio app on a free 127.0.0.1 port (prevent_thread_lock), backend extractive by default."""
    from types import SimpleNamespace

    url, app, assistant = ui_start_app(ui_settings)
    yield SimpleNamespace(url=url, app=app, assistant=assistant, settings=ui_settings, corpus=assistant.corpus)
    app.close()


@pytest.fixture(scope="session")
def ui_browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(UI_CHROMIUM).exists():
        pytest.fail(f"{UI_CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=UI_CHROMIUM, args=UI_CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def embedded_searcher(embedding_encoder, shipped_corpus, tmp_path_factory):
    """A `HybridSearcher` over the shipped corpus, indexed once into a temporary embedded Chroma."""
    from embeddings.hybrid import HybridSearcher

    return HybridSearcher.open(shipped_corpus, path=tmp_path_factory.mktemp("embedded-index"),
                               encoder=embedding_encoder)


# --- assistant fixtures (tests/test_assistant.py) ------------------------------------------------
@pytest.fixture(scope="session")
def corpus(shipped_corpus):
    return shipped_corpus


@pytest.fixture(scope="session")
def searcher(embedded_searcher):
    return embedded_searcher


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """An empty data directory (the CLI builds its own index and parse cache there)."""
    return tmp_path_factory.mktemp("assistant-data")


@pytest.fixture(scope="session")
def assistant_settings(data_dir):
    from assistant.config import Settings

    return Settings(data_dir=data_dir, gguf_path=Settings().model_file)


@pytest.fixture(scope="session")
def extractive(assistant_settings, shipped_corpus, embedded_searcher):
    """The assistant without an LLM, sharing the session's index and embedding model."""
    from assistant.chain import Assistant

    return Assistant(assistant_settings, backend="extractive", corpus=shipped_corpus, searcher=embedded_searcher)


@pytest.fixture(scope="session")
def local(assistant_settings, shipped_corpus, embedded_searcher):
    """The assistant with the real local GGUF model (the embedded default backend)."""
    from assistant.chain import Assistant

    return Assistant(assistant_settings, backend="llama-cpp", corpus=shipped_corpus, searcher=embedded_searcher)


def pdf_of(text: str, path):
    """A real PDF of `text` (one line a line, monospace), as an ingested document would be."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("mono", fname="/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    pdf.set_font("mono", size=8)
    pdf.add_page()
    for line in text.splitlines():
        if line.strip():
            pdf.cell(0, 4, line.rstrip(), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
