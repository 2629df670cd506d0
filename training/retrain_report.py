"""The retrain report: Markdown in models/<candidate>/retrain_report.md, and the short summary
`postwacht retrain` prints. Built from the run's data dict (also saved as retrain.json).

Cases appear by id with their labels, never with their text: the report outlives the review
store's retention period, and the texts can be looked up by id in the store or its export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus.vocabulary import LABELS

SET_TITLES = {
    "corpus_test": "Corpus, split test",
    "functional": "Functionele testset (eval/functional)",
    "reviewed": "Achtergehouden beoordeelde gevallen (nieuwste)",
}
MAX_LISTED = 50


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _d(x: float | None) -> str:
    return "-" if x is None else f"{x:+.3f}"


def _labels(labels: list[str] | tuple[str, ...]) -> str:
    return ", ".join(labels) if labels else "(geen)"


def _violated(gate: dict[str, Any], frozen_set: str, label: str | None) -> bool:
    return any(v["frozen_set"] == frozen_set and v["label"] == label for v in gate["violations"])


def _iv(entry: dict[str, Any]) -> str:
    iv = entry.get("interval")
    return "-" if not iv else f"{iv[0]:+.3f} .. {iv[1]:+.3f}"


def _p(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _set_section(name: str, data: dict[str, Any]) -> list[str]:
    gate = data["gate"]
    title = SET_TITLES.get(name, name)
    if name in gate["skipped_sets"] or name not in gate["deltas"]:
        return [f"### {title}", "", "Leeg: niet meegewogen.", ""]
    delta = gate["deltas"][name]
    macro = delta["macro_f1"]
    mark = " **✗**" if _violated(gate, name, None) else ""
    lines = [f"### {title} (n = {delta['n']})", ""]
    if not delta.get("gating", True):
        lines += [f"**Weegt niet mee**: {delta['n']} gevallen is te weinig voor een vaste set "
                  f"(minstens {data['counts'].get('min_frozen_reviewed', '?')}); de cijfers staan hier ter "
                  "informatie.", ""]
    lines += [f"Macro-F1: {_f(macro['old'])} → {_f(macro['new'])} ({_d(macro['delta'])}; "
              f"interval {_iv(macro)}){mark}", "",
              "| label | positief | recall oud → nieuw | Δ recall | interval | kwijt / erbij | McNemar p "
              "| precision oud → nieuw | Δ F1 | interval F1 |",
              "|---|---:|---|---:|---|---|---:|---|---:|---|"]
    for lab in LABELS:
        e = delta["labels"][lab]
        p, r, f1 = e["precision"], e["recall"], e["f1"]
        if e["support"] == 0:
            lines.append(f"| {lab} | 0 | - | - | - | - | - | {_f(p['old'])} → {_f(p['new'])} | - | - |")
            continue
        flag = " **✗**" if _violated(gate, name, lab) else ""
        pooled = " (gepoold)" if e.get("pooled") else ""
        lines.append(f"| {lab}{pooled} | {e['support']} | {_f(r['old'])} → {_f(r['new'])} | {_d(r['delta'])}{flag} "
                     f"| {_iv(r)} | {e.get('lost', '-')} / {e.get('gained', '-')} | {_p(e.get('p_worse'))} "
                     f"| {_f(p['old'])} → {_f(p['new'])} | {_d(f1['delta'])} | {_iv(f1)} |")
    pool = delta.get("pooled")
    if pool:
        flag = " **✗**" if _violated(gate, name, "pooled") else ""
        r = pool["recall"]
        lines.append(f"| *gepoold: {', '.join(pool['labels'])}* | {pool['support']} | {_f(r['old'])} → {_f(r['new'])} "
                     f"| {_d(r['delta'])}{flag} | {_iv(r)} | {pool['lost']} / {pool['gained']} "
                     f"| {_p(pool['p_worse'])} | | | |")
    lines.append("")
    return lines


def _case_list(title: str, cases: list[dict[str, Any]]) -> list[str]:
    lines = [f"{title}: {len(cases)}", ""]
    if cases:
        lines += ["| id | juiste labels | oud model | nieuw model |", "|---|---|---|---|"]
        for c in cases[:MAX_LISTED]:
            lines.append(f"| {c['id']} | {_labels(c['labels'])} | {_labels(c['old'])} | {_labels(c['new'])} |")
        if len(cases) > MAX_LISTED:
            lines.append(f"| … nog {len(cases) - MAX_LISTED} | | | |")
        lines.append("")
    return lines


def render_report(data: dict[str, Any]) -> str:
    gate, counts = data["gate"], data["counts"]
    lim = gate["limits"]
    verdict = ("**Gepromoveerd**: de kandidaat is nu het actieve model." if data["promoted"]
               else "**Niet gepromoveerd**: het actieve model blijft " + f"`{data['baseline']}`.")
    lines = [f"# Retrain {data['candidate']}", "",
             f"- Kandidaat: `{data['candidate']}`", f"- Vergeleken met (actief bij de start): `{data['baseline']}`",
             f"- Klaar: {data['finished']}", f"- Bron van de beoordelingen: {data['source']}",
             f"- De gate: een daling weigert de kandidaat alleen als ze groter is dan toegestaan (macro-F1 "
             f"{lim['max_macro_drop']:.3f}, recall van een label {lim['max_recall_drop']:.3f}) én geen toeval lijkt "
             f"(eenzijdig, alpha {lim.get('alpha', 0.05):.2f}: McNemar op de positieven voor recall, gepaarde "
             f"bootstrap ({lim.get('bootstrap', '?')} trekkingen, vaste seed) voor macro-F1); labels met minder "
             f"dan {lim.get('min_positives', '?')} positieven in een set tellen samen (gepoold)",
             f"- Gewicht van een beoordeeld geval: {data.get('review_weight', '-')} corpusrijen; drempels blijven "
             f"die van het actieve model tenzij een nieuwe duidelijk beter is (marge "
             f"{data.get('threshold_keep_margin', '-')} én eenzijdige gepaarde t-toets over de dev-folds, alpha "
             f"{data.get('threshold_alpha', '-')}), en dan hoogstens "
             f"{data.get('threshold_max_step', '-')} verschoven", "",
             "## Besluit", "", verdict, ""]
    if data["refusal"]:
        lines += ["Waarom niet:", ""] + [f"- {r}" for r in data["refusal"]] + [""]
    if data.get("advice") or not data["promoted"]:
        lines += ["Wat nu:", ""] + [f"- {a}" for a in data.get("advice", [])]
        lines += [f"- De kandidaat blijft bewaard in `{data['candidate']}` om te bekijken "
                  f"(`postwacht models show {data['candidate']}`); wie hem toch wil gebruiken: "
                  f"`postwacht models promote {data['candidate']} --force --reason \"...\"` (de reden gaat "
                  "naar de audit).", ""]

    by_split = counts["training_by_split"]
    lines += ["## Wat er veranderde", "",
              f"- Beoordeelde gevallen geladen: {counts['reviewed_loaded']}; vervangen door een nieuwere beoordeling "
              f"van (bijna) dezelfde tekst: {counts['superseded']}",
              f"- Achtergehouden als vaste set (de nieuwste): {counts['held_back']}"
              + ("" if counts.get("held_back_gates", True) else
                 f" (weegt niet mee: minder dan {counts.get('min_frozen_reviewed')}; "
                 + ("alle gevallen gingen de training in)" if not counts["held_back"] else "alleen getoond)")),
              f"- Naar de training: {by_split['train']} (train); als correctie van dev/test-rijen: "
              f"{by_split['dev']} (dev), {by_split['test']} (test)",
              f"- Corpusrijen vervangen door een beoordeling (zelfde of bijna dezelfde tekst): "
              f"{counts['corpus_rows_overridden']}, waarvan met andere labels: {counts['labels_changed']}"]
    sizes = data["sizes"]
    lines.append(f"- Trainingsrijen: {sizes['baseline'].get('n_train')} → {sizes['candidate'].get('n_train')}; "
                 f"dev {sizes['baseline'].get('n_dev')} → {sizes['candidate'].get('n_dev')}; "
                 f"test {sizes['baseline'].get('n_test')} → {sizes['candidate'].get('n_test')}")
    old_t, new_t = data["thresholds"]["baseline"], data["thresholds"]["candidate"]
    moved = [f"{lab} {old_t[lab]:.2f} → {new_t[lab]:.2f}" for lab in LABELS
             if lab in old_t and lab in new_t and abs(old_t[lab] - new_t[lab]) >= 0.005]
    lines.append("- Beslisdrempels per label: " + ("; ".join(moved) if moved else "ongewijzigd"))
    lines.append("")
    changed = [o for o in data["overrides"] if tuple(o["old_labels"]) != tuple(o["new_labels"])]
    if changed:
        lines += ["Corpusrijen met andere labels van de reviewer:", "",
                  "| corpus-id | split | beoordeling | gelijkenis | labels corpus | labels reviewer |",
                  "|---|---|---|---:|---|---|"]
        for o in changed[:MAX_LISTED]:
            lines.append(f"| {o['corpus_id']} | {o['split']} | {o['reviewed_id']} | {o['similarity']:.2f} "
                         f"| {_labels(o['old_labels'])} | {_labels(o['new_labels'])} |")
        if len(changed) > MAX_LISTED:
            lines.append(f"| … nog {len(changed) - MAX_LISTED} | | | | | |")
        lines.append("")

    lines += ["## Per vaste set", "",
              "Per label: verandering, eenzijdig interval (gepaarde bootstrap), aantal positieven; kwijt / erbij = "
              "positieven die het oude model vond en het nieuwe mist, en omgekeerd (McNemar). "
              "✗ = gedaald voorbij de tolerantie en geen toeval.", ""]
    for name in SET_TITLES:
        lines += _set_section(name, data)

    lines += ["## Beoordeelde gevallen", "",
              "Per geval: de labels van de reviewer en wat het oude en het nieuwe model vlaggen. "
              "Teksten staan niet in dit rapport; zoek ze op id op in de reviewstore of de export.", "",
              "### Achtergehouden (het nieuwe model heeft ze niet gezien)", ""]
    held = data["cases"]["reviewed"]
    lines += _case_list("Oud fout, nieuw goed", held["fixed"])
    lines += _case_list("Oud goed, nieuw fout", held["broken"])
    lines += [f"Beide fout: {len(held['still_wrong'])}", ""]
    seen = data["cases"]["reviewed_train"]
    lines += ["### In de training (gezien; ter controle)", ""]
    lines += _case_list("Oud fout, nieuw goed", seen["fixed"])
    lines += _case_list("Oud goed, nieuw fout", seen["broken"])
    lines += [f"Beide fout: {len(seen['still_wrong'])}", ""]
    return "\n".join(lines)


def render_summary(data: dict[str, Any], report_path: Path) -> str:
    """What `postwacht retrain` prints: per set macro-F1 and per label the change of recall with its
    interval and number of positives, the verdict, the reasons and what to do next."""
    gate = data["gate"]
    lines = [f"kandidaat {data['candidate']} (vergeleken met {data['baseline']})"]
    for name in SET_TITLES:
        if name not in gate["deltas"]:
            lines.append(f"  {name:<12} leeg, niet meegewogen")
            continue
        d = gate["deltas"][name]
        m = d["macro_f1"]
        note = "" if d.get("gating", True) else "  (weegt niet mee: te weinig gevallen)"
        lines.append(f"  {name:<12} n={d['n']:<5} macro-F1 {_f(m['old'])} -> {_f(m['new'])} "
                     f"({_d(m['delta'])}; interval {_iv(m)}){note}")
        for lab in LABELS:
            e = d["labels"][lab]
            if e["support"] == 0:
                continue
            mark = " ✗" if _violated(gate, name, lab) else ""
            pooled = " gepoold" if e.get("pooled") else ""
            lines.append(f"    {lab:<15} recall {_d(e['recall']['delta'])} [{_iv(e['recall'])}] "
                         f"positief {e['support']}{pooled}{mark}")
        if d.get("pooled"):
            pool = d["pooled"]
            mark = " ✗" if _violated(gate, name, "pooled") else ""
            lines.append(f"    {'(gepoold)':<15} recall {_d(pool['recall']['delta'])} [{_iv(pool['recall'])}] "
                         f"positief {pool['support']}{mark}")
    held = data["cases"]["reviewed"]
    lines.append(f"  achtergehouden gevallen: {len(held['fixed'])} verbeterd, {len(held['broken'])} verslechterd")
    seen = data["cases"]["reviewed_train"]
    lines.append(f"  getrainde beoordeelde gevallen: {len(seen['fixed'])} verbeterd, {len(seen['broken'])} "
                 f"verslechterd, {len(seen['still_wrong'])} nog fout")
    if data["promoted"]:
        lines.append(f"GEPROMOVEERD: actief model is nu {data['candidate']} "
                     f"(terug met `postwacht models rollback`)")
    else:
        lines.append(f"NIET GEPROMOVEERD: actief model blijft {data['baseline']}. Reden(en):")
        lines += [f"  - {r}" for r in data["refusal"]]
        lines.append("Wat nu:")
        lines += [f"  - {a}" for a in data.get("advice", [])]
        lines.append(f"  - de kandidaat blijft bewaard om te bekijken; toch gebruiken: `postwacht models promote "
                     f"{data['candidate']} --force --reason \"...\"`")
    lines.append(f"rapport: {report_path}")
    return "\n".join(lines)
