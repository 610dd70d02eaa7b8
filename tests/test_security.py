"""Hostile use of the app (issue #17): the password gate on every route, path traversal, ingest paths,
log hygiene, and the feedback database.

- Every route of the running app (read from its FastAPI app, mounted routers included, so routes added
  later such as /v1/* are covered) refuses a call without a session, except ui/access.PUBLIC (each
  with its reason), and those give away no app data.
- No URL form (../, %2e%2e%2f, absolute paths, the export folder's neighbours) serves a file outside the
  app's assets and the file it exported.
- corpus.ingest.find_documents: what the user names is taken as named; a directory entry whose real path
  leaves the directory (a symlink out) is not ingested.
- Logs (caplog at DEBUG, and a served app's stderr at DEBUG) never carry a whole paragraph over 200 chars,
  the answer's text at INFO, the --auth password or the OpenAI API key.
- ui/feedback.py: every SQL statement is a constant with ? parameters; a hostile comment is stored and
  read back verbatim, and shown inert.
"""

from __future__ import annotations

import ast
import http.client
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from gradio_client import Client

from conftest import ui_free_port

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "diplomat", "s3cret-Pa55word-17"
API_KEY = "sk-test-not-a-real-key-4f9a1c"
OEWG = "When does the open-ended working group hold its organizational session?"


