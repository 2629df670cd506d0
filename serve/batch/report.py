"""`--report report.html`: one self-contained page for the anti-bullying coordinator.

Inline CSS, SVG and one inline script (no fonts, files or links to fetch, no CDN), so it opens
offline and can be mailed. It opens with the escalations: the rows where someone besides the
author must act (a care signal, or a serious threat or sexual message), as a numbered work list
with who to tell and the redacted text only. Then the counts, a chart per level and per label
(stacked by level), the score distribution of every label, the articles most often hit, the
errors, and the case list: every flagged row (escalations first, up to BATCH_REPORT_MAX_CASES),
with its verdict, evidence and redacted text, filters by label, role and level, sorting, a CSV
download of the rows shown, and (once the batch is in the review queue) a link to each row's
queue item. Personal data in the evidence is shown as its placeholder. Without the script the
case list is still there, in its default order.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from corpus.settings import BATCH_REPORT_MAX_CASES
from corpus.vocabulary import LABELS, LEVELS, ROLES, labels_with
from serve.batch.cases import FLAGGED_COLUMNS, _text_cell, case_order, collect_cases, flagged_cells
from serve.batch.summary import ESCALATION_LIST_ROWS, LEVEL_RANK, Summary

QueueLink = Callable[[str], str]  # row id -> the URL of its review-queue item ("" when not queued)

LEVEL_COLOUR = {"geen": "#6a9f58", "laag": "#4f86b5", "midden": "#e0a526", "hoog": "#c8423b"}
LEVEL_WORD = {"geen": "geen risico", "laag": "laag", "midden": "midden", "hoog": "hoog"}

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d232a;padding:0 1rem;line-height:1.45}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e4e7eb;padding-bottom:.3rem}
.meta{color:#5b6570;font-size:.92rem}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.kpi{border:1px solid #dde1e6;border-radius:8px;padding:.6rem 1rem;min-width:120px}
.kpi b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
th{background:#f5f7f9}td.n{text-align:right;font-variant-numeric:tabular-nums}
.hists{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:1rem}
.hist{border:1px solid #eceff2;border-radius:6px;padding:.4rem .6rem}
.hist h3{font-size:.95rem;margin:.2rem 0}
.row{border:1px solid #dde1e6;border-left:6px solid #999;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}
.row h3{margin:.1rem 0 .4rem;font-size:1rem}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;color:#fff;font-size:.85rem}
.excerpt{background:#f7f8fa;border-radius:4px;padding:.4rem .6rem;white-space:pre-wrap;font-size:.9rem}
.ev{font-size:.9rem;margin:.3rem 0 .3rem 1rem;padding:0}
.ev q{font-weight:600}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
footer{margin-top:2.5rem;color:#5b6570;font-size:.85rem}
.esc{border:3px solid #8a1111;background:#fff5f5;border-radius:8px;padding:.4rem 1.1rem 1rem;margin:1.2rem 0}
.esc>h2{margin-top:.6rem;color:#8a1111;border-bottom-color:#f1c4c4}
.esc.none{border-color:#c9ccd1;background:#fafafa}.esc.none>h2{color:#1d232a;border-bottom:none}
.esc ol{padding-left:1.6rem;margin:.6rem 0 0}
.esc li{background:#fff;border:1px solid #e3b5b5;border-left:6px solid #8a1111;border-radius:6px;
padding:.5rem .8rem;margin:.6rem 0}
.esc li h3{margin:.1rem 0 .3rem;font-size:1rem}
.esc .who{margin:.3rem 0}
.esc .kind{display:inline-block;border-radius:4px;padding:0 .45rem;background:#8a1111;color:#fff;font-size:.85rem}
.esc .kind.care{background:#6a1b9a}
.kpi.escalate{border:2px solid #8a1111;color:#8a1111}
.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end;background:#f5f7f9;border:1px solid #dde1e6;
border-radius:8px;padding:.6rem .8rem;margin:.8rem 0}
.filters label{display:flex;flex-direction:column;font-size:.85rem;color:#39424c}
.filters label.check{flex-direction:row;align-items:center;gap:.35rem}
.filters select,.filters button{font:inherit;font-size:.92rem;padding:.25rem .4rem}
.filters button{background:#1f5f99;color:#fff;border:0;border-radius:5px;padding:.35rem .8rem;cursor:pointer}
#shown{font-size:.9rem;color:#39424c;margin-left:auto}
.cases td.text{max-width:26rem;white-space:pre-wrap}
.cases tr.escalated td:first-child{border-left:5px solid #8a1111}
.cases .ev{margin:0;padding-left:1rem}
.cases .scores{font-size:.82rem;color:#5b6570}
.kindtag{display:inline-block;border-radius:4px;padding:0 .35rem;background:#8a1111;color:#fff;font-size:.78rem}
.kindtag.care{background:#6a1b9a}
.note{background:#fff8e1;border:1px solid #f0d889;border-radius:6px;padding:.4rem .7rem}
"""


