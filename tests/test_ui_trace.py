"""Agreed language in the app: the reader's "Where else" section and "Check a draft statement".

Through gradio_client against the real app (fixture `ui_server`, extractive backend), and once in
Debian's headless Chromium (Playwright).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from gradio_client import Client

RES = "A/C.1/73/L.27/Rev.1"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"


def where_else(page: str) -> list[str]:
    """The items of the reader's Where else section, as HTML."""
    section = re.search(r'<section class="ua-where-else">(.*?)</section>', page, re.S)
    assert section, page[:500]
    return re.findall(r'<li class="ua-match[^"]*"[^>]*>(.*?)</li>', section.group(1), re.S)


def test_lookup_of_pp8_shows_where_else_with_the_identical_paragraph(ui_server):
    page, record = Client(ui_server.url, verbose=False).predict("PP8", api_name="/lookup")
    assert record["citation"] == f"{RES} ¶PP8"
    assert "Where else" in page and "Same wording; which came first is not shown." in page
    items = where_else(page)
    first = items[0]
    assert 'data-ref="A/RES/73/27 ¶gap1.1"' in first and ">A/RES/73/27 ¶gap1.1</button>" in first
    assert "identical, similarity 1.00" in first
    assert "<del>" not in first and "<ins>" not in first  # word for word: no diff shown
    assert f'data-ref="{RES} ¶PP8"' not in "".join(items)  # a paragraph is not listed as its own match


def test_lookup_of_pp17_shows_the_near_match_with_its_word_diff(ui_server):
    page, _ = Client(ui_server.url, verbose=False).predict("PP17", api_name="/lookup")
    item = next(i for i in where_else(page) if 'data-ref="A/RES/73/266 ¶' in i)
    assert "near, similarity 0.9" in item
    # A/RES/73/266 spells the term out where the draft writes "ICT" (tests/test_agreed.py checks both files).
    assert "<del>information and communications technology</del> <ins>ICT</ins>" in item


def test_check_statement_gives_verbatim_near_and_new_and_escapes_the_draft(ui_server):
    pp8 = ui_server.corpus.get(RES, "PP8").text.rstrip(",")
    assert " can be used " in pp8
    altered = pp8.replace(" can be used ", " may well be used ")
    hostile = "<script>alert(1)</script> We thank the ${alert(2)} chair for the excellent lunch menu today."
    new = "Our delegation looks forward to the football match between the delegations on Friday."
    draft = f"{pp8}. {altered}. {new}\n\n{hostile}"
    page, record = Client(ui_server.url, verbose=False).predict(draft, api_name="/check_statement")

    verdicts = [(s["sentence"], s["agreement"]) for s in record["sentences"]]
    assert [v for _, v in verdicts][:3] == ["verbatim", "near", "new"]
    assert record["sentences"][0]["closest"]["citation"] in (f"[{RES} ¶PP8]", "[A/RES/73/27 ¶gap1.1]")
    near = record["sentences"][1]["closest"]
    assert near["kind"] in ("near", "partial") and near["similarity"] < 1.0
    assert record["sentences"][2]["closest"] is None

    rows = re.findall(r'<li class="ua-check-sentence[^"]*" data-agreement="(\w+)">(.*?)</li>', page, re.S)
    assert [a for a, _ in rows][:3] == ["verbatim", "near", "new"]
    # The near sentence: the closest paragraph's chip and the diff "can" -> "may well".
    assert 'class="ua-chip"' in rows[1][1] and "<del>can</del> <ins>may well</ins>" in rows[1][1]
    assert "ua-chip" not in rows[2][1]
    # Hostile text comes back as text, never as markup.
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert any("<script>alert(1)</script>" in s for s, _ in verdicts)  # the record keeps it as data
    assert html.unescape(re.sub(r"<[^>]+>", "", page)).count("<script>alert(1)</script>") == 1


def test_check_statement_of_nothing_says_so(ui_server):
    page, record = Client(ui_server.url, verbose=False).predict("", api_name="/check_statement")
    assert record == {"sentences": []} and "Paste a draft statement" in page


@pytest.mark.browser
def test_reader_for_pp8_shows_the_where_else_chip_and_it_opens(ui_browser, ui_server):
    OUT.mkdir(exist_ok=True)
    context = ui_browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(ui_server.url)
        page.wait_for_selector("#ua-conversation .ua-conv")
        page.get_by_role("tab", name="Browse documents").click()
        page.locator('#ua-doc-view li.ua-para[data-label="PP8"] .ua-chip').click()
        page.wait_for_selector(f'#ua-reader article[data-citation="{RES} ¶PP8"]')
        section = page.locator("#ua-reader .ua-where-else")
        assert "Where else (" in section.text_content()  # shown in capitals by the CSS of reader headings
        assert "which came first is not shown" in section.inner_text()
        chip = section.locator('.ua-chip[data-ref="A/RES/73/27 ¶gap1.1"]')
        assert chip.is_visible() and chip.inner_text() == "A/RES/73/27 ¶gap1.1"
        assert "identical" in section.locator("li.ua-match").first.inner_text()
        page.screenshot(path=OUT / "ui-where-else.png", full_page=False)
        chip.click()  # the Where else chip opens that paragraph, verbatim
        page.wait_for_selector('#ua-reader article[data-citation="A/RES/73/27 ¶gap1.1"]')
        expected = ui_server.corpus.get("A/RES/73/27", "gap1.1").text
        assert page.locator("#ua-reader .ua-verbatim").text_content() == expected
        assert not errors, errors
    finally:
        context.close()
