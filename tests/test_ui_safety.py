"""Safety of the UI: hostile document text is rendered inert; the app binds to 127.0.0.1 unless told
otherwise and then wants a password; it serves no files outside its own assets.

A document whose text carries <script>, an <img onerror>, an <svg onload>, a javascript: link, a JS
template literal `${...}` and a Handlebars `{{...}}` is ingested (corpus.ingest) into a temp data dir;
the app is started on it (Settings.data_dir = that dir) and the document is shown through the API and
in Debian's headless Chromium: every payload appears as text, and no flag any payload would set is set.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client

from conftest import ui_free_port, ui_start_app

ROOT = Path(__file__).resolve().parent.parent
SYMBOL = "A/RES/99/999"
FLAGS = ["__xss_title", "__xss_script", "__xss_img", "__xss_tpl", "__xss_hb", "__xss_svg", "__xss_href"]
HOSTILE = """---
symbol: A/RES/99/999
title: Diplomatic pouches <script>window.__xss_title=1</script> and <b>bold</b> claims
date: 2099-01-01
kind: resolution
source: test fixture
completeness: full
---
The General Assembly,

Recalling the inviolability of diplomatic pouches <script>window.__xss_script=1</script> under the Vienna Convention,

Noting with concern reports of diplomatic pouch tampering <img src=x onerror="window.__xss_img=1"> by unknown actors,

1. Decides that diplomatic pouches shall be sealed with tamper-evident seals ${window.__xss_tpl=1} and {{constructor.constructor('window.__xss_hb=1')()}} before dispatch;

2. Requests States to report diplomatic pouch tampering <svg onload=window.__xss_svg=1></svg> to the depositary, see <a href="javascript:window.__xss_href=1">this link</a> & "quotes";
"""
# The only elements and attributes the app's own views use; anything else came from the text.
OUR_TAGS = {"article", "section", "div", "span", "p", "h3", "h4", "dl", "dt", "dd", "blockquote", "code", "ul", "ol", "li",
            "nav", "header", "details", "summary", "table", "thead", "tbody", "tr", "th", "td", "button", "textarea",
            "svg", "path"}
OUR_ATTRS = {"class", "type", "title", "role", "hidden", "readonly", "open", "aria-label", "aria-hidden", "viewbox",
             "width", "height", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "d"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The app on a temp data dir holding the hostile document (ingested like `assistant ingest`)."""
    from types import SimpleNamespace

    from assistant.config import Settings
    from corpus.ingest import ingest

    data_dir = tmp_path_factory.mktemp("ui-hostile")
    settings = Settings(data_dir=data_dir, gguf_path=Settings().model_file, backend="extractive")
    source = data_dir / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    doc = ingest(source, settings.user_docs_dir)
    assert doc.symbol == SYMBOL and [p.label for p in doc.paragraphs] == ["PP1", "PP2", "1", "2"]
    url, app, assistant = ui_start_app(settings)
    assert assistant.corpus.document(SYMBOL) is not None  # the app reads the temp data dir
    yield SimpleNamespace(url=url, app=app, assistant=assistant, corpus=assistant.corpus, settings=settings)
    app.close()


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def assert_inert(page_html: str) -> None:
    """Every element and attribute in the HTML is one of the app's own: the hostile text stayed text."""
    parser = _Elements()
    parser.feed(page_html)
    parser.close()
    assert parser.found, page_html[:200]
    for tag, attrs in parser.found:
        assert tag in OUR_TAGS, (tag, attrs)
        for name, value in attrs:
            assert name in OUR_ATTRS or name.startswith("data-"), (tag, name, value)
            assert "javascript:" not in (value or "").lower() and not name.startswith("on"), (tag, name, value)


def test_hostile_text_is_escaped_in_every_view(hostile):
    c = Client(hostile.url, verbose=False)
    for label in ("PP1", "PP2", "1", "2"):
        paragraph = hostile.corpus.get(SYMBOL, label)
        page, record = c.predict(f"{SYMBOL} ¶{label}", api_name="/lookup")
        assert record["text"] == paragraph.text
        assert_inert(page)
        assert html.escape(paragraph.text, quote=True) in page  # shown, as text
    page, _ = c.predict(SYMBOL, api_name="/lookup")  # the document panel, with its title
    assert_inert(page)
    assert "Diplomatic pouches &lt;script&gt;window.__xss_title=1&lt;/script&gt;" in page
    page = c.predict(SYMBOL, api_name="/document")  # the document browser
    assert_inert(page)
    assert page.count('<li class="ua-para') == 4

    # An answer quoting the hostile paragraphs: the conversation, the sources, the Markdown copy.
    page, answer, _, _ = c.predict("What must diplomatic pouches be sealed with before dispatch?", "extractive", 5,
                                   [SYMBOL], api_name="/ask")
    assert "error" not in answer, answer
    assert not answer["refused"], answer["answer"]
    assert any(x["doc"] == SYMBOL for x in answer["citations"])
    assert "${window.__xss_tpl=1}" in answer["answer"] or "<script>" in answer["answer"] or "<img" in answer["answer"]
    assert_inert(page)
    assert "&lt;" in page


