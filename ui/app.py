"""The Gradio app: chat with streamed, cited answers; a reader for paragraphs and documents; a document
browser; the registry of cited documents; feedback; exports.

    assistant serve [--host H] [--port P] [--auth user:password | --no-auth]

Layout: tabs on the left (Ask, Browse documents, Cited documents, Feedback), the reader on the right.
Every citation, paragraph label and document symbol in the HTML views is a <button data-ref=...>;
ui/assets.CLICK_JS turns a click into the view's Gradio "click" event with {ref}, and `_open_ref`
renders the reader. The same reader answers the lookup box (`/lookup` in the API).

Concurrency: the LLM answers one question at a time (the `ask` event has concurrency_limit=1, the
others queue and see their position); lookups, the reader, the browser and the feedback buttons do
not go through the queue (queue=False), so they stay instant while an answer is being generated.

API endpoints (gradio_client): /ask(question, backend, k, documents) -> (conversation HTML, answer
JSON, status, turn choices); /lookup(reference) -> (reader HTML, record); /feedback(turn, rating,
comment); /answer_markdown(turn); /export_conversation(format) -> file; /export_feedback() -> file;
/new_conversation(); /check_statement(draft) -> (HTML, record): each sentence of a draft verbatim / near /
new against the corpus (corpus/agreed.py). The conversation is per session (gr.State): one Client = one
conversation.
The same server answers OpenAI-compatible /v1/chat/completions and /v1/models (ui/openai_api.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui import feedback as feedback_store
from ui.access import is_loopback
from ui import html as views
from ui.assets import CLICK_JS, CSS, THEME
from ui.conversation import (Conversation, Turn, answer_markdown, clip_question, conversation_json, conversation_markdown,
                             dumps, write_export)

if TYPE_CHECKING:
    from assistant.chain import Assistant

log = logging.getLogger(__name__)

BACKENDS = [("Local LLM (llama.cpp)", "llama-cpp"), ("OpenAI-compatible server", "openai"),
            ("Extractive: quotes only, no LLM", "extractive")]
EXAMPLES = [
    "What does the resolution say about attacks on critical infrastructure?",
    "When does the open-ended working group hold its organizational session?",
    "Is the fact that an ICT activity originated from a State's territory enough to attribute it to that State?",
    "What is resolution 58/199?",
    "What does 1.6 say?",
]
STREAM_EVERY = 0.08  # seconds between two repaints of a streaming answer
STATEMENT_CHARS = 20_000  # a draft statement is a few thousand characters; longer pastes are cut
LOOKUP_PLACEHOLDER = "1.6 · para 4 (c) · third preambular paragraph · footnote 2 · A/70/174 ¶26 · resolution 58/199"


def build_app(assistant: "Assistant") -> gr.Blocks:
    """The Blocks app for one Assistant (its corpus, settings and feedback database)."""
    corpus = assistant.corpus
    settings = assistant.settings
    db = settings.feedback_db
    from corpus.agreed import check_json

    agreed = assistant.agreed  # the reader's "Where else" and the draft check (the one the answers use)
    # Gradio serves every file under its upload folder, by default /tmp/gradio, which every Gradio app and
    # user of the machine shares: this app's exports go to a folder of its own (read by the components
    # made below and by launch()), so no file another program left there is served (tests/test_security.py).
    os.environ["GRADIO_TEMP_DIR"] = str(settings.app_files_dir)

    def turn_choices(conversation: Conversation | None) -> list[tuple[str, int]]:
        if not conversation:
            return []
        return [(f"{n}. {views.short(t.question, 10)}", n) for n, t in enumerate(conversation.turns, start=1)
                if t.answer is not None]

    def settings_record(backend: str, k: int, documents: list[str] | None) -> dict:
        return {"backend": backend, "paragraphs retrieved": int(k), "documents": views.documents_summary(documents or [])}

    # --- handlers ------------------------------------------------------------------------------
    def submit_question(question: str, conversation: Conversation | None):
        """Show the question at once (the answer may wait in the queue); hand it to `ask`."""
        question = (question or "").strip()
        if not question:
            raise gr.Error("Type a question first.", duration=4)
        return question, "", views.conversation_html(conversation, corpus, pending=clip_question(question),
                                                      waiting="Waiting for the assistant: it answers one question at a time; your place in the queue is shown below …")

    def ask(question: str, conversation: Conversation | None, backend: str, k: float, documents: list[str] | None):
        """Stream the answer to `question` (a follow-up when the session has earlier turns)."""
        question = (question or "").strip()
        conversation = conversation or Conversation()
        if not question:
            raise gr.Error("Type a question first.", duration=4)
        backend = backend or assistant.backend
        status = f"Answering with {backend} …"
        full, question = question, clip_question(question)  # the assistant reads it whole; the page shows it cut
        yield (views.conversation_html(conversation, corpus, pending=question, waiting="Searching the documents …"),
               gr.skip(), gr.skip(), status, gr.skip())
        history = conversation.history()
        text, answer, last = "", None, 0.0
        try:
            for event in assistant.stream(full, history=history, backend=backend, k=int(k),
                                          symbols=list(documents) if documents else None):
                if isinstance(event, str):
                    text += event
                    if time.monotonic() - last >= STREAM_EVERY:
                        last = time.monotonic()
                        yield (views.conversation_html(conversation, corpus, pending=question, streaming=text),
                               gr.skip(), gr.skip(), status, gr.skip())
                else:
                    answer = event
            if answer is None:
                raise RuntimeError("the assistant finished without an answer")
        except Exception as error:  # noqa: BLE001 - shown to the user, logged with its traceback
            log.error("answering %r failed:\n%s", question[:200], traceback.format_exc())
            message = f"The assistant failed: {type(error).__name__}: {views.short(str(error), 60)}"
            conversation.turns.append(Turn(question, error=message))
            yield (views.conversation_html(conversation, corpus), conversation, {"error": message},
                   "The last question failed; see the message above.", gr.update(choices=turn_choices(conversation)))
            return
        from assistant.render import answer_json

        conversation.turns.append(Turn(question, answer))
        choices = turn_choices(conversation)
        total = answer.timings.get("total", 0.0)
        yield (views.conversation_html(conversation, corpus), conversation, answer_json(answer),
               f"Answered in {total:.1f} s with {answer.backend}.",
               gr.update(choices=choices, value=choices[-1][1] if choices else None))

    def new_conversation():
        return None, views.EMPTY_CONVERSATION, None, "", gr.update(choices=[], value=None)

    def lookup(reference: str):
        return views.reader_for(reference, corpus, agreed)

    def open_ref(evt: gr.EventData):
        reference = getattr(evt, "_data", None) or {}
        return views.reader_for(str(reference.get("ref", "")), corpus, agreed)[0]

    def check_statement(draft: str | None):
        """Each sentence of a pasted draft against the corpus: verbatim, near (with the diff) or new."""
        draft = draft or ""
        note = ""
        if len(draft) > STATEMENT_CHARS:  # a pasted book is cut, and says so
            note = f"Only the first {STATEMENT_CHARS:,} of {len(draft):,} characters were checked."
            draft = draft[:STATEMENT_CHARS]
        check = agreed.check_statement(draft)
        record = check_json(check) | ({"note": note} if note else {})
        return views.statement_check_html(check, note), record

    def save_feedback(turn: float | None, rating: str | None, comment: str | None, conversation: Conversation | None,
                      keep_comment: bool = False):
        if not conversation or not conversation.turns:
            raise gr.Error("There is no answer to rate yet.", duration=4)
        number = int(turn) if turn is not None else len(conversation.turns)
        target = conversation.turn(number)
        if target is None or target.answer is None:
            raise gr.Error(f"There is no answer {number} to rate.", duration=4)
        if rating not in feedback_store.RATINGS:
            raise gr.Error("Choose Helpful or Not helpful first.", duration=4)
        row = feedback_store.record(db, conversation=conversation.id, turn=number, question=target.question,
                                    history=conversation.questions_before(number), answer=target.answer,
                                    rating=rating, comment=None if keep_comment else (comment or ""))
        target.rating = rating
        word = "helpful" if rating == "up" else "not helpful"
        return (f"Saved: answer {number} rated {word}" + ("" if keep_comment or not comment else " with your comment")
                + f" (feedback #{row}).", conversation, views.conversation_html(conversation, corpus))

    def feedback_api(turn: float | None, rating: str, comment: str, conversation: Conversation | None):
        status, conversation, page = save_feedback(turn, rating, comment, conversation)
        return status, conversation, page

    def conversation_click(conversation: Conversation | None, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        if data.get("action") == "rate":
            number, rating = int(data.get("turn") or 0), data.get("rating")
            status, conversation, page = save_feedback(number, rating, None, conversation, keep_comment=True)
            return (gr.skip(), status + " Add a comment below if you like.", conversation, page,
                    gr.update(value=number), gr.update(value=rating), gr.update(open=True))
        if "ref" in data:
            return (views.reader_for(str(data["ref"]), corpus, agreed)[0], gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    gr.skip(), gr.skip())
        return (gr.skip(),) * 7

    def markdown_of(turn: float | None, conversation: Conversation | None) -> str:
        if not conversation or not conversation.turns:
            return ""
        number = int(turn) if turn is not None else len(conversation.turns)
        target = conversation.turn(number)
        return answer_markdown(target.question, target.answer, corpus) if target and target.answer else ""

    def export_conversation(fmt: str, conversation: Conversation | None, backend: str, k: float,
                            documents: list[str] | None):
        if not conversation or not conversation.turns:
            raise gr.Error("Nothing to export yet: ask a question first.", duration=4)
        record = settings_record(backend, k, documents)
        if (fmt or "").lower().startswith("json"):
            return str(write_export(dumps(conversation_json(conversation, corpus, record)), "conversation", ".json"))
        if (fmt or "").lower().startswith("docx"):  # Word, a footnote per cited paragraph
            from ui.docx_export import conversation_docx, write_docx

            return str(write_docx(conversation_docx(conversation, corpus, record), "conversation"))
        return str(write_export(conversation_markdown(conversation, corpus, record), "conversation", ".md"))

    def export_feedback(include_down: bool = False):
        items = feedback_store.eval_items(feedback_store.rows(db), bool(include_down))
        if not items:
            raise gr.Error("No feedback to export yet: rate an answer helpful first.", duration=4)
        import json

        text = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
        return str(write_export(text, "feedback-eval-items", ".jsonl")), f"{len(items)} eval items exported."

    # --- layout -----------------------------------------------------------------------------------
    # Safety: every gr.HTML here keeps the default html_template "${value}". Gradio renders the template
    # through Handlebars and then as a JS template literal (new Function); with "${value}" the escaped value
    # is substituted as data. A template such as "{{{value}}}" or "<div>{{value}}</div>" would put document
    # text inside that literal, where "${...}" in a document would run as code (tests/test_ui_safety.py).
    with gr.Blocks(title="A/C.1/73/L.27/Rev.1 · research assistant", analytics_enabled=False) as app:
        conversation_state = gr.State(None)
        pending = gr.Textbox(visible=False)
        gr.HTML(views.header_html(corpus), js_on_load=None, elem_id="ua-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=520):
                with gr.Tabs(elem_id="ua-tabs"):
                    with gr.Tab("Ask", id="ask", elem_id="ua-tab-ask"):
                        conversation = gr.HTML(views.EMPTY_CONVERSATION, js_on_load=CLICK_JS, elem_id="ua-conversation",
                                               autoscroll=True)
                        status = gr.Markdown("", elem_id="ua-status")
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(show_label=False, placeholder="Ask about the resolution or a document it cites …",
                                                  lines=2, max_lines=6, scale=6, elem_id="ua-question", autofocus=True)
                            with gr.Column(scale=1, min_width=120):
                                send = gr.Button("Ask", variant="primary", elem_id="ua-send")
                                stop = gr.Button("Stop", variant="secondary", size="sm", elem_id="ua-stop")
                        gr.Examples(EXAMPLES, inputs=question, label="Examples")
                        with gr.Row():
                            with gr.Accordion("Settings", open=False, elem_id="ua-settings"):
                                backend = gr.Radio(BACKENDS, value=assistant.backend, label="Answer with",
                                                   info="The local LLM writes answers (5-10 s each on CPU); extractive "
                                                        "quotes the best paragraphs. "
                                                        + ("" if settings.openai_base_url else
                                                           "OpenAI-compatible: set ASSISTANT_OPENAI_BASE_URL first."),
                                                   elem_id="ua-backend")
                                top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Paragraphs retrieved",
                                                  elem_id="ua-k")
                                documents = gr.Dropdown(views.document_choices(corpus), value=[], multiselect=True,
                                                        label="Search only in", info="Empty: all documents",
                                                        elem_id="ua-documents")
                        with gr.Accordion("Rate an answer", open=False, elem_id="ua-rate") as rate_box:
                            with gr.Row():
                                fb_turn = gr.Dropdown([], label="Answer", scale=2, elem_id="ua-fb-turn")
                                fb_rating = gr.Radio([("Helpful", "up"), ("Not helpful", "down")], label="Rating", scale=2,
                                                     elem_id="ua-fb-rating")
                            fb_comment = gr.Textbox(label="Comment (optional)", lines=2,
                                                    placeholder="What was wrong or missing? Which paragraph should it cite?",
                                                    elem_id="ua-fb-comment")
                            with gr.Row():
                                fb_save = gr.Button("Save feedback", elem_id="ua-fb-save", scale=0, min_width=160)
                                fb_status = gr.Markdown("", elem_id="ua-fb-status")
                        with gr.Accordion("Copy and export", open=False, elem_id="ua-export"):
                            with gr.Row():
                                md_button = gr.Button("Show the selected answer as Markdown", scale=0, min_width=260)
                                export_format = gr.Radio(["Markdown", "JSON", "DOCX"], value="Markdown", label="Conversation format",
                                                         scale=1)
                                export_button = gr.Button("Export conversation", scale=0, min_width=200,
                                                          elem_id="ua-export-button")
                            md_text = gr.Textbox(label="Answer as Markdown (quote + citations)", lines=8, max_lines=20,
                                                 buttons=["copy"], interactive=False, elem_id="ua-md")
                            export_file = gr.File(label="Download", interactive=False, elem_id="ua-export-file")
                        with gr.Accordion("Check a draft statement", open=False, elem_id="ua-check-box"):
                            draft = gr.Textbox(label="Draft statement", lines=5, max_lines=20, elem_id="ua-draft",
                                               placeholder="Paste a draft: each sentence is shown as verbatim, near or "
                                                           "new agreed language, with the closest paragraph")
                            check_button = gr.Button("Check against the corpus", scale=0, min_width=220,
                                                     elem_id="ua-check-button")
                            check_view = gr.HTML("", js_on_load=CLICK_JS, elem_id="ua-check-view")
                            check_record = gr.JSON(visible=False)
                        new_button = gr.Button("New conversation", size="sm", variant="secondary", elem_id="ua-new")
                        last_answer = gr.JSON(visible=False)
                    with gr.Tab("Browse documents", id="docs", elem_id="ua-tab-docs"):
                        first = next(iter(corpus.documents))
                        doc_select = gr.Dropdown(views.document_choices(corpus), value=first, label="Document",
                                                 elem_id="ua-doc-select")
                        doc_view = gr.HTML(views.document_html(first, corpus), js_on_load=CLICK_JS, elem_id="ua-doc-view")
                    with gr.Tab("Cited documents", id="registry", elem_id="ua-tab-registry"):
                        registry = gr.HTML(views.registry_html(corpus), js_on_load=CLICK_JS, elem_id="ua-registry")
                    with gr.Tab("Feedback", id="feedback", elem_id="ua-tab-feedback"):
                        gr.Markdown("Rated answers become evaluation items: answers rated *helpful*, with the paragraphs they cited "
                                    "as the gold citations, in the format of `evals/data/items.jsonl`. "
                                    "Same as `python -m ui.feedback export PATH`.")
                        include_down = gr.Checkbox(False, label="Include answers rated not helpful (gold left empty, category needs-review)")
                        fb_export = gr.Button("Export feedback as eval items (JSONL)", elem_id="ua-fb-export")
                        fb_export_status = gr.Markdown("")
                        fb_export_file = gr.File(label="Download", interactive=False)
            with gr.Column(scale=2, min_width=380, elem_id="ua-reader-col"):
                lookup_box = gr.Textbox(label="Look up a paragraph or document", placeholder=LOOKUP_PLACEHOLDER,
                                        submit_btn="Look up", elem_id="ua-lookup")
                reader = gr.HTML(views.READER_EMPTY, js_on_load=CLICK_JS, elem_id="ua-reader", min_height=200)
                lookup_record = gr.JSON(visible=False)

        # --- events -------------------------------------------------------------------------------
        ask_inputs = [pending, conversation_state, backend, top_k, documents]
        ask_outputs = [conversation, conversation_state, last_answer, status, fb_turn]
        runs = []
        for trigger in (question.submit, send.click):
            step = trigger(submit_question, [question, conversation_state], [pending, question, conversation],
                           queue=False, show_progress="hidden", api_visibility="private")
            runs.append(step.success(ask, ask_inputs, ask_outputs, concurrency_limit=1, concurrency_id="llm",
                                     show_progress="full", show_progress_on=[status],
                                     api_name="ask" if trigger == question.submit else None,
                                     api_visibility="public" if trigger == question.submit else "private"))
        stop.click(lambda c: (views.conversation_html(c, corpus), "Stopped."), conversation_state, [conversation, status],
                   cancels=runs, queue=False, api_visibility="private")
        new_button.click(new_conversation, None, [conversation_state, conversation, last_answer, status, fb_turn],
                         queue=False, api_name="new_conversation")

        lookup_box.submit(lookup, lookup_box, [reader, lookup_record], queue=False, api_name="lookup")
        check_button.click(check_statement, draft, [check_view, check_record], queue=False, api_name="check_statement")
        for view in (reader, doc_view, registry, check_view):
            view.click(open_ref, None, reader, queue=False, api_visibility="private")
        conversation.click(conversation_click, [conversation_state],
                           [reader, fb_status, conversation_state, conversation, fb_turn, fb_rating, rate_box],
                           queue=False, api_visibility="private")
        doc_select.change(lambda s: views.document_html(s, corpus), doc_select, doc_view, queue=False,
                          api_name="document")

        fb_save.click(feedback_api, [fb_turn, fb_rating, fb_comment, conversation_state],
                      [fb_status, conversation_state, conversation], queue=False, api_name="feedback")
        md_button.click(markdown_of, [fb_turn, conversation_state], md_text, queue=False, api_name="answer_markdown")
        export_button.click(export_conversation, [export_format, conversation_state, backend, top_k, documents],
                            export_file, concurrency_limit=None, api_name="export_conversation")
        fb_export.click(export_feedback, include_down, [fb_export_file, fb_export_status], concurrency_limit=None,
                        api_name="export_feedback")

    # The LLM answers one question at a time; everything else that queues runs in parallel.
    app.queue(default_concurrency_limit=4, max_size=200)
    return app


LAUNCH_OPTIONS: dict[str, Any] = dict(
    theme=THEME, css=CSS, share=False, ssr_mode=False, mcp_server=False, run_history=False, show_error=True,
    footer_links=["api", "settings"], allowed_paths=None,
)


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860, auth: tuple[str, str] | None = None,
           prevent_thread_lock: bool = False, quiet: bool = False, assistant: "Assistant | None" = None):
    """Launch with the app's theme and CSS (Gradio 6 takes those at launch, not in Blocks). With
    `assistant`, the same server also answers the OpenAI-compatible /v1 routes (ui/openai_api.py),
    behind the same `auth`."""
    from ui.access import middleware

    # With auth, every route but the login page wants the session (Gradio checks only some: ui/access.py).
    app_kwargs: dict[str, Any] = {"middleware": [middleware()]}
    if assistant is not None:
        from contextlib import asynccontextmanager

        from ui.openai_api import router

        routes = router(assistant)

        @asynccontextmanager
        async def with_openai_api(server_app):
            # Gradio builds its FastAPI app inside launch(); its startup adds the routes before the first request.
            server_app.include_router(routes)
            yield

        app_kwargs["lifespan"] = with_openai_api
    return app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=prevent_thread_lock,
                      quiet=quiet, app_kwargs=app_kwargs, **LAUNCH_OPTIONS)


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'user:password' -> (user, password); raises ValueError when malformed."""
    if auth is None:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user.strip() or not password:
        raise ValueError("--auth must be user:password (both non-empty)")
    return user.strip(), password


