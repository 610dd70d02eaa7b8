"""An OpenAI-compatible chat endpoint, served by the Gradio app itself (ui/app.py mounts `router`):

    POST /v1/chat/completions   {"messages": [...], "stream": false|true}
    GET  /v1/models             one model, "unres-assistant" (the app's configured backend)

The last user message is the question; the user/assistant pairs before it are the history (system
messages are ignored: the assistant keeps its own instructions). The message content is the verified
answer with its [symbol ¶label] markers; the response also has a top-level "citations" list (symbol,
label, citation, text, page, kind) and "refused". Streaming (SSE) sends the role first, SSE comments
while the answer is being written, then the answer in word-sized deltas; the final chunk carries
"citations" and "refused". The deltas are the verified answer, not the model's raw tokens: citations
are attached, and unsupported sentences marked, only once the whole draft is checked.

The request's "model" is accepted whatever it names; an extra field "documents" (a list of symbols)
restricts the search. Authentication is the app's (ui/access.py gates every route): when it runs with
--auth user:password, a request needs `Authorization: Bearer <password>` (what the openai client sends
as its api_key), or else gets a 401. HTTP Basic is not accepted.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

# At module level: FastAPI reads the endpoints' annotations (`Request`) in this module's namespace.
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ui.sources import source, source_json

if TYPE_CHECKING:
    from assistant.answer import Answer
    from assistant.chain import Assistant

log = logging.getLogger(__name__)

MODEL_ID = "unres-assistant"
KEEPALIVE = 10.0  # seconds between SSE comments while an answer is being written (proxies drop idle streams)


@dataclass(frozen=True)
class ChatTurns:
    """The messages as the assistant takes them: a question and the (question, answer) pairs before it."""

    question: str
    history: list[tuple[str, str]]


class BadRequest(ValueError):
    """A request the endpoint cannot answer; the message says why (a 400)."""


def message_text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts.

    >>> message_text([{"type": "text", "text": "What does"}, {"type": "image_url"}, {"type": "text", "text": "1.6 say?"}])
    'What does\\n1.6 say?'
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise BadRequest("message content must be a string or a list of content parts")


def read_messages(messages: Any) -> ChatTurns:
    """The question (the last message, a user's) and the history (each user message answered after it).

    >>> t = read_messages([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q1"},
    ...                    {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}])
    >>> t.question, t.history
    ('Q2', [('Q1', 'A1')])
    """
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list")
    if not all(isinstance(m, dict) for m in messages):
        raise BadRequest("each message must be an object with 'role' and 'content'")
    last = messages[-1]
    if last.get("role") != "user":
        raise BadRequest("the last message must be the user's question")
    history, pending = [], None
    for m in messages[:-1]:
        if m.get("role") == "user":
            pending = message_text(m.get("content"))  # two user messages in a row: the later one was answered
        elif m.get("role") == "assistant" and pending is not None:
            history.append((pending, message_text(m.get("content"))))
            pending = None
    question = message_text(last.get("content")).strip()
    if not question:
        raise BadRequest("the question (the last user message) is empty")
    return ChatTurns(question, history)


def deltas(text: str) -> list[str]:
    """The answer in word-sized pieces that join back to it exactly.

    >>> deltas("It meets [A ¶6].\\nThen  more.")
    ['It ', 'meets ', '[A ', '¶6].\\n', 'Then  ', 'more.']
    """
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece]


def extras(answer: "Answer") -> dict:
    """What the response carries beside the OpenAI fields: the citations, structured, and the refusal."""
    return {"citations": [source_json(source(c)) for c in answer.citations], "refused": answer.refused}


def completion_json(answer: "Answer", completion_id: str, created: int) -> dict:
    return {"id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                         "finish_reason": "stop", "logprobs": None}],
            **extras(answer)}


def chunk_json(completion_id: str, created: int, delta: dict, finish_reason: str | None = None, **more) -> dict:
    return {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}], **more}


def error_json(message: str, kind: str = "invalid_request_error", code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def sse(data: dict | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


def router(assistant: "Assistant") -> APIRouter:
    """The /v1 routes answering with `assistant` (behind the app's password gate, ui/access.py)."""
    import anyio

    routes = APIRouter(prefix="/v1")

    def ask(turns: ChatTurns, documents: list[str] | None) -> "Answer":
        return assistant.ask(turns.question, history=turns.history, symbols=documents)

    @routes.get("/models")
    def models():
        return {"object": "list", "data": [_model_json()]}

    @routes.get("/models/{model_id}")
    def model(model_id: str):
        if model_id != MODEL_ID:
            return JSONResponse(error_json(f"no model {model_id!r}; this server has {MODEL_ID!r}", code="model_not_found"),
                                status_code=404)
        return _model_json()

    @routes.post("/chat/completions")
    async def chat_completions(request: Request):
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise BadRequest("the request body must be a JSON object")
            turns = read_messages(body.get("messages"))
            documents = body.get("documents")
            if documents is not None and not (isinstance(documents, list) and all(isinstance(d, str) for d in documents)):
                raise BadRequest("'documents' must be a list of document symbols")
        except (BadRequest, json.JSONDecodeError, UnicodeDecodeError) as error:
            return JSONResponse(error_json(str(error)), status_code=400)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.get("stream"):
            return StreamingResponse(_stream(lambda: ask(turns, documents or None), completion_id, created),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            answer = await anyio.to_thread.run_sync(ask, turns, documents or None)
        except Exception as error:  # noqa: BLE001 - the client gets the reason, the log the traceback
            log.exception("the OpenAI-compatible endpoint failed on %r", turns.question)
            return JSONResponse(error_json(f"{type(error).__name__}: {error}", "server_error"), status_code=500)
        return completion_json(answer, completion_id, created)

    return routes


def _model_json() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "unres-assistant"}


def _stream(answer_of, completion_id: str, created: int) -> Iterator[str]:
    """The SSE events of one streamed completion (Starlette runs this generator in a worker thread)."""
    yield sse(chunk_json(completion_id, created, {"role": "assistant", "content": ""}))
    box: queue.Queue = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            box.put(answer_of())
        except Exception as error:  # noqa: BLE001 - reported in the stream below
            log.exception("the OpenAI-compatible endpoint failed while streaming")
            box.put(error)

    threading.Thread(target=work, daemon=True, name="openai-api-answer").start()
    while True:
        try:
            answer = box.get(timeout=KEEPALIVE)
            break
        except queue.Empty:
            yield ": the answer is being written\n\n"  # an SSE comment: clients ignore it
    if isinstance(answer, Exception):
        yield sse(error_json(f"{type(answer).__name__}: {answer}", "server_error"))
        return
    for piece in deltas(answer.text):
        yield sse(chunk_json(completion_id, created, {"content": piece}))
    yield sse(chunk_json(completion_id, created, {}, "stop", **extras(answer)))
    yield sse("[DONE]")