def _bar_chart(rows: list[tuple[str, dict[str, int]]], width: int = 820) -> str:
    """Horizontal bars, each stacked by level: rows = [(label, {level: count})]."""
    bar_h, gap, left, right = 22, 8, 280, 70
    height = len(rows) * (bar_h + gap) + gap
    biggest = max([sum(parts.values()) for _, parts in rows] + [1])
    scale = (width - left - right) / biggest
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" font-size="13">']
    for i, (name, parts) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">{escape(name)}</text>')
        x = float(left)
        for level in LEVELS:
            n = parts.get(level, 0)
            if not n:
                continue
            w = n * scale
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" '
                       f'fill="{LEVEL_COLOUR[level]}"><title>{escape(name)}: {LEVEL_WORD[level]} {n}</title></rect>')
            x += w
        total = sum(parts.values())
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h * 0.7:.1f}">{total}</text>')
    out.append("</svg>")
    return "".join(out)


def _histogram(counts: list[int], width: int = 240, height: int = 90) -> str:
    biggest = max([*counts, 1])
    n = len(counts)
    bw = (width - 10) / n
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 16}" '
           f'viewBox="0 0 {width} {height + 16}" role="img" font-size="10">']
    for i, c in enumerate(counts):
        h = (height - 4) * c / biggest
        lo, hi = i / n, (i + 1) / n
        out.append(f'<rect x="{5 + i * bw:.1f}" y="{height - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                   f'fill="#4f86b5"><title>score {lo:.1f}–{hi:.1f}: {c}</title></rect>')
    out.append(f'<text x="5" y="{height + 12}">0</text>'
               f'<text x="{width - 5}" y="{height + 12}" text-anchor="end">1</text>')
    out.append("</svg>")
    return "".join(out)


def _legend() -> str:
    return '<p class="legend">' + "".join(
        f'<span><i style="background:{LEVEL_COLOUR[lvl]}"></i>{LEVEL_WORD[lvl]}</span>' for lvl in LEVELS) + "</p>"


def _escalations(summary: Summary, name: dict[str, str], staff_text: str) -> list[str]:
    """The coordinator's work list, first on the page: one item per escalated row (redacted text only).
    `staff_text` is the protocol's escalation text for staff: what the coordinator does."""
    care = set(labels_with("escalates"))
    if not summary.escalations:
        return ['<section class="esc none" aria-labelledby="esc-title">',
                '<h2 id="esc-title">Escalaties: geen</h2>',
                "<p>Geen zorgsignalen en geen ernstige bedreigingen of seksuele berichten gevonden.</p></section>"]
    shown = summary.escalated
    out = ['<section class="esc" id="escalaties" aria-labelledby="esc-title">',
           f'<h2 id="esc-title">&#9888; Eerst doen: {summary.escalations} escalatie'
           f'{"s" if summary.escalations != 1 else ""}</h2>',
           "<p>Bij deze berichten moet iemand anders dan de schrijver iets doen: een zorgsignaal "
           "(vertel het de leerkracht, de intern begeleider of de aandachtsfunctionaris, volgens de meldcode) "
           "of een ernstige bedreiging of seksueel bericht (meld het bij de directie, artikel "
           "alle-betrokkenen.4). Werk de lijst van boven naar beneden af. Alleen de tekst zonder "
           "persoonsgegevens staat hier.</p>"]
    if staff_text:
        out.append(f'<p class="who"><b>Wat u doet:</b> {escape(staff_text)}</p>')
    if summary.escalations > len(shown):
        out.append(f"<p><b>Hier staan de eerste {len(shown)} van {summary.escalations}</b> (hooguit "
                   f"{ESCALATION_LIST_ROWS}); alle escalaties staan in het bestand van <code>--escalations</code>.</p>")
    out.append("<ol>")
    for entry in shown:
        is_care = any(lab in care for lab in entry["labels"])
        kind = ('<span class="kind care">Zorgsignaal: vertel het iemand</span>' if is_care
                else '<span class="kind">Meld dit bij de directie</span>')
        labels = ", ".join(name.get(lab, lab) for lab in entry["labels"]) or "–"
        level = LEVEL_WORD.get(str(entry.get("level")), str(entry.get("level") or ""))
        out.append(f'<li data-row="{entry["row"]}"><h3>{kind} Rij {entry["row"]} · id {escape(str(entry["id"]))}</h3>'
                   f'<div>rol: {escape(str(entry["role"]))} · niveau: {escape(level)} · labels: {escape(labels)}</div>')
        if entry.get("excerpt"):
            out.append(f'<div class="excerpt">{escape(entry["excerpt"])}</div>')
        out.append("</li>")
    out.append("</ol></section>")
    return out


def render_report(summary: Summary, input_name: str, model_version: str, elapsed: float | None = None,
                  generated: str | None = None, cases: list[dict[str, Any]] | None = None,
                  cases_total: int | None = None, queue_link: QueueLink | None = None,
                  import_hint: str | None = None) -> str:
    """The page. `cases` are the flagged rows in case order (serve/batch/cases.py; default: the
    summary's highest-risk rows), `cases_total` how many there are in all, `queue_link` the link
    of a row's queue item, `import_hint` the command that puts the batch into the queue."""
    from corpus.protocol import get_protocol

    protocol = get_protocol()
    generated = generated or time.strftime("%Y-%m-%d %H:%M")
    name = {lab: protocol.label_name(lab) for lab in LABELS}
    parts: list[str] = [
        "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
        f"<title>Postwacht batchrapport – {escape(input_name)}</title><style>{_CSS}</style></head><body>",
        "<h1>Postwacht batchrapport</h1>",
        f'<p class="meta">Bestand <b>{escape(input_name)}</b> · model {escape(model_version)} · '
        f"gemaakt {escape(generated)}" + (f" · {elapsed:.0f} s rekentijd" if elapsed is not None else "") + "</p>",
        *_escalations(summary, name, protocol.escalation_for("medewerker")),
        '<div class="kpis">',
        f'<div class="kpi{" escalate" if summary.escalations else ""}">escalaties<b>{summary.escalations}</b></div>',
        f'<div class="kpi">rijen<b>{summary.rows}</b></div>',
        f'<div class="kpi">gescoord<b>{summary.scored}</b></div>',
        f'<div class="kpi">fouten<b>{summary.errors}</b></div>',
    ]
    for level in ("hoog", "midden"):
        parts.append(f'<div class="kpi" style="border-color:{LEVEL_COLOUR[level]}">{LEVEL_WORD[level]}'
                     f"<b>{summary.levels.get(level, 0)}</b></div>")
    parts.append("</div>")

    parts.append("<h2>Risiconiveau</h2>")
    parts.append(_bar_chart([(LEVEL_WORD[lvl], {lvl: summary.levels.get(lvl, 0)}) for lvl in LEVELS]))

    parts.append("<h2>Labels</h2><p>Aantal berichten per label, verdeeld naar het risiconiveau van het bericht.</p>")
    parts.append(_legend())
    parts.append(_bar_chart([(name[lab], dict(summary.label_levels[lab])) for lab in LABELS]))

    parts.append("<h2>Scoreverdeling per label</h2><div class=\"hists\">")
    for lab in LABELS:
        parts.append(f'<div class="hist"><h3>{escape(name[lab])}</h3>{_histogram(summary.score_hist[lab])}'
                     f"<div class=\"meta\">{summary.labels.get(lab, 0)} gemarkeerd</div></div>")
    parts.append("</div>")

    top_articles = summary.top_articles(15)
    parts.append("<h2>Meest geraakte artikelen</h2>")
    if top_articles:
        parts.append("<table><tr><th>artikel</th><th>onderdeel</th><th class=\"n\">berichten</th><th>tekst</th></tr>")
        for art_id, n in top_articles:
            art = protocol.articles.get(art_id)
            section = f"{art.section}, {art.number}" if art else ""
            text = art.text if art else ""
            parts.append(f"<tr><td>{escape(art_id)}</td><td>{escape(section)}</td><td class=\"n\">{n}</td>"
                         f"<td>{escape(text)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>Geen artikelen geraakt.</p>")

    if summary.error_kinds:
        parts.append("<h2>Rijen die niet gescoord konden worden</h2><table><tr><th class=\"n\">rijen</th>"
                     "<th>reden</th></tr>")
        for kind, n in summary.error_kinds.most_common():
            parts.append(f"<tr><td class=\"n\">{n}</td><td>{escape(kind)}</td></tr>")
        parts.append("</table>")

    parts.extend(_case_list(cases if cases is not None else summary.top_rows(),
                            cases_total, name, queue_link, import_hint))

    parts.append("<footer>Persoonsgegevens zijn vervangen door hun soort, zoals [TELEFOONNUMMER]. "
                 "Dit rapport bevat berichttekst: bewaar en deel het zoals het protocol voorschrijft.</footer>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path: Path, summary: Summary, input_name: str, model_version: str,
                 elapsed: float | None = None, output: Path | None = None, output_format: str | None = None,
                 queue_link: QueueLink | None = None, import_hint: str | None = None) -> int:
    """Write the page; the case list is read back from the finished `output` (every flagged row,
    up to BATCH_REPORT_MAX_CASES). Returns how many flagged rows the output holds."""
    cases = total = None
    if output is not None and output_format is not None:
        cases, total = collect_cases(output, output_format, BATCH_REPORT_MAX_CASES)
    html = render_report(summary, input_name, model_version, elapsed, cases=cases, cases_total=total,
                         queue_link=queue_link, import_hint=import_hint)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return total if total is not None else len(summary.top_rows())


# ---- the case list ---------------------------------------------------------------------------------
def _case_row(i: int, case: dict[str, Any], name: dict[str, str], link: str) -> str:
    colour = LEVEL_COLOUR.get(case["level"], "#999")
    scores = case.get("scores") or {}
    labels = "".join(f"<li>{escape(name.get(lab, lab))} <span class=\"scores\">{float(scores.get(lab, 0)):.2f}</span></li>"
                     for lab in case["labels"]) or "<li>–</li>"
    evidence = "".join(f"<li><q>{escape(ev['quote'])}</q> – {escape(ev['explanation'])} "
                       f"<span class=\"meta\">({escape(name.get(ev['label'], ev['label']))})</span></li>"
                       for ev in case.get("evidence") or [])
    kind = ""
    if case.get("escalate"):
        care = case.get("kind") == "Zorgsignaal: vertel het iemand"
        kind = f'<br><span class="kindtag{" care" if care else ""}">{escape(case.get("kind") or "escalatie")}</span>'
    queue = (f'<a href="{escape(link)}" target="_blank" rel="noopener">beoordelen</a>' if link else "–")
    attrs = (f'data-i="{i}" data-row="{case["row"]}" data-level="{escape(case["level"])}" '
             f'data-rank="{LEVEL_RANK.get(case["level"], 0)}" data-risk="{float(case["risk"]):.4f}" '
             f'data-role="{escape(case["role"])}" data-labels="{escape(" ".join(case["labels"]))}" '
             f'data-esc="{1 if case.get("escalate") else 0}" data-id="{escape(case["id"])}"')
    esc_class = ' class="escalated"' if case.get("escalate") else ""
    return (f'<tr {attrs}{esc_class}>'
            f'<td class="n pos">{i + 1}</td><td class="n">{case["row"]}</td><td>{escape(case["id"])}</td>'
            f'<td>{escape(case["role"])}</td>'
            f'<td><span class="badge" style="background:{colour}">{escape(LEVEL_WORD.get(case["level"], ""))}</span>'
            f'{kind}</td><td class="n">{float(case["risk"]):.2f}</td>'
            f'<td><ul class="ev">{labels}</ul></td><td>{"<ul class=ev>" + evidence + "</ul>" if evidence else "–"}</td>'
            f'<td class="text">{escape(case.get("excerpt") or "")}</td>'
            f'<td>{escape(", ".join(case.get("articles") or [])) or "–"}</td><td>{queue}</td></tr>')


def _as_case(row: dict[str, Any]) -> dict[str, Any]:
    """A case of serve/batch/cases.py, or a summary's highest-risk row made into one."""
    return {"escalate": False, "kind": "", "scores": {}, "evidence": [], "excerpt": "", "articles": [],
            **row, "id": str(row.get("id")), "role": str(row.get("role") or "")}


def _case_list(cases: list[dict[str, Any]], total: int | None, name: dict[str, str],
               queue_link: QueueLink | None, import_hint: str | None) -> list[str]:
    cases = [_as_case(c) for c in cases]
    total = len(cases) if total is None else total
    out = ['<section id="cases" aria-labelledby="cases-title">',
           f'<h2 id="cases-title">Alle gemarkeerde berichten ({total})</h2>']
    if not cases:
        out.append("<p>Geen berichten met risico gevonden.</p></section>")
        return out
    out.append("<p>Elk bericht waarin het model iets vond, escalaties eerst, dan het hoogste niveau en risico. "
               "Filter en sorteer hieronder; de download bevat de rijen die u ziet.</p>")
    if total > len(cases):
        out.append(f'<p class="note"><b>Hier staan de eerste {len(cases)} van {total}</b> (hooguit '
                   f"{BATCH_REPORT_MAX_CASES}); alle gemarkeerde berichten staan in het bestand van "
                   "<code>--flagged</code>.</p>")
    if queue_link is None:
        hint = f" met <code>{escape(import_hint)}</code>" if import_hint else ""
        out.append(f'<p class="note" id="queue-note">Deze batch staat nog niet in de wachtrij voor reviewers. '
                   f"Zet hem erin{hint}; dan linkt elke rij naar haar wachtrij-item.</p>")
    roles = sorted({c["role"] for c in cases}, key=lambda r: (ROLES.index(r) if r in ROLES else 99, r))
    labels_seen = [lab for lab in LABELS if any(lab in c["labels"] for c in cases)]
    out.append('<div class="filters" role="group" aria-label="Filters">'
               '<label>Label<select id="f-label"><option value="">alle labels</option>'
               + "".join(f'<option value="{lab}">{escape(name[lab])}</option>' for lab in labels_seen)
               + '</select></label><label>Rol<select id="f-role"><option value="">alle rollen</option>'
               + "".join(f'<option value="{escape(r)}">{escape(r)}</option>' for r in roles)
               + '</select></label><label>Niveau<select id="f-level"><option value="">alle niveaus</option>'
               + "".join(f'<option value="{lvl}">{LEVEL_WORD[lvl]}</option>' for lvl in reversed(LEVELS)
                         if lvl != "geen")
               + '</select></label><label class="check"><input type="checkbox" id="f-esc"> alleen escalaties</label>'
               '<label>Sorteren<select id="f-sort"><option value="default">escalaties eerst</option>'
               '<option value="risk">hoogste risico</option><option value="level">hoogste niveau</option>'
               '<option value="row">rijnummer</option></select></label>'
               '<button type="button" id="download">Download CSV (getoonde rijen)</button>'
               f'<span id="shown" aria-live="polite">{len(cases)} van {len(cases)} getoond</span></div>')
    out.append('<table class="cases" id="case-table"><thead><tr><th class="n">#</th><th class="n">rij</th>'
               "<th>id</th><th>rol</th><th>niveau</th><th class=\"n\">risico</th><th>labels (score)</th>"
               "<th>bewijs</th><th>tekst zonder persoonsgegevens</th><th>artikelen</th><th>wachtrij</th></tr></thead>"
               "<tbody>")
    data = []
    for i, case in enumerate(sorted(cases, key=case_order)):
        link = queue_link(case["id"]) if queue_link else ""
        out.append(_case_row(i, case, name, link))
        data.append([_text_cell(c) for c in flagged_cells(case, lambda lab: name.get(lab, lab), i + 1, link)])
    out.append("</tbody></table>")
    payload = json.dumps({"columns": list(FLAGGED_COLUMNS), "rows": data}, ensure_ascii=False)
    payload = payload.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    out.append(f'<script type="application/json" id="case-data">{payload}</script>')
    out.append(f"<script>{_CASES_JS}</script></section>")
    return out


# Filters, sorting and the CSV download of the case list; plain DOM, no libraries.
_CASES_JS = r"""
(function () {
  "use strict";
  var table = document.getElementById("case-table");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var data = JSON.parse(document.getElementById("case-data").textContent);
  var f = {label: "f-label", role: "f-role", level: "f-level", esc: "f-esc", sort: "f-sort"};
  Object.keys(f).forEach(function (k) { f[k] = document.getElementById(f[k]); });
  var order = {
    "default": function (a, b) { return a.dataset.i - b.dataset.i; },
    "risk": function (a, b) { return b.dataset.risk - a.dataset.risk || a.dataset.row - b.dataset.row; },
    "level": function (a, b) { return b.dataset.rank - a.dataset.rank || b.dataset.risk - a.dataset.risk ||
                                      a.dataset.row - b.dataset.row; },
    "row": function (a, b) { return a.dataset.row - b.dataset.row; }
  };
  function visible() { return rows.filter(function (r) { return !r.hidden; }); }
  function apply() {
    var label = f.label.value, role = f.role.value, level = f.level.value, esc = f.esc.checked;
    rows.forEach(function (r) {
      r.hidden = Boolean((label && r.dataset.labels.split(" ").indexOf(label) < 0) ||
        (role && r.dataset.role !== role) || (level && r.dataset.level !== level) || (esc && r.dataset.esc !== "1"));
    });
    rows.slice().sort(order[f.sort.value] || order["default"]).forEach(function (r) { body.appendChild(r); });
    var n = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      if (!r.hidden) { n += 1; r.querySelector(".pos").textContent = String(n); }
    });
    document.getElementById("shown").textContent = n + " van " + rows.length + " getoond";
  }
  function field(v) {
    v = String(v);
    return /[",\r\n\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function download() {
    var lines = [data.columns.map(field).join(",")];
    Array.prototype.forEach.call(body.rows, function (r) {
      if (r.hidden) return;
      var cells = data.rows[Number(r.dataset.i)].slice();
      cells[0] = String(lines.length);
      lines.push(cells.map(field).join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\n") + "\n"], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "gemarkeerde-berichten.csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }
  [f.label, f.role, f.level, f.esc, f.sort].forEach(function (el) { el.addEventListener("change", apply); });
  document.getElementById("download").addEventListener("click", download);
  document.body.dataset.cases = "ready";
})();
"""
