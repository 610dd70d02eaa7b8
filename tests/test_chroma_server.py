"""The same index in a real Chroma server (`chroma run`) answers like the embedded store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from embeddings.hybrid import HybridSearcher
from embeddings.index import open_index, sync_index

CHROMA = Path(sys.executable).parent / "chroma"
QUERIES = [
    "attacks on critical infrastructure that provides services to the public",
    "Which human rights covenants does the privacy draft reaffirm?",
    "capacity-building for developing countries",
    "States must not use proxies to commit internationally wrongful acts",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """(host, port) of a `chroma run` server on a temporary folder; stopped afterwards."""
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data.parent / "chroma-server.log").open("wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"chroma server did not answer its heartbeat; log: {log.name}")
        time.sleep(0.2)
    yield "127.0.0.1", port
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=15)
    log.close()


def test_server_index_answers_like_the_embedded_one(chroma_server, embedding_encoder, shipped_corpus,
                                                    embedded_searcher):
    host, port = chroma_server
    report = sync_index(shipped_corpus, embedding_encoder, host=host, port=port)
    assert report.added == report.chunks == embedded_searcher.index.count()
    again = sync_index(shipped_corpus, embedding_encoder, host=host, port=port)
    assert (again.added, again.updated, again.removed, again.reused) == (0, 0, 0, report.chunks)

    served = HybridSearcher(shipped_corpus, embedding_encoder, open_index(embedding_encoder, host=host, port=port))
    for query in QUERIES:
        for mode in ("dense", "hybrid"):
            remote = [h.paragraph.citation.key for h in served.search(query, k=5, mode=mode)]
            local = [h.paragraph.citation.key for h in embedded_searcher.search(query, k=5, mode=mode)]
            assert remote[:3] == local[:3], (query, mode)
            assert len(set(remote) & set(local)) >= 4, (query, mode)
