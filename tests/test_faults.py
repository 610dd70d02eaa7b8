"""The LLM endpoint dies, hangs or times out mid-answer: the user gets the extractive answer with a
notice within `answer_timeout`, and the next question works. A real HTTP server on 127.0.0.1 speaks
the OpenAI chat API (streamed), and misbehaves on request."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.answer import AnswerKind
from corpus.records import RESOLUTION, Citation

QUESTION = "When does the open-ended working group hold its organizational session?"
TIMEOUT = 3.0


class Endpoint(BaseHTTPRequestHandler):
    """`mode` (a class attribute the test sets): "ok", "hang" (no reply), "die" (one chunk, then the
    connection is cut), "stall" (one chunk, then silence)."""

    mode = "ok"

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = " ".join(str(m.get("content", "")) for m in body["messages"])
        # The judge and the answerability check ask for one word; the answer prompt for sentences.
        reply = "YES" if "Answer YES or NO" in prompt else "The group holds its organizational session in June 2019 [¶6]."
        if self.mode == "hang":
            time.sleep(TIMEOUT * 4)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        words = reply.split(" ")
        for n, word in enumerate(words):
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                     "choices": [{"index": 0, "delta": {"content": (" " if n else "") + word}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            if n == 1 and self.mode == "die":
                self.connection.shutdown(2)  # the server process went away mid-answer
                return
            if n == 1 and self.mode == "stall":
                time.sleep(TIMEOUT * 4)
                return
        last = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture()
def remote(endpoint, assistant_settings, shipped_corpus, embedded_searcher):
    from assistant.chain import Assistant

    settings = assistant_settings.model_copy(update={"openai_base_url": endpoint, "answer_timeout": TIMEOUT})
    yield Assistant(settings, backend="openai", corpus=shipped_corpus, searcher=embedded_searcher)
    Endpoint.mode = "ok"


def test_the_endpoint_answers_when_it_works(remote):
    answer = remote.ask(QUESTION)
    assert answer.kind is AnswerKind.ANSWER and answer.backend == "openai", answer.backend
    assert answer.citations[0].citation == Citation(RESOLUTION, "6")


@pytest.mark.parametrize("mode", ["hang", "die", "stall"])
def test_a_failing_endpoint_gives_the_extractive_answer_with_a_notice_in_time_and_the_next_question_works(remote, mode):
    Endpoint.mode = mode
    started = time.perf_counter()
    answer = remote.ask(QUESTION)
    took = time.perf_counter() - started
    assert answer.kind is AnswerKind.ANSWER and answer.backend.startswith("extractive (fallback:"), answer.backend
    assert answer.citations[0].citation == Citation(RESOLUTION, "6")  # quoted verbatim, not generated
    assert took < TIMEOUT * 3, f"{took:.1f} s"  # bounded by the timeout (not the endpoint's 12 s silence)
    Endpoint.mode = "ok"
    after = remote.ask(QUESTION)
    assert after.backend == "openai" and after.citations[0].citation == Citation(RESOLUTION, "6")
