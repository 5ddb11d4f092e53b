"""report.html: one self-contained file (inline CSS, charts as data: URIs, no external links or scripts) that can
be mailed or opened offline. Every piece of run text is escaped: answers come from an LLM and may contain markup."""

from __future__ import annotations

import base64
import html
from importlib import resources
from string import Template

from ragft.report.markdown import (COLUMNS, DECISION_COLUMNS, DECISION_TITLE, METRICS_NOTE, PAIRED_COLUMNS, PAIRED_NOTE,
                                   RETRIEVAL_COLUMNS, RETRIEVAL_NOTE, SCORING_COLUMNS, SCORING_NOTE, config_json,
                                   dataset_text, decision, decision_rows, example_arms, examples, findings,
                                   finetune_rows, key_settings, meta_line, paired_rows, retrieval_rows, row,
                                   scoring_rows, slug, timing_rows, verdict)
from ragft.report.studies import study_sections

_NUMERIC = {"accuracy", "seed metric", "retrieval hit rate", "mean prompt tokens", "mean completion tokens",
            "mean latency", "seconds", "share of total", "hit@1", "hit@k", "MRR", "citation accuracy",
            "answers citing a passage", "accuracy (verdict)", "exact match", "token F1", "LLM judge",
            "reader: gold passage in prompt", "shared questions", "both right", "only a", "only b", "both wrong",
            "p (exact McNemar)", "p (Holm)", "values chosen"}


def _e(s: object) -> str:
    return html.escape(str(s))


def html_table(head: list[str], rows: list[list[str]]) -> str:
    cls = [' class="num"' if h in _NUMERIC else "" for h in head]
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td{c}>{_e(v)}</td>" for c, v in zip(cls, r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _examples(results: dict, records: list[dict]) -> str:
    parts = []
    for name in example_arms(results, records):
        parts.append(f"<h3>{_e(name)}</h3>")
        chosen = examples(records, name)
        if not chosen:
            parts.append('<p class="note">No answers recorded.</p>')
            continue
        trs = []
        for r in chosen:
            ok = bool(r.get("correct"))
            seed = "✓" if r.get("correct_seed") else "✗"
            trs.append(f'<tr class="{"ok" if ok else "bad"}"><td class="mark">{"✓" if ok else "✗"}</td>'
                       f"<td>{seed}</td><td>{_e(r.get('question', ''))}</td><td>{_e(r.get('reference', ''))}</td>"
                       f"<td>{_e(r.get('answer', ''))}</td></tr>")
        parts.append("<table><thead><tr><th>ok</th><th>seed</th><th>question</th><th>reference</th><th>answer</th>"
                     f"</tr></thead><tbody>{''.join(trs)}</tbody></table>")
    return "\n".join(parts)


def render_html(results: dict, records: list[dict], chart_png: bytes, loss_png: bytes | None = None,
                study_pngs: dict[str, bytes] | None = None) -> str:
    """The whole report page; chart_png (and the optional loss curve) are embedded, not linked."""
    arms = results.get("arms") or {}
    title = f"ragft report: {results.get('run_name', 'run')}"
    found = findings(results)
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="meta">{_e(meta_line(results))}</p>',
            "<h2>Verdict</h2>", f'<p class="verdict">{_e(verdict(results))}</p>',
            *(["<h2>Findings</h2>", "<ul>" + "".join(f"<li>{_e(f)}</li>" for f in found) + "</ul>"] if found else []),
            "<h2>Results</h2>", html_table(COLUMNS, [row(k, a) for k, a in arms.items()]),
            f'<p class="note">{_e(METRICS_NOTE)}</p>', _img(chart_png, "Accuracy per arm (95% Wilson interval)"),
            ]
    body += ["<h2>Scoring</h2>", html_table(SCORING_COLUMNS, scoring_rows(arms)),
             f'<p class="note">{_e(SCORING_NOTE)}</p>']
    if retrieval_rows(arms):
        body += ["<h2>Retrieval and citations</h2>", html_table(RETRIEVAL_COLUMNS, retrieval_rows(arms)),
                 f'<p class="note">{_e(RETRIEVAL_NOTE)}</p>']

    for section in study_sections(results):
        items = "".join(f"<li>{_e(s)}</li>" for s in section.findings)
        body += [f"<h2>{_e(section.title)}</h2>", f"<ul>{items}</ul>", html_table(section.head, section.rows),
                 f'<p class="note">{_e(section.note)}</p>']
        if section.image and (study_pngs or {}).get(section.image):
            body.append(_img(study_pngs[section.image], section.title))
    if paired_rows(results):
        body += ["<h2>Paired comparisons</h2>", html_table(PAIRED_COLUMNS, paired_rows(results)),
                 f'<p class="note">{_e(PAIRED_NOTE)}</p>']
    body += ["<h2>Dataset</h2>", f"<p>{_e(dataset_text(results.get('dataset') or {}))}</p>"]
    settings = key_settings(results.get("config") or {})
    if settings:
        body += ["<h2>Settings</h2>", html_table(["setting", "value"], [list(s) for s in settings])]
    if results.get("finetune"):
        rows = [list(r) for r in finetune_rows(results["finetune"])]
        body += ["<h2>Fine-tuning</h2>", html_table(["setting", "value"], rows)]
        if loss_png:
            body.append(_img(loss_png, "Fine-tuning loss"))
    body += ["<h2>Costs and timings</h2>",
             html_table(["stage", "seconds", "share of total"],
                    [list(r) for r in timing_rows(results.get("timings") or {})]),
             "<h2>Example answers</h2>", _examples(results, records),
             "<h2>Config</h2>", f"<pre>{_e(config_json(results.get('config') or {}))}</pre>"]
    table = decision(results)
    body += [f"<h2>{_e(DECISION_TITLE)}</h2>", html_table(DECISION_COLUMNS, decision_rows(table)),
             f'<p class="verdict">Recommendation: {_e(table.get("recommendation", ""))}</p>']
    template = resources.files("ragft.report").joinpath("template.html").read_text(encoding="utf-8")
    return Template(template).substitute(title=_e(title), body="\n".join(_with_contents(body)))


def _with_contents(body: list[str]) -> list[str]:
    """Anchors on every section heading and a table of contents after the first paragraph."""
    out, titles = [], []
    for part in body:
        if part.startswith("<h2>") and part.endswith("</h2>"):
            title = html.unescape(part[4:-5])
            titles.append(title)
            part = f'<h2 id="{_e(slug(title))}">{_e(title)}</h2>'
        out.append(part)
    toc = ('<nav class="toc"><h2>Contents</h2><ul>'
           + "".join(f'<li><a href="#{_e(slug(t))}">{_e(t)}</a></li>' for t in titles) + "</ul></nav>")
    return out[:2] + [toc] + out[2:]