def walk_routes(routes, prefix: str = ""):
    """(path, methods) of every route, mounted apps and included routers included."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, Mount):
            yield from walk_routes(route.routes, prefix + route.path)
        else:
            yield prefix + (context.path or ""), sorted(context.methods or {"WEBSOCKET"})


@pytest.fixture(scope="module")
def protected(ui_server):
    """The app with --auth on a free 127.0.0.1 port, with the OpenAI-compatible routes when ui/app.py has them."""
    import inspect

    from ui.app import build_app, launch

    app = build_app(ui_server.assistant)
    port = ui_free_port()
    extra = {"assistant": ui_server.assistant} if "assistant" in inspect.signature(launch).parameters else {}
    launch(app, "127.0.0.1", port, auth=(USER, PASSWORD), prevent_thread_lock=True, quiet=True, **extra)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app, port=port, corpus=ui_server.corpus)
    app.close()


def concrete(path: str) -> str:
    """A request path for a route path: every {parameter} filled with a harmless value."""
    return re.sub(r"\{[^}]+\}", "x", path)


def call(base: str, method: str, path: str, **options) -> httpx.Response:
    """One request, its body read only in part (some routes stream for ever)."""
    body = {} if method in ("POST", "PUT", "PATCH") else None
    with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as client:
        with client.stream(method, path, json=body, **options) as response:
            response.content_head = b""
            for chunk in response.iter_bytes():
                response.content_head += chunk
                if len(response.content_head) > 20_000:
                    break
            return response


def refused(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return 300 <= response.status_code < 400 and "login" in response.headers.get("location", "")


def test_every_route_refuses_a_call_without_a_session(protected):
    from ui.access import PUBLIC, PUBLIC_PREFIXES, is_public

    routes = sorted(set((p, tuple(m)) for p, m in walk_routes(protected.app.server_app.routes)))
    assert len(routes) > 40, routes  # the app's own list, not a hand-made one
    paths = {p for p, _ in routes}
    assert {"/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/info", "/config"} <= paths
    paragraph = protected.corpus.get("A/C.1/73/L.27/Rev.1", "1.6").text
    checked, public = [], []
    for path, methods in routes:
        for method in methods:
            if method in ("WEBSOCKET", "OPTIONS"):
                continue
            response = call(protected.url, method, concrete(path))
            if is_public(concrete(path)):
                # The login page and its files: no document text, no app config, no API schema.
                body = response.content_head.decode("utf-8", "replace")
                assert paragraph[:60] not in body and "ua-conversation" not in body, path
                assert '"named_endpoints"' not in body and "export_feedback" not in body, path  # the API schema
                public.append((method, path, response.status_code))
            else:
                assert refused(response), (method, path, response.status_code, response.content_head[:200])
                checked.append((method, path))
    assert len(checked) > 40
    reasons = {**PUBLIC, **PUBLIC_PREFIXES}
    assert all(reason.strip() for reason in reasons.values())
    print(f"\n{len(checked)} route/method pairs refused without a session; public: {public}")
    if any(p.startswith("/v1") for p in paths):
        assert any(p.startswith("/v1") for _, p in checked)


def test_a_logged_in_session_and_the_password_as_bearer_are_let_through(protected):
    """The gate is not a wall: the login works, the app answers, and so does a program with the password."""
    _, record = Client(protected.url + "/", auth=(USER, PASSWORD), verbose=False).predict("1.6", api_name="/lookup")
    assert record["found"]
    assert call(protected.url, "GET", "/gradio_api/info").status_code == 401
    # A program sends the password as a bearer token (the openai client's api_key): the gate lets it
    # through to routes that take it (/v1/*); Gradio's own routes still want their session.
    paths = {p for p, _ in walk_routes(protected.app.server_app.routes)}
    if "/v1/models" in paths:
        ok = call(protected.url, "GET", "/v1/models", headers={"Authorization": f"Bearer {PASSWORD}"})
        assert ok.status_code == 200 and b"unres-assistant" in ok.content_head
    for wrong in ("Bearer s3cret", f"Bearer {PASSWORD}x", f"Basic {PASSWORD}", f"Bearer {USER}", "Bearer  x"):
        assert call(protected.url, "GET", "/v1/models", headers={"Authorization": wrong}).status_code == 401, wrong
    assert call(protected.url, "GET", "/gradio_api/info",
                headers={"Authorization": f"Bearer {PASSWORD}"}).status_code == 401  # Gradio's own check
    # The login page itself is served, so a person can log in.
    page = call(protected.url, "GET", "/")
    assert page.status_code == 200 and b"auth_required" in page.content_head


def test_the_login_page_works_in_the_browser(protected, ui_browser):
    """The public list is enough to draw the login form and log in, and nothing else answers before that."""
    context = ui_browser.new_context()
    page = context.new_page()
    statuses = []
    page.on("response", lambda r: statuses.append((r.status, r.url)))
    page.goto(protected.url + "/")
    page.wait_for_selector("input[type=password]", timeout=60_000)
    page.fill("input[type=text]", USER)
    page.fill("input[type=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#ua-lookup", timeout=60_000)
    page.fill("#ua-lookup textarea, #ua-lookup input", "1.6")
    page.keyboard.press("Enter")
    page.wait_for_selector('#ua-reader article[data-citation="A/C.1/73/L.27/Rev.1 ¶1.6"]', timeout=60_000)
    context.close()
    assert any(s == 200 for s, _ in statuses)


# --- files -----------------------------------------------------------------------------------------

def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (no client-side normalisation of .. or %2e)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(50_000)
    finally:
        connection.close()


def test_no_url_form_serves_a_file_outside_the_assets_and_the_export(ui_server, tmp_path):
    from urllib.parse import urlparse

    port = urlparse(ui_server.url).port
    c = Client(ui_server.url, verbose=False)
    c.predict(OEWG, "extractive", 5, [], api_name="/ask")
    exported = Path(c.predict("Markdown", "extractive", 5, [], api_name="/export_conversation"))
    served = exported.read_bytes()
    assert b"June 2019" in served
    # The exported file sits in a folder; put secrets beside it and in the folder above.
    neighbour = exported.parent / "secret-neighbour.txt"
    neighbour.write_text("NEIGHBOUR-SECRET", encoding="utf-8")
    above = exported.parent.parent / "secret-above.txt"
    above.write_text("ABOVE-SECRET", encoding="utf-8")
    project = ROOT / "pyproject.toml"
    targets = {"/etc/passwd": b"root:", str(project): b"[project]", str(neighbour): b"NEIGHBOUR-SECRET",
               str(above): b"ABOVE-SECRET", str(ui_server.settings.feedback_db): b"SQLite format"}
    forms = []
    for target in targets:
        up = "../" * 12 + target.lstrip("/")
        forms += [f"/file={target}", f"/gradio_api/file={target}", f"/gradio_api/file/{target}",
                  f"/gradio_api/file={up}", f"/gradio_api/file={up.replace('../', '%2e%2e%2f')}",
                  f"/gradio_api/file={up.replace('../', '%2E%2E/')}", f"/gradio_api/file={up.replace('/', '%2f')}",
                  f"/gradio_api/file=%2f{target.lstrip('/')}", f"/gradio_api/file={up.replace('../', '..%5c')}",
                  f"/assets/{up}", f"/static/{up}", f"/assets/{up.replace('../', '%2e%2e%2f')}",
                  f"/gradio_api/file={exported.parent}/../{Path(target).name}",
                  f"/gradio_api/file={exported.parent}/%2e%2e/{above.name}",
                  f"/gradio_api/proxy={target}", f"/gradio_api/file=file://{target}"]
    for form in forms:
        status, body = raw_get(port, form)
        assert not any(secret in body for secret in targets.values()), (form, status, body[:200])
    assert "NEIGHBOUR-SECRET" == neighbour.read_text()


# --- ingest paths ----------------------------------------------------------------------------------

DOCUMENT = """---
symbol: A/RES/99/777
title: Protection of lighthouse keepers
date: 2099-01-01
kind: resolution
source: test fixture
completeness: full
---
The General Assembly,