def serve(host: str | None = None, port: int | None = None, auth: str | None = None, no_auth: bool = False) -> int:
    """Start the app (blocks until stopped). Exit codes: 0 stopped, 1 could not start, 2 refused."""
    from assistant.config import settings as current_settings

    s = current_settings()
    host = host or s.host
    port = port or s.port
    try:
        credentials = parse_auth(auth)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not is_loopback(host) and credentials is None and not no_auth:
        print(f"error: refusing to serve on {host}: beyond 127.0.0.1 the app needs a password. "
              "Pass --auth user:password, or --no-auth if the network is trusted.", file=sys.stderr)
        return 2
    if credentials and no_auth:
        print("error: give either --auth or --no-auth, not both", file=sys.stderr)
        return 2
    from assistant.chain import Assistant

    assistant = Assistant(s)
    if s.warm_up:
        threading.Thread(target=_warm_up, args=(assistant,), daemon=True, name="warm-up").start()
    app = build_app(assistant)
    try:
        launch(app, host, port, auth=credentials, prevent_thread_lock=True, quiet=True, assistant=assistant)
        shown = f"[{host}]" if ":" in host else host
        print(f"Serving the A/C.1/73/L.27/Rev.1 assistant on http://{shown}:{port}/"
              + (" (password required)" if credentials else "") + " — Ctrl-C to stop", flush=True)
        print(f"OpenAI-compatible API: http://{shown}:{port}/v1 (model 'unres-assistant'"
              + (", api_key = the password" if credentials else "") + ")", flush=True)
        app.block_thread()
    except OSError as error:
        print(f"error: cannot serve on {host}:{port}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def _warm_up(assistant: "Assistant") -> None:
    """Load the models while the page opens, so the first question does not pay for it."""
    started = time.perf_counter()
    try:
        assistant.warm_up()
        log.info("warmed up in %.1f s", time.perf_counter() - started)
    except Exception as error:  # noqa: BLE001 - the first question will report it properly
        log.warning("warm-up failed (the first question will retry): %s", error)
