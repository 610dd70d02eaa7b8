"""The UI's own CSS, theme and the one piece of JavaScript: the click handler of the HTML views.

CLICK_JS runs as gr.HTML(js_on_load=...) with `element` (the component's root, which stays in place
when its content re-renders) and `trigger` (sends a Gradio event with data to Python). One delegated
listener per view: a click on any `[data-ref]` sends ("click", {ref}); a rating button sends
("click", {action: "rate", turn, rating}); "Copy as Markdown" copies the answer's Markdown (kept in a
hidden textarea as escaped text) to the clipboard without a round trip. Values only ever travel as
data (dataset -> trigger payload), never as markup or code.
"""

from __future__ import annotations

import gradio as gr

CLICK_JS = r"""
const copyText = async (text) => {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch (e) { /* fall back below */ }
  const area = document.createElement('textarea');
  area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
  document.body.appendChild(area); area.select();
  let ok = false; try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  area.remove(); return ok;
};
element.addEventListener('click', async (event) => {
  const target = event.target.closest('[data-ref], [data-action]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  const action = target.dataset.action;
  if (action === 'copy') {
    const source = target.closest('.ua-turn')?.querySelector('textarea.ua-md-source');
    const ok = await copyText(source ? source.value : '');
    const label = target.textContent;
    target.textContent = ok ? 'Copied ✓' : 'Copy failed: use Export';
    target.dataset.copied = ok ? 'yes' : 'no';
    setTimeout(() => { target.textContent = label; }, 1600);
    return;
  }
  if (action === 'rate') {
    trigger('click', {action: 'rate', turn: Number(target.dataset.turn), rating: target.dataset.rating});
    return;
  }
  document.querySelectorAll('.ua-chip.ua-active, .ua-doc-chip.ua-active').forEach((c) => c.classList.remove('ua-active'));
  target.classList.add('ua-active');
  trigger('click', {ref: target.dataset.ref});
});
// The reader: once it shows something new, make sure it is in view (on narrow screens it sits below the tabs).
if (element.closest('#ua-reader') && typeof watch === 'function') {
  watch('value', () => {
    const box = element.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 120) element.scrollIntoView({behavior: 'smooth', block: 'start'});
  });
}
"""

# System fonts only: the page loads nothing from outside the app (no web fonts, no CDN).
THEME = gr.themes.Default(
    primary_hue=gr.themes.colors.blue,
    neutral_hue=gr.themes.colors.slate,
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    radius_size=gr.themes.sizes.radius_sm,
)