1. Decides that lighthouse keepers shall be protected;
"""


def test_ingest_takes_what_was_named_and_no_link_out_of_a_named_folder(tmp_path):
    from corpus.ingest import find_documents

    folder, elsewhere = tmp_path / "pdfs", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (folder / "inside.txt").write_text(DOCUMENT, encoding="utf-8")
    (folder / "sub" / "deep.txt").write_text(DOCUMENT, encoding="utf-8")
    secret = elsewhere / "secret.txt"
    secret.write_text("PRIVATE", encoding="utf-8")
    (folder / "link-out.txt").symlink_to(secret)  # a link leaving the folder
    (folder / "link-up.txt").symlink_to(Path("..") / "elsewhere" / "secret.txt")  # the same, relative
    (folder / "dir-out").symlink_to(elsewhere, target_is_directory=True)  # a linked folder outside
    (folder / "link-in.txt").symlink_to(folder / "inside.txt")  # a link that stays inside: fine

    found = find_documents([folder])
    names = sorted(p.name for p in found.files)
    assert names == ["deep.txt", "inside.txt", "link-in.txt"], names
    assert all(p.resolve().is_relative_to(folder.resolve()) for p in found.files)
    assert sorted(p.name for p in found.outside) == ["link-out.txt", "link-up.txt"]
    assert not any("secret" in str(p.resolve()) for p in found.files)

    # What the user names is taken as named: a link, or a path with "..", given on the command line.
    named = find_documents([folder / "link-out.txt", folder / "sub" / ".." / "inside.txt"])
    assert named.files == [folder / "link-out.txt", folder / "sub" / ".." / "inside.txt"] and not named.outside
    # A named folder reached through a link is searched (its own real path is the bound).
    (tmp_path / "alias").symlink_to(folder, target_is_directory=True)
    assert sorted(p.name for p in find_documents([tmp_path / "alias"]).files) == names


def test_cli_ingest_of_a_folder_skips_the_link_out_and_says_so(tmp_path):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "inside.txt").write_text(DOCUMENT, encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text(DOCUMENT.replace("99/777", "99/778"), encoding="utf-8")
    (folder / "link-out.txt").symlink_to(outside)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-m", "cli", "ingest", str(folder), "--no-index"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "link-out.txt" in run.stderr and "outside the folder" in run.stderr
    stored = sorted(p.name for p in (tmp_path / "data" / "documents").glob("*.json"))
    assert stored == ["A_RES_99_777.json"], stored


# --- logs ------------------------------------------------------------------------------------------

def long_paragraphs(corpus) -> list[str]:
    return [p.text for p in corpus.paragraphs() if len(p.text) > 200]


def assert_clean_log(text: str, corpus, answer_text: str | None = None) -> None:
    for paragraph in long_paragraphs(corpus):
        assert paragraph not in text, paragraph[:80]
    assert PASSWORD not in text and API_KEY not in text
    if answer_text:
        assert answer_text not in text


def test_an_ask_logs_no_paragraph_no_answer_no_secret(extractive, caplog, monkeypatch):
    monkeypatch.setenv("ASSISTANT_OPENAI_API_KEY", API_KEY)
    with caplog.at_level(logging.DEBUG):
        answer = extractive.ask("What does the resolution say about attacks on critical infrastructure?")
        lookup = extractive.ask("What does 1.6 say?")
    assert not answer.refused and answer.citations and lookup.citations
    debug = "\n".join(r.getMessage() for r in caplog.records)
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert_clean_log(debug, extractive.corpus)
    assert_clean_log(info, extractive.corpus, answer.text)
    assert lookup.text not in info


@pytest.fixture(scope="module")
def served_with_debug_logs(tmp_path_factory):
    """`ui.app.serve --auth` in its own process, logging at DEBUG to its stderr, with an OpenAI key set."""
    from assistant.config import Settings

    port = ui_free_port()
    folder = tmp_path_factory.mktemp("served-logs")
    log = folder / "stderr.log"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(folder), "ASSISTANT_GGUF_PATH": str(Settings().model_file),
           "ASSISTANT_BACKEND": "extractive", "ASSISTANT_OPENAI_API_KEY": API_KEY, "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    script = ("import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr); "
              f"from ui.app import serve; sys.exit(serve(host='127.0.0.1', port={port}, auth={USER + ':' + PASSWORD!r}))")
    with open(log, "w") as err:
        process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=err)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(url, timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.5)
    assert process.poll() is None, log.read_text()[-3000:]
    yield SimpleNamespace(url=url, process=process, log=log)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_the_served_app_logs_no_paragraph_no_answer_no_secret(served_with_debug_logs, shipped_corpus):
    c = Client(served_with_debug_logs.url, auth=(USER, PASSWORD), verbose=False)
    _, answer, _, _ = c.predict("What does the resolution say about attacks on critical infrastructure?", "extractive",
                                5, [], api_name="/ask")
    _, record = c.predict("A/70/174 ¶24", api_name="/lookup")
    assert "error" not in answer and answer["citations"] and record["found"]
    with pytest.raises(Exception):  # a wrong password is refused, and must not be logged either
        Client(served_with_debug_logs.url, auth=(USER, PASSWORD + "x"), verbose=False)
    time.sleep(0.5)  # let the server's log lines reach the file
    text = served_with_debug_logs.log.read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in text  # DEBUG logging was on: the check below means something
    assert_clean_log(text, shipped_corpus, answer["answer"])
    assert record["text"] not in text or len(record["text"]) <= 200
    assert PASSWORD + "x" not in text


# --- the feedback database -------------------------------------------------------------------------

def test_every_sql_statement_of_the_feedback_store_is_a_constant_with_parameters():
    tree = ast.parse((ROOT / "ui" / "feedback.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in ("execute", "executemany", "executescript")]
    assert len(calls) >= 4
    constants = {t.id: n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name)}
    for node in calls:
        sql = node.args[0]
        if isinstance(sql, ast.Name):  # SCHEMA and the like: a module-level string constant
            sql = constants[sql.id]
        assert isinstance(sql, ast.Constant) and isinstance(sql.value, str), ast.unparse(node)
        placeholders = sql.value.count("?")
        if placeholders:
            assert len(node.args) == 2 and isinstance(node.args[1], ast.Tuple), ast.unparse(node)
            assert len(node.args[1].elts) == placeholders, ast.unparse(node)
        else:
            assert len(node.args) == 1, ast.unparse(node)


HOSTILE_COMMENT = "'); DROP TABLE feedback;-- <script>window.__xss_fb=1</script><img src=x onerror=alert(1)> \" ' ${1+1} {{x}}"
HOSTILE_QUESTION = "What does 1.6 say? <script>window.__xss_q=1</script>'); DROP TABLE feedback;--"


def test_a_hostile_comment_is_stored_verbatim_and_shown_inert(ui_server, tmp_path):
    from test_ui_safety import assert_inert

    c = Client(ui_server.url, verbose=False)
    page, answer, _, _ = c.predict(HOSTILE_QUESTION, "extractive", 5, [], api_name="/ask")
    assert "error" not in answer
    status, page = c.predict(1, "down", HOSTILE_COMMENT, api_name="/feedback")
    assert "rated not helpful" in status and "<script>" not in status
    assert_inert(page)  # the question shown with its <script> as text
    assert "&lt;script&gt;window.__xss_q=1" in page
    with sqlite3.connect(ui_server.settings.feedback_db) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'feedback'").fetchone()  # not dropped
        rows = db.execute("SELECT question, comment FROM feedback WHERE question = ?", (HOSTILE_QUESTION,)).fetchall()
    assert rows == [(HOSTILE_QUESTION, HOSTILE_COMMENT.strip())]
    from ui.feedback import rows as feedback_rows

    assert [r["comment"] for r in feedback_rows(ui_server.settings.feedback_db)
            if r["question"] == HOSTILE_QUESTION] == [HOSTILE_COMMENT.strip()]
    # The exports carry it as data: JSON strings (eval items), and `python -m ui.feedback list` as a repr.
    path, _ = c.predict(True, api_name="/export_feedback")
    items = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    assert HOSTILE_QUESTION in [i["question"] for i in items]
    run = subprocess.run([sys.executable, "-m", "ui.feedback", "list", "--db", str(ui_server.settings.feedback_db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and repr(HOSTILE_COMMENT.strip()[:60]) in run.stdout