def test_hostile_text_does_not_execute_in_the_browser(hostile, ui_browser):
    context = ui_browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(hostile.url)
    page.wait_for_selector("#ua-conversation .ua-conv")

    # The reader, for each hostile paragraph: the text is shown literally, character for character.
    for label in ("PP1", "PP2", "1", "2"):
        page.fill("#ua-lookup textarea, #ua-lookup input", f"{SYMBOL} ¶{label}")
        page.keyboard.press("Enter")
        page.wait_for_selector(f'#ua-reader article[data-citation="{SYMBOL} ¶{label}"]')
        assert page.locator("#ua-reader .ua-verbatim").text_content() == hostile.corpus.get(SYMBOL, label).text
    # The document browser.
    page.get_by_role("tab", name="Browse documents").click()
    page.click("#ua-doc-select input")
    page.locator("#ua-doc-select input").fill(SYMBOL)
    page.get_by_role("option", name=SYMBOL).first.click()
    page.wait_for_selector(f'#ua-doc-view .ua-browser[data-symbol="{SYMBOL}"]')
    assert "<script>window.__xss_title=1</script>" in page.locator("#ua-doc-view h3").inner_text()
    # A streamed answer quoting them.
    page.get_by_role("tab", name="Ask").click()
    page.fill("#ua-question textarea", "What must diplomatic pouches be sealed with before dispatch, and what about tampering?")
    page.click("#ua-send")
    page.wait_for_selector("#ua-conversation .ua-turn .ua-foot", timeout=180_000)
    page.locator(f'#ua-conversation .ua-chip[data-ref^="{SYMBOL}"]').first.click()
    page.wait_for_selector(f'#ua-reader article[data-citation^="{SYMBOL}"]')
    time.sleep(1.0)  # give any injected handler (img onerror, svg onload) time to fire
    page.screenshot(path=_out("ui-safety-hostile-document.png"), full_page=True)

    flags = page.evaluate(f"() => {FLAGS!r}.map((f) => [f, window[f]])")
    assert all(value is None for _, value in flags), flags
    assert dialogs == [] and errors == [], (dialogs, errors)
    # None of the hostile elements exists in the DOM: only our own markup does.
    assert page.locator("img[src='x'], svg[onload], a[href^='javascript']").count() == 0
    assert page.locator("#ua-reader script, #ua-conversation script, #ua-doc-view script").count() == 0

    # Control: the same text inserted unescaped does run (so the check above means something).
    control = hostile.corpus.get(SYMBOL, "PP2").text.replace("__xss_img", "__control_img")
    page.evaluate("(t) => { const d = document.createElement('div'); d.innerHTML = t; document.body.appendChild(d); }", control)
    page.wait_for_function("window.__control_img === 1", timeout=5000)
    context.close()


def _out(name: str) -> str:
    (ROOT / "test-output").mkdir(exist_ok=True)
    return str(ROOT / "test-output" / name)


# --- binding and authentication ------------------------------------------------------------------

@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_serve_refuses_to_bind_beyond_loopback_without_auth(host, capsys):
    from ui.app import serve

    assert serve(host=host, port=ui_free_port()) == 2
    err = capsys.readouterr().err
    assert f"refusing to serve on {host}" in err and "--auth user:password" in err and "--no-auth" in err


@pytest.mark.parametrize("auth, no_auth, message", [
    ("nopassword", False, "--auth must be user:password"),
    (":secret", False, "--auth must be user:password"),
    ("user:secret", True, "either --auth or --no-auth"),
])
def test_serve_rejects_bad_auth_options(auth, no_auth, message, capsys):
    from ui.app import serve

    assert serve(host="0.0.0.0", port=ui_free_port(), auth=auth, no_auth=no_auth) == 2
    assert message in capsys.readouterr().err


def test_cli_serve_exits_2_on_0_0_0_0():
    run = subprocess.run([sys.executable, "-m", "cli", "serve", "--host", "0.0.0.0"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "refusing to serve on 0.0.0.0" in run.stderr


def test_loopback_hosts_need_no_auth():
    from ui.access import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


def test_auth_protects_the_app(hostile):
    from ui.app import build_app, launch

    app = build_app(hostile.assistant)
    port = ui_free_port()
    launch(app, "127.0.0.1", port, auth=("diplomat", "s3cret"), prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("1.6", api_name="/lookup")
        _, record = Client(url, auth=("diplomat", "s3cret"), verbose=False).predict("1.6", api_name="/lookup")
        assert record["found"]
    finally:
        app.close()


# --- files ---------------------------------------------------------------------------------------

def test_serves_no_files_outside_its_assets(hostile):
    assert not hostile.app.allowed_paths
    for path in ("/etc/passwd", str(ROOT / "pyproject.toml"), str(hostile.settings.user_docs_dir / "A_RES_99_999.json"),
                 str(hostile.settings.feedback_db), str(hostile.settings.model_file)):
        for url in (f"{hostile.url}gradio_api/file={path}", f"{hostile.url}file={path}"):
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read(200)
                    assert response.status != 200 or b"root:" not in body and b"[project]" not in body, url
                    assert response.headers.get_content_type() == "text/html", (url, response.headers)  # the app page
            except urllib.error.HTTPError as error:
                assert error.code in (403, 404), (url, error.code)