CSS = r"""
:root { --ua-accent: #0b5cad; --ua-accent-soft: #e7f0fb; --ua-accent-line: #b7cfec; --ua-warn: #b45309;
        --ua-warn-soft: #fff4e0; --ua-serif: Georgia, "Times New Roman", "Liberation Serif", serif; }
.dark { --ua-accent: #8ab8f0; --ua-accent-soft: #1c2b3d; --ua-accent-line: #34506f; --ua-warn: #f3b061; --ua-warn-soft: #3a2a12; }
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; overflow: clip !important; }
footer { display: none !important; }

/* header */
.ua-header { display: flex; gap: 24px; justify-content: space-between; align-items: flex-end;
             border-bottom: 2px solid var(--ua-accent); padding: 4px 2px 10px; }
.ua-header h1 { font-size: 1.35rem; margin: 0 0 4px; font-weight: 650; letter-spacing: .01em; }
.ua-header-sub { font-weight: 400; color: var(--body-text-color-subdued); }
.ua-header p { margin: 0; color: var(--body-text-color-subdued); font-size: .9rem; }
.ua-header-note { max-width: 330px; text-align: right; font-size: .82rem !important; }

/* chips */
.ua-chip, .ua-doc-chip { display: inline-flex; align-items: center; gap: 4px; font: inherit; font-size: .8rem;
  font-variant-numeric: tabular-nums; line-height: 1.35; white-space: nowrap; cursor: pointer;
  color: var(--ua-accent); background: var(--ua-accent-soft); border: 1px solid var(--ua-accent-line);
  border-radius: 999px; padding: 0 8px; margin: 1px 0; vertical-align: baseline; }
.ua-doc-chip { border-radius: 4px; font-weight: 600; }
.ua-chip:hover, .ua-doc-chip:hover { border-color: var(--ua-accent); text-decoration: underline; }
.ua-chip:focus-visible, .ua-doc-chip:focus-visible, .ua-act:focus-visible { outline: 2px solid var(--ua-accent); outline-offset: 1px; }
#ua-reader .ua-chip.ua-active, #ua-reader .ua-doc-chip.ua-active, .ua-chip.ua-active, .ua-doc-chip.ua-active,
.ua-chip.ua-active:hover, .ua-doc-chip.ua-active:hover { background: var(--ua-accent) !important; color: #fff !important;
  border-color: var(--ua-accent) !important; text-decoration: none; }
.dark .ua-chip.ua-active { color: #0b1a2b; }
.ua-chips { display: flex; flex-wrap: wrap; gap: 4px; }
.ua-avail { font-size: .72rem; font-weight: 600; border-radius: 3px; padding: 0 5px; white-space: nowrap; }
.ua-avail-full { background: #dcf3e3; color: #17633a; }
.ua-avail-partial { background: #fdf0cf; color: #8a5300; }
.ua-avail-absent { background: #eceef2; color: #535b69; }
.ua-kind { font-size: .72rem; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; border-radius: 3px; padding: 1px 6px; vertical-align: middle; }
.ua-kind-operative { background: #e3ecfa; color: #1d4f91; }
.ua-kind-preambular { background: #efe9f8; color: #5b3a8c; }
.ua-kind-footnote, .ua-kind-header, .ua-kind-other { background: #eceef2; color: #535b69; }
.ua-muted { color: var(--body-text-color-subdued); font-size: .85em; }
.ua-note { color: var(--body-text-color-subdued); font-size: .86rem; }

/* conversation */
.ua-conv { display: flex; flex-direction: column; gap: 14px; padding: 2px; }
.ua-empty { border: 1px dashed var(--border-color-primary); border-radius: 6px; padding: 18px 20px; color: var(--body-text-color-subdued); }
.ua-empty-title { font-size: 1.05rem; color: var(--body-text-color); font-weight: 600; margin-top: 0; }
.ua-turn { display: flex; flex-direction: column; gap: 6px; }
.ua-who { display: block; font-size: .72rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: var(--body-text-color-subdued); margin-bottom: 3px; }
.ua-q { align-self: flex-end; max-width: 85%; background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; }
.ua-q-text { white-space: pre-wrap; }
.ua-a { border: 1px solid var(--border-color-primary); border-left: 3px solid var(--ua-accent); border-radius: 6px; padding: 10px 14px; background: var(--background-fill-primary); }
.ua-a-text { line-height: 1.6; font-size: .97rem; }
.ua-route-refusal { border-left-color: #7b8494; }
.ua-route-lookup .ua-a-text, .ua-route-registry .ua-a-text { font-family: var(--ua-serif); }
.ua-error { border-left-color: #b91c1c; background: #fdf2f2; }
.dark .ua-error { background: #3a1717; }
.ua-pending { border-left-color: var(--ua-accent-line); }
.ua-draft { white-space: pre-wrap; color: var(--body-text-color-subdued); }
.ua-pulse { animation: ua-pulse 1.4s ease-in-out infinite; }
@keyframes ua-pulse { 50% { opacity: .45; } }
.ua-unsupported { background: var(--ua-warn-soft); border-bottom: 2px dotted var(--ua-warn); padding: 0 2px; }
.ua-warn { color: var(--ua-warn); font-weight: 700; }
.ua-unsupported-tag { font-size: .72rem; font-weight: 600; color: var(--ua-warn); text-transform: uppercase; letter-spacing: .03em; white-space: nowrap; }
.ua-sources { margin-top: 10px; border-top: 1px solid var(--border-color-primary); padding-top: 6px; }
.ua-sources-title { font-size: .72rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: var(--body-text-color-subdued); }
.ua-sources ol { margin: 4px 0 0; padding-left: 20px; }
.ua-sources li { margin: 3px 0; font-size: .9rem; }
.ua-source-quote { font-family: var(--ua-serif); color: var(--body-text-color-subdued); font-size: .88rem; }
.ua-foot { display: flex; justify-content: space-between; align-items: center; gap: 10px; margin-top: 8px; flex-wrap: wrap; }
.ua-meta { font-size: .78rem; color: var(--body-text-color-subdued); }
.ua-actions { display: flex; gap: 6px; }
.ua-icon { vertical-align: -2px; }
.ua-act { display: inline-flex; align-items: center; gap: 4px; font: inherit; font-size: .8rem; cursor: pointer; background: transparent; border: 1px solid var(--border-color-primary); border-radius: 4px; padding: 1px 8px; color: var(--body-text-color); }
.ua-act:hover { border-color: var(--ua-accent); }
.ua-act.ua-on { background: var(--ua-accent-soft); border-color: var(--ua-accent); }
#ua-status { min-height: 52px; font-size: .85rem; color: var(--body-text-color-subdued); display: flex; align-items: center; }
#ua-status p { margin: 0; }

/* reader */
#ua-reader-col { position: sticky; top: 8px; align-self: flex-start; }
#ua-reader .ua-reader { max-height: calc(100vh - 150px); overflow-y: auto; overscroll-behavior: contain; }
.ua-reader { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 12px 16px; background: var(--background-fill-primary); }
.ua-reader-empty { color: var(--body-text-color-subdued); border-style: dashed; }
.ua-reader-hint { margin: 0; }
.ua-reader-error { border-color: #e3a3a3; background: #fdf4f4; }
.dark .ua-reader-error { background: #3a1717; }
.ua-error-text { color: #9b1c1c; font-weight: 600; }
.dark .ua-error-text { color: #f4a3a3; }
.ua-reader-doc { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.ua-doc-title { font-size: .85rem; color: var(--body-text-color-subdued); }
.ua-reader-label { font-size: 1.3rem; margin: 8px 0 4px; font-variant-numeric: tabular-nums; }
.ua-reader-title { font-size: 1.05rem; margin: 8px 0 4px; }
.ua-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; font-size: .85rem; }
.ua-facts dt { color: var(--body-text-color-subdued); }
.ua-facts dd { margin: 0; }
.ua-verbatim { font-family: var(--ua-serif); font-size: 1.04rem; line-height: 1.6; white-space: pre-line; margin: 10px 0 6px;
  padding: 8px 14px; border-left: 3px solid var(--ua-accent); background: var(--background-fill-secondary); border-radius: 0 4px 4px 0; }
.ua-about { font-family: var(--ua-serif); margin: 4px 0; padding: 4px 12px; border-left: 3px solid var(--border-color-primary); }
.ua-cite-as { font-size: .8rem; color: var(--body-text-color-subdued); }
.ua-reader h4 { font-size: .74rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: var(--body-text-color-subdued); margin: 14px 0 4px; }
.ua-list { list-style: none; padding: 0; margin: 0; }
.ua-list li { margin: 3px 0; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.ua-fn-text { font-family: var(--ua-serif); font-size: .9rem; }
.ua-neighbours { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; margin-top: 14px; border-top: 1px solid var(--border-color-primary); padding-top: 8px; }
.ua-nb-dir { font-size: .72rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: var(--body-text-color-subdued); }
.ua-nb-text { font-family: var(--ua-serif); font-size: .82rem; color: var(--body-text-color-subdued); margin-top: 2px; }
.ua-symbol { font-weight: 700; font-variant-numeric: tabular-nums; }

/* document browser and registry */
.ua-browser header.ua-doc-head { border-bottom: 1px solid var(--border-color-primary); margin-bottom: 8px; padding-bottom: 6px; }
.ua-browser h3 { margin: 4px 0; font-size: 1.05rem; }
.ua-group { margin: 6px 0; }
.ua-group > summary { cursor: pointer; font-weight: 650; padding: 4px 0; }
.ua-count { font-size: .75rem; font-weight: 600; color: var(--body-text-color-subdued); background: var(--background-fill-secondary); border-radius: 999px; padding: 0 7px; margin-left: 4px; }
.ua-paras { list-style: none; margin: 0; padding: 0; }
.ua-para { display: grid; grid-template-columns: 92px 1fr; gap: 8px; padding: 5px 0; border-bottom: 1px solid var(--border-color-primary); }
.ua-para.ua-sub { padding-left: 22px; grid-template-columns: 70px 1fr; }
.ua-para .ua-label { justify-self: start; align-self: start; }
.ua-para-text { font-family: var(--ua-serif); line-height: 1.5; white-space: pre-line; font-size: .95rem; }
.ua-table { width: 100%; border-collapse: collapse; font-size: .86rem; border: none !important; }
.ua-table tr { border: none !important; }
.ua-table th, .ua-table td { border-left: none !important; border-right: none !important; border-top: none !important; background: none; }
.ua-table th:nth-child(4), .ua-table td:nth-child(4) { min-width: 170px; }
.ua-table td:nth-child(4) .ua-chip { margin: 1px 2px 1px 0; }
.ua-table th { text-align: left; font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--body-text-color-subdued); border-bottom: 2px solid var(--border-color-primary); padding: 4px 6px; }
.ua-table td { border-bottom: 1px solid var(--border-color-primary); padding: 5px 6px; vertical-align: top; }
.ua-table td .ua-chip { margin-right: 2px; }
.ua-nowrap { white-space: nowrap; }
.ua-ditto { font-style: italic; }
.ua-about-cell { color: var(--body-text-color-subdued); font-size: .82rem; }
"""
