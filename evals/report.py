"""The eval report: one self-contained HTML file (inline CSS and SVG; no script, font or CDN).

Per metric a bar per run (system vs baseline side by side, the target as a line), the retrieval and
judge tables, the comparison with the previous run, and per run a table of every item: question,
answer, its citations with the judge's verdicts, key facts and why it fails. All text is escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

BAR_METRICS = ("citation_recall", "citation_precision", "key_fact_recall", "refusal_precision", "refusal_recall",
               "refusal_f1", "lookup_accuracy", "invalid_citation_rate")
COLORS = {"system-llm": "#1f6feb", "system-extractive": "#8957e5", "baseline": "#9a6700",
          "system-llm@baseline-items": "#54aeff"}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2328;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1a7f37}.bad{color:#cf222e}
.items td{font-size:13px}.items td.answer{max-width:520px}.small{font-size:12px;color:#59636e}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #d0d7de;border-radius:6px;padding:8px}
code{font-size:12px}details summary{cursor:pointer}
"""


def _f(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def bar_chart(title: str, bars: list[tuple[str, float | None]], target: float | None = None,
              lower_is_better: bool = False, width: int = 340) -> str:
    """A horizontal bar per (label, value in 0..1) as inline SVG; a dashed line at the target."""
    row, left, right = 22, 168, 48
    height = row * len(bars) + 30
    scale = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="0" y="14" font-size="13" font-weight="600">{escape(title)}'
             f'{" (lower is better)" if lower_is_better else ""}</text>']
    for i, (label, value) in enumerate(bars):
        y = 22 + i * row
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{scale}" height="14" fill="#f6f8fa" stroke="#d0d7de"/>')
        if value is not None:
            w = max(0.0, min(1.0, float(value))) * scale
            parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="14" '
                         f'fill="{COLORS.get(label, "#57606a")}"/>')
        parts.append(f'<text x="{left + scale + 4}" y="{y + 14}" font-size="12">{escape(_f(value))}</text>')
    if target is not None:
        x = left + max(0.0, min(1.0, target)) * scale
        parts.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height - 4}" stroke="#cf222e" stroke-dasharray="3,2"/>')
        parts.append(f'<text x="{min(x, width - 60):.1f}" y="{height}" font-size="10" fill="#cf222e">target {target:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _metric_charts(payload: dict[str, Any]) -> str:
    runs = payload.get("runs", {})
    targets = (payload.get("thresholds") or {}).get("targets", {})
    charts = []
    for metric in BAR_METRICS:
        bars = [(name, run["metrics"].get(metric)) for name, run in runs.items()]
        target = targets.get(metric, targets.get(f"{metric}_max"))
        charts.append(f'<div class="chart">{bar_chart(metric, bars, target, metric == "invalid_citation_rate")}</div>')
    return f'<div class="charts">{"".join(charts)}</div>'


def _metric_table(payload: dict[str, Any]) -> str:
    runs = payload.get("runs", {})
    targets = (payload.get("thresholds") or {}).get("targets", {})
    names = list(runs)
    keys = [k for k in next(iter(runs.values()))["metrics"] if k != "by_category"]
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for key in keys:
        target = targets.get(key, targets.get(f"{key}_max"))
        cells = "".join(f'<td class="num">{escape(_f(runs[n]["metrics"].get(key)))}</td>' for n in names)
        rows.append(f"<tr><th>{escape(key)}</th>{cells}<td class='num'>{escape(_f(target)) if target is not None else ''}</td></tr>")
    judges = "".join(f"<li>{escape(n)}: {escape(r['judge'])}, {r['llm_judge_calls']} LLM judge calls</li>" for n, r in runs.items())
    by_cat = []
    for name, run in runs.items():
        cats = run["metrics"].get("by_category", {})
        body = "".join(
            f"<tr><td>{escape(c)}</td>" + "".join(f'<td class="num">{escape(_f(v.get(k)))}</td>' for k in
                                                 ("items", "key_fact_recall", "refusal_accuracy", "citation_recall",
                                                  "citation_precision", "failing")) + "</tr>" for c, v in cats.items())
        by_cat.append(f"<details><summary>{escape(name)} by category</summary><table><tr><th>category</th><th>items</th>"
                      f"<th>key-fact recall</th><th>refusal accuracy</th><th>citation recall</th>"
                      f"<th>citation precision</th><th>failing</th></tr>{body}</table></details>")
    return (f"<table><tr><th>metric</th>{head}<th>target</th></tr>{''.join(rows)}</table><ul class='small'>{judges}</ul>"
            + "".join(by_cat))


def _retrieval(payload: dict[str, Any]) -> str:
    retrieval = payload.get("retrieval")
    if not retrieval:
        return ""
    from evals.retrieval import COLUMNS

    rows = "".join(f"<tr><th>{escape(mode)}</th>" + "".join(f'<td class="num">{row[c]:.3f}</td>' for c in COLUMNS) + "</tr>"
                   for mode, row in retrieval.items())
    charts = "".join(f'<div class="chart">{bar_chart(c, [(m, r[c]) for m, r in retrieval.items()])}</div>'
                     for c in ("recall@5", "mrr", "ndcg@10"))
    misses = "".join(f"<li><code>{escape(m['id'])}</code> gold {escape(', '.join(m['gold']))}; top 5: "
                     f"{escape(', '.join(m['top5']))}</li>" for m in retrieval.get("hybrid", {}).get("misses", []))
    return (f"<h2>Retrieval</h2><p class='small'>{escape(str(payload.get('retrieval_model', '')))}</p>"
            f"<table><tr><th>mode</th>{''.join(f'<th>{escape(c)}</th>' for c in COLUMNS)}</tr>{rows}</table>"
            f"<div class='charts'>{charts}</div><details><summary>hybrid misses (gold not in the top 5)</summary>"
            f"<ul class='small'>{misses}</ul></details>")


def _judge(payload: dict[str, Any]) -> str:
    judged = payload.get("judge")
    if not judged:
        return ""
    from evals.judge import KINDS

    modes = judged["modes"]
    kinds = ["all", *[k for k in KINDS if k in next(iter(modes.values()))]]
    rows = "".join(f"<tr><th>{escape(mode)}</th>" + "".join(
        f'<td class="num">{escape(_f(t[k]["accuracy"]))} <span class="small">({t[k]["right"]}/{t[k]["n"]})</span></td>'
        for k in kinds) + "</tr>" for mode, t in modes.items())
    charts = "".join(f'<div class="chart">{bar_chart(k, [(m, t[k]["accuracy"]) for m, t in modes.items()])}</div>'
                     for k in kinds)
    force = judged["thresholds_in_force"]
    best = "".join(f"<li>{escape(label)}: HIGH={b['high']}, LOW={b['low']}: accuracy {b['accuracy']:.3f}"
                   f"{', LLM asked on ' + str(b['llm_calls']) + ' pairs' if label == 'combined' else ''}</li>"
                   for label, key in (("combined", "best_thresholds_combined"), ("score-only", "best_thresholds_score_only"))
                   for b in judged[key][:1])
    wrong = "".join(
        f"<tr><td>{escape(r['id'])}</td><td>{escape(r['kind'])}</td><td>{escape(_f(r['supported']))}</td>"
        f"<td>{escape(r['sentence'])}</td><td><code>{escape(r['citation'])}</code></td><td class='num'>{r['score']:.2f}</td>"
        f"<td>{escape(_f(r['score_only']))}</td><td>{escape(_f(r['llm']))}</td><td>{escape(_f(r['combined']))}</td></tr>"
        for r in judged["rows"] if any(r[m] is not None and r[m] != r["supported"] for m in ("score_only", "llm", "combined")))
    return (f"<h2>Support judge on {judged['pairs']} labelled pairs</h2><table><tr><th>mode</th>"
            f"{''.join(f'<th>{escape(k)}</th>' for k in kinds)}</tr>{rows}</table><div class='charts'>{charts}</div>"
            f"<p>SupportScorer bands in force: HIGH={force['high']}, LOW={force['low']}. Best on these pairs:</p><ul>{best}</ul>"
            f"<details><summary>pairs some mode gets wrong</summary><table><tr><th>id</th><th>kind</th><th>gold</th>"
            f"<th>sentence</th><th>citation</th><th>score</th><th>score-only</th><th>LLM</th><th>combined</th></tr>"
            f"{wrong}</table></details>")


def _comparison(payload: dict[str, Any]) -> str:
    comparison = payload.get("comparison") or {}
    if not comparison.get("previous"):
        return "<h2>Compared with the previous run</h2><p>No previous run of this suite.</p>"
    rows = "".join(f"<tr><td>{escape(c['run'])}</td><td>{escape(c['metric'])}</td><td class='num'>{escape(_f(c['old']))}</td>"
                   f"<td class='num'>{escape(_f(c['new']))}</td><td class='{'ok' if c['change'] == 'better' else 'bad' if c['change'] == 'worse' else 'small'}'>"
                   f"{escape(c['change'])}</td></tr>" for c in comparison["metrics"])
    items = comparison["items"]
    return (f"<h2>Compared with the previous run</h2><p class='small'>{escape(comparison['previous'])}</p>"
            f"<table><tr><th>run</th><th>metric</th><th>before</th><th>now</th><th></th></tr>{rows}</table>"
            f"<p>Newly failing: {escape(', '.join(items['new_failures']) or 'none')}</p>"
            f"<p>Fixed: {escape(', '.join(items['fixed']) or 'none')}</p>")


def _item_rows(run: dict[str, Any]) -> str:
    rows = []
    for r in run["items"]:
        e = r["eval"]
        history = "".join(f"<div class='small'>earlier: {escape(t['question'])}</div>" for t in r.get("history", []))
        sentences = []
        for s in e["sentences"]:
            verdicts = "; ".join(f"{'+'.join(c['keys'])}: {c['how'] or ('yes' if c['supported'] else 'no')}" for c in s["checks"])
            cites = ", ".join(f"{c}{'' if p else ' (irrelevant)'}" for c, p in zip(s["citations"], s["precise"] or [True] * len(s["citations"])))
            mark = "ok" if s["supported"] else "bad"
            sentences.append(f"<li><span class='{mark}'>{'supported' if s['supported'] else 'NOT supported'}</span>: "
                             f"{escape(s['text'])}<br><span class='small'>cites {escape(cites or 'nothing')}; judge: "
                             f"{escape(verdicts or 'not asked')}</span></li>")
        facts = "".join(f"<li class='{'ok' if ok else 'bad'}'>{escape(f)}</li>"
                        for f, ok in zip(item_facts(r), e.get("key_facts", [])))
        fails = "<br>".join(escape(f) for f in e["failures"])
        retrieved = ", ".join(x["key"] for x in r.get("retrieved", []))
        status = f"; refused ({r.get('refusal_reason') or '?'})" if r["refused"] else ""
        if r.get("refusal_probability") is not None:  # the model's first-token probability of refusing
            status += f"; p(refusal) {r['refusal_probability']:.2f}"
        rows.append(
            f"<tr><td><code>{escape(r['id'])}</code><div class='small'>{escape(r['category'])}</div></td>"
            f"<td>{history}{escape(r['question'])}<div class='small'>route {escape(r['route'])}"
            f"{escape(status)}; {r['seconds']:.1f} s</div></td>"
            f"<td class='answer'>{escape(r['answer'])}<details><summary class='small'>given / retrieved</summary>"
            f"<span class='small'>{escape(retrieved)}</span></details></td>"
            f"<td><ul>{''.join(sentences)}</ul></td><td><ul>{facts}</ul></td>"
            f"<td class='{'bad' if e['failures'] else 'ok'}'>{fails or 'pass'}</td></tr>")
    return "".join(rows)


def item_facts(record: dict[str, Any]) -> list[str]:
    return record.get("key_facts_text", [])


def _items(payload: dict[str, Any], items_by_id: dict[str, Any]) -> str:
    parts = []
    for name, run in payload.get("runs", {}).items():
        for r in run["items"]:
            r.setdefault("key_facts_text", items_by_id.get(r["id"], {}).get("key_facts", []))
        failing = sum(bool(r["eval"]["failures"]) for r in run["items"])
        parts.append(f"<h2>Items: {escape(name)} ({len(run['items'])}, {failing} failing)</h2>"
                     f"<table class='items'><tr><th>id</th><th>question</th><th>answer</th>"
                     f"<th>sentences, citations and the judge's verdicts</th><th>key facts</th><th>result</th></tr>"
                     f"{_item_rows(run)}</table>")
    return "".join(parts)


def render(payload: dict[str, Any]) -> str:
    from evals.answers import load_items

    try:
        items_by_id = {i["id"]: i for i in load_items()}
    except (OSError, ValueError):
        items_by_id = {}
    failures = payload.get("threshold_failures") or {}
    fail_html = "".join(f"<li class='bad'>[{escape(k)}] {escape('; '.join(v))}</li>" for k, v in failures.items())
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in payload.get("timings", {}).items())
    answers = (f"<h2>Answer metrics</h2>{_metric_charts(payload)}{_metric_table(payload)}" if payload.get("runs") else "")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Eval report: {escape(payload['suite'])} suite, {escape(payload['started'])}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>Eval report: {escape(payload['what'])}, {escape(payload['suite'])} suite</h1>"
        f"<p>{escape(payload['started'])}; backend {escape(payload['backend'])}"
        f"{'; model ' + escape(payload['model']) if payload.get('model') else ''}; corpus {escape(payload['corpus_version'])}; "
        f"{payload['seconds']:.0f} s ({escape(timings)})</p>"
        + (f"<h2>Below thresholds (evals/thresholds.toml)</h2><ul>{fail_html}</ul>" if fail_html else
           "<p class='ok'>Every metric meets evals/thresholds.toml.</p>")
        + answers + _retrieval(payload) + _judge(payload) + _comparison(payload) + _items(payload, items_by_id)
        + "</body></html>\n")


def write_report(payload: dict[str, Any], path: Path) -> Path:
    path.write_text(render(payload), encoding="utf-8")
    return path
