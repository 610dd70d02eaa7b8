"""The OpenAI-compatible endpoint of the real Gradio app (ui/openai_api.py), driven by the real `openai`
client on 127.0.0.1, streaming and not, with the extractive backend (no LLM runs)."""

from __future__ import annotations

import base64
import re

import httpx
import openai
import pytest

from tests.conftest import ui_start_app

RES = "A/C.1/73/L.27/Rev.1"
OEWG = "When does the open-ended working group hold its organizational session?"
PASSWORD = ("ann", "s3cret-pw")


def client(url: str, api_key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "v1", api_key=api_key, max_retries=0, timeout=300)


def ask(c: openai.OpenAI, messages: list[dict], **options):
    return c.chat.completions.create(model="unres-assistant", messages=messages, **options)


@pytest.fixture(scope="module")
def auth_server(ui_settings):
    url, app, _ = ui_start_app(ui_settings, auth=PASSWORD)
    yield url
    app.close()


def test_models_lists_the_assistant(ui_server):
    assert [m.id for m in client(ui_server.url).models.list()] == ["unres-assistant"]


def test_an_answer_keeps_its_citations_in_the_text_and_as_data(ui_server):
    completion = ask(client(ui_server.url), [{"role": "system", "content": "You are helpful."},
                                             {"role": "user", "content": OEWG}])
    message = completion.choices[0].message
    assert message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert f"[{RES} ¶6]" in message.content and "June 2019" in message.content
    citations = completion.model_extra["citations"]
    six = [c for c in citations if (c["symbol"], c["label"]) == (RES, "6")]
    assert six and six[0]["citation"] == f"[{RES} ¶6]"
    assert six[0]["text"] == ui_server.corpus.get(RES, "6").text  # the paragraph verbatim, as in the corpus
    assert six[0]["page"] == ui_server.corpus.get(RES, "6").page
    assert completion.model_extra["refused"] is False
    # The citations in the text are the structured ones.
    assert set(re.findall(r"\[[^\[\]]+ ¶[^\[\]]+\]", message.content)) == {c["citation"] for c in citations}


def test_streaming_sends_the_same_answer_and_the_citations_last(ui_server):
    c = client(ui_server.url)
    whole = ask(c, [{"role": "user", "content": OEWG}])
    chunks = list(ask(c, [{"role": "user", "content": OEWG}], stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert len([ch for ch in chunks if ch.choices[0].delta.content]) > 3  # in pieces, not one block
    assert text == whole.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"] == whole.model_extra["citations"]
    assert all("citations" not in (ch.model_extra or {}) for ch in chunks[:-1])


def test_earlier_turns_are_the_history(ui_server):
    c = client(ui_server.url)
    first = ask(c, [{"role": "user", "content": OEWG}]).choices[0].message.content
    follow = ask(c, [{"role": "user", "content": OEWG}, {"role": "assistant", "content": first},
                     {"role": "user", "content": [{"type": "text", "text": "And what is it supposed to agree on there?"}]}])
    assert f"[{RES} ¶6]" in [x["citation"] for x in follow.model_extra["citations"]]


def test_a_lookup_question_quotes_the_paragraph(ui_server):
    completion = ask(client(ui_server.url), [{"role": "user", "content": "What does 1.6 say?"}])
    assert ui_server.corpus.get(RES, "1.6").text in completion.choices[0].message.content
    assert [(x["symbol"], x["label"]) for x in completion.model_extra["citations"]] == [(RES, "1.6")]


def test_documents_limit_the_search(ui_server):
    completion = ask(client(ui_server.url), [{"role": "user", "content": "What do the norms say about critical infrastructure?"}],
                     extra_body={"documents": ["A/70/174"]})
    symbols = {x["symbol"] for x in completion.model_extra["citations"]}
    assert symbols == {"A/70/174"}
    with pytest.raises(openai.BadRequestError):
        ask(client(ui_server.url), [{"role": "user", "content": OEWG}], extra_body={"documents": "A/70/174"})


def test_a_request_without_a_question_is_refused(ui_server):
    c = client(ui_server.url)
    with pytest.raises(openai.BadRequestError):
        ask(c, [{"role": "user", "content": OEWG}, {"role": "assistant", "content": "..."}])
    with pytest.raises(openai.BadRequestError):
        ask(c, [{"role": "user", "content": "   "}])


def test_with_auth_the_endpoint_needs_the_password(auth_server):
    for wrong in ("x", "not-the-password"):
        with pytest.raises(openai.AuthenticationError):
            ask(client(auth_server, wrong), [{"role": "user", "content": OEWG}])
        with pytest.raises(openai.AuthenticationError):
            client(auth_server, wrong).models.list()
    with pytest.raises(openai.AuthenticationError):
        list(ask(client(auth_server, "nope"), [{"role": "user", "content": OEWG}], stream=True))
    # No Authorization header at all; HTTP Basic (not accepted, even with the right user and password).
    basic = "Basic " + base64.b64encode(":".join(PASSWORD).encode()).decode()
    for headers in ({}, {"Authorization": basic}):
        response = httpx.post(auth_server + "v1/chat/completions", headers=headers,
                              json={"messages": [{"role": "user", "content": OEWG}]}, timeout=60)
        assert response.status_code == 401

    # The password as the api_key (Authorization: Bearer <password>), streaming and not.
    good = client(auth_server, PASSWORD[1])
    assert [m.id for m in good.models.list()] == ["unres-assistant"]
    whole = ask(good, [{"role": "user", "content": OEWG}])
    assert f"[{RES} ¶6]" in whole.choices[0].message.content
    streamed = list(ask(good, [{"role": "user", "content": OEWG}], stream=True))
    assert "".join(ch.choices[0].delta.content or "" for ch in streamed) == whole.choices[0].message.content


def test_a_slow_answer_keeps_the_stream_alive_and_a_failure_is_reported(ui_server, monkeypatch):
    """The stream generator itself: SSE comments while waiting; an error event when answering fails."""
    import json
    import threading

    from ui import openai_api

    monkeypatch.setattr(openai_api, "KEEPALIVE", 0.01)
    answer = ui_server.assistant.ask(OEWG)
    release = threading.Event()

    def slow():
        release.wait(60)
        return answer

    events = openai_api._stream(slow, "chatcmpl-x", 0)
    assert json.loads(next(events)[6:])["choices"][0]["delta"]["role"] == "assistant"
    assert next(events).startswith(":") and next(events).startswith(":")  # comments while it waits
    release.set()
    rest = [e for e in events if not e.startswith(":")]
    assert rest[-1] == "data: [DONE]\n\n"
    assert "".join(json.loads(e[6:])["choices"][0]["delta"].get("content", "") for e in rest[:-1]) == answer.text

    def failing():
        raise RuntimeError("the index is gone")

    events = list(openai_api._stream(failing, "chatcmpl-y", 0))
    error = json.loads(events[-1][6:])["error"]
    assert error["type"] == "server_error" and "the index is gone" in error["message"]
