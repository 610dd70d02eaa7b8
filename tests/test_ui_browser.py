"""The app in a real browser: Debian's headless Chromium driven by Playwright (fixtures in conftest.py).

A question is typed, the streamed answer arrives, a citation chip is clicked and the reader shows the
paragraph's exact corpus text. Screenshots go to test-output/.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
RES = "A/C.1/73/L.27/Rev.1"
OEWG = "When does the open-ended working group hold its organizational session?"
ANSWER_TIMEOUT = 180_000  # ms; the first answer loads the embedding model and builds the index


@pytest.fixture
def page(ui_browser, ui_server):
    OUT.mkdir(exist_ok=True)
    context = ui_browser.new_context(viewport={"width": 1440, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server.url.rstrip("/"))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(ui_server.url)
    page.wait_for_selector("#ua-conversation .ua-conv")
    yield page
    context.close()


def ask(page, question: str) -> None:
    turns = page.locator("#ua-conversation .ua-turn").count()
    page.fill("#ua-question textarea", question)
    page.click("#ua-send")
    # The question shows at once (the answer may still wait in the queue) ...
    page.wait_for_function(f"document.querySelectorAll('#ua-conversation .ua-turn').length > {turns}")
    assert page.locator("#ua-conversation .ua-turn .ua-q-text").last.inner_text() == question
    # ... and the streamed answer is replaced by the verified one, with its sources and actions.
    page.wait_for_function(
        f"document.querySelectorAll('#ua-conversation .ua-turn .ua-foot').length > {turns}", timeout=ANSWER_TIMEOUT)


def reader_citation(page) -> str:
    return page.locator("#ua-reader article").get_attribute("data-citation")


def test_question_answer_and_citation_chip_open_the_exact_paragraph(page, ui_server):
    page.screenshot(path=OUT / "ui-main.png", full_page=True)
    ask(page, OEWG)
    answer = page.locator("#ua-conversation .ua-turn").last
    assert "June 2019" in answer.locator(".ua-a-text").inner_text()
    chip = answer.locator(".ua-a-text .ua-chip").first
    ref = chip.get_attribute("data-ref")
    assert ref == f"{RES} ¶6" and chip.inner_text() == f"{RES} ¶6"

    chip.click()
    page.wait_for_selector(f'#ua-reader article[data-citation="{ref}"]')
    symbol, label = ref.split(" ¶")
    paragraph = ui_server.corpus.get(symbol, label)
    quote = page.locator("#ua-reader .ua-verbatim")
    assert quote.text_content() == paragraph.text  # verbatim, character for character
    reader = page.locator("#ua-reader").inner_text()
    for fact in ("¶6", "OPERATIVE", "operative paragraph 6", '"Also decides"', f"Page\n{paragraph.page}",
                 "Developments in the field of information and telecommunications", "PREVIOUS", "NEXT"):
        assert fact in reader, fact
    page.screenshot(path=OUT / "ui-answer-and-reader.png", full_page=True)

    # Neighbours are clickable in turn: next of ¶6 is ¶7.
    page.locator("#ua-reader .ua-neighbours .ua-nb").nth(1).locator(".ua-chip").click()
    page.wait_for_selector(f'#ua-reader article[data-citation="{RES} ¶7"]')
    assert page.locator("#ua-reader .ua-verbatim").text_content() == ui_server.corpus.get(RES, "7").text
    assert not page.errors, page.errors


def test_referenced_documents_open_their_registry_entry(page, ui_server):
    page.fill("#ua-lookup textarea, #ua-lookup input", "1.7")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#ua-reader article[data-citation="{RES} ¶1.7"]')
    refs = page.locator("#ua-reader .ua-refs .ua-doc-chip")
    assert refs.first.get_attribute("data-ref") == "A/RES/58/199"
    assert "partial text" in refs.first.inner_text()
    refs.first.click()
    page.wait_for_selector('#ua-reader article[data-symbol="A/RES/58/199"]')
    reader = page.locator("#ua-reader").inner_text()
    assert "Creation of a global culture of cybersecurity" in reader and "¶1.7" in reader
    # From the registry entry, a paragraph of the cited document opens in turn.
    page.locator("#ua-reader .ua-chips").last.locator(".ua-chip").first.click()
    page.wait_for_function("document.querySelector('#ua-reader article')?.dataset.citation?.startsWith('A/RES/58/199 ¶')")
    ref = reader_citation(page)
    assert page.locator("#ua-reader .ua-verbatim").text_content() == ui_server.corpus.get(*ref.split(" ¶")).text


def test_unknown_label_shows_the_closest_labels(page):
    page.fill("#ua-lookup textarea, #ua-lookup input", "para 1.66")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ua-reader .ua-reader-error")
    message = page.locator("#ua-reader .ua-error-text").inner_text()
    assert "has no paragraph ¶1.66" in message and "closest: ¶1.6" in message


def test_rating_an_answer_stores_feedback_with_a_comment(page, ui_server):
    ask(page, OEWG)
    turn = page.locator("#ua-conversation .ua-turn").last
    turn.locator('button[data-action="rate"][data-rating="up"]').click()
    page.wait_for_function("document.querySelector('#ua-fb-status')?.innerText.includes('rated helpful')")
    assert "ua-on" in page.locator('#ua-conversation .ua-turn button[data-rating="up"]').last.get_attribute("class")
    page.fill("#ua-fb-comment textarea", "Exact date, right paragraph.")
    page.click("#ua-fb-save")
    page.wait_for_function("document.querySelector('#ua-fb-status')?.innerText.includes('with your comment')")
    with sqlite3.connect(ui_server.settings.feedback_db) as db:
        row = db.execute("SELECT rating, comment, citations FROM feedback WHERE question = ? ORDER BY updated DESC, id DESC",
                         (OEWG,)).fetchone()
    assert row[0] == "up" and row[1] == "Exact date, right paragraph." and f"{RES} ¶6" in row[2]


def test_copy_as_markdown_puts_quote_and_citations_on_the_clipboard(page, ui_server):
    ask(page, OEWG)
    button = page.locator("#ua-conversation .ua-turn").last.locator('button[data-action="copy"]')
    button.click()
    page.wait_for_function("document.querySelector('#ua-conversation button[data-action=copy]')?.dataset.copied")
    assert button.get_attribute("data-copied") == "yes"
    copied = page.evaluate("navigator.clipboard.readText()")
    paragraph = ui_server.corpus.get(RES, "6")
    assert copied.startswith(f"**Question:** {OEWG}")
    assert f"1. [{RES} ¶6] (operative paragraph 6" in copied and f"“{paragraph.text}”" in copied


def test_document_browser_and_registry(page, ui_server):
    page.get_by_role("tab", name="Browse documents").click()
    browser = page.locator("#ua-doc-view .ua-browser")
    browser.wait_for()
    groups = browser.locator("details.ua-group > summary").all_inner_texts()
    assert [g.split()[0] for g in groups] == ["Front", "Preamble", "Operative", "Footnotes"]
    doc = ui_server.corpus.document(RES)
    assert browser.locator("li.ua-para").count() == len(doc.paragraphs)
    page.screenshot(path=OUT / "ui-document-browser.png", full_page=False)

    # Another document, then one of its paragraphs in the reader.
    page.click("#ua-doc-select input")
    page.locator("#ua-doc-select input").fill("A/70/174")
    page.get_by_role("option", name="A/70/174").first.click()
    page.wait_for_selector('#ua-doc-view .ua-browser[data-symbol="A/70/174"]')
    assert "partial text" in page.locator("#ua-doc-view .ua-doc-head").inner_text()
    page.locator('#ua-doc-view li.ua-para[data-label="summary-1"] .ua-chip').click()
    page.wait_for_selector('#ua-reader article[data-citation="A/70/174 ¶summary-1"]')
    assert page.locator("#ua-reader .ua-verbatim").text_content() == ui_server.corpus.get("A/70/174", "summary-1").text

    page.get_by_role("tab", name="Cited documents").click()
    registry = page.locator("#ua-registry table.ua-table")
    registry.wait_for()
    entries = ui_server.corpus.registry()
    assert registry.locator("tbody tr").count() == len(entries)
    absent = registry.locator('tr[data-symbol="A/RES/71/28"]')
    assert "text absent" in absent.inner_text()
    absent.locator(".ua-doc-chip").click()
    page.wait_for_selector('#ua-reader article[data-symbol="A/RES/71/28"]')
    assert "assistant ingest FILE --symbol A/RES/71/28" in page.locator("#ua-reader").inner_text()
    page.screenshot(path=OUT / "ui-registry.png", full_page=False)
    assert not page.errors, page.errors
