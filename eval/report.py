"""`postwacht eval`: measure the active model and write eval/REPORT.md with PNG plots.

Measures on the corpus `test` split: per-label precision, recall, F1, PR-AUC; any-risk F1;
calibration (reliability diagram, Brier score); a label confusion view; PII span precision
and recall per type; article exact match for the author's role; and the functional suite
per capability.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from corpus.dataset import load_split
from corpus.protocol import annotation_protocol
from corpus.vocabulary import LABEL_SPECS, LABELS, PII_TYPES
from eval.functional import load_cases, run_suite
from eval.generalisation import run_generalisation
from eval.metrics import label_matrix, multilabel_metrics

EVAL_DIR = Path(__file__).resolve().parent
REPORT_PATH = EVAL_DIR / "REPORT.md"


def expected_articles(ex: dict[str, Any]) -> set[str]:
    """The articles an annotated example should cite (the corpus is annotated against the
    repository's De Marel protocol; sub-article labels carry their own ids)."""
    protocol = annotation_protocol()
    ids: set[str] = set()
    for lab in ex["labels"]:
        if LABEL_SPECS[lab].sub_articles:
            ids.update(ex.get("boundary_articles") or protocol.sub_article_ids(lab)[:1])
        else:
            ids.update(protocol.article_ids_for(lab, ex["role"]))
    return ids


def pii_span_metrics(rows: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per PII type: exact-span and overlap precision/recall."""
    tp_exact: Counter[str] = Counter()
    tp_overlap_gold: Counter[str] = Counter()
    tp_overlap_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for ex, res in zip(rows, results, strict=True):
        gold = [(p["type"], p["start"], p["end"]) for p in ex["pii"]]
        pred = [(f["type"], f["start"], f["end"]) for f in res["findings"] if f["type"] in PII_TYPES]
        for t, _, _ in gold:
            n_gold[t] += 1
        for t, _, _ in pred:
            n_pred[t] += 1
        pred_set = set(pred)
        for g in gold:
            if g in pred_set:
                tp_exact[g[0]] += 1
            if any(p[0] == g[0] and p[1] < g[2] and g[1] < p[2] for p in pred):
                tp_overlap_gold[g[0]] += 1
        for p in pred:
            if any(p[0] == g[0] and p[1] < g[2] and g[1] < p[2] for g in gold):
                tp_overlap_pred[p[0]] += 1
    out = {}
    for t in PII_TYPES:
        if not n_gold[t] and not n_pred[t]:
            continue
        out[t] = {
            "gold": n_gold[t], "predicted": n_pred[t],
            "recall_exact": tp_exact[t] / n_gold[t] if n_gold[t] else float("nan"),
            "recall_overlap": tp_overlap_gold[t] / n_gold[t] if n_gold[t] else float("nan"),
            "precision_overlap": tp_overlap_pred[t] / n_pred[t] if n_pred[t] else float("nan"),
        }
    return out


def calibration(y_true: np.ndarray, y_score: np.ndarray, bins: int = 10) -> dict[str, Any]:
    flat_t, flat_s = y_true.ravel(), y_score.ravel()
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for lo, hi in itertools.pairwise(edges):
        mask = (flat_s >= lo) & ((flat_s < hi) if hi < 1 else (flat_s <= hi))
        if mask.any():
            rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(mask.sum()),
                         "mean_score": float(flat_s[mask].mean()), "positive_rate": float(flat_t[mask].mean())})
    ece = sum(r["n"] * abs(r["mean_score"] - r["positive_rate"]) for r in rows) / max(len(flat_s), 1)
    return {"bins": rows, "brier": float(np.mean((flat_s - flat_t) ** 2)), "ece": float(ece)}


def confusion(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, dict[str, int]]:
    """For each gold label: how often each label (or nothing) was predicted on those posts."""
    out: dict[str, dict[str, int]] = {}
    for j, lab in enumerate(LABELS):
        rows = y_true[:, j] == 1
        counts = {LABELS[k]: int(y_pred[rows, k].sum()) for k in range(len(LABELS))}
        counts["(none)"] = int((y_pred[rows].sum(axis=1) == 0).sum())
        out[lab] = counts
    none_rows = y_true.sum(axis=1) == 0
    out["(none)"] = {LABELS[k]: int(y_pred[none_rows, k].sum()) for k in range(len(LABELS))}
    out["(none)"]["(none)"] = int((y_pred[none_rows].sum(axis=1) == 0).sum())
    return out


def run_evaluation(scorer: Any, split: str = "test") -> dict[str, Any]:
    rows = load_split(split)
    t0 = time.perf_counter()
    results = scorer.score_many([{"id": ex["id"], "text": ex["text"], "role": ex["role"]} for ex in rows])
    seconds = time.perf_counter() - t0
    y_true = label_matrix([ex["labels"] for ex in rows])
    y_score = np.array([[r["labels"][lab]["score"] for lab in LABELS] for r in results])
    y_pred = np.array([[int(r["labels"][lab]["flagged"]) for lab in LABELS] for r in results])
    metrics = multilabel_metrics(y_true, y_pred, y_score)
    art_exact = [expected_articles(ex) == {a["id"] for a in r["articles"]} for ex, r in zip(rows, results, strict=True)]
    flagged_rows = [ok for ok, ex in zip(art_exact, rows, strict=True) if ex["labels"]]
    by_role: dict[str, list[bool]] = defaultdict(list)
    for ok, ex in zip(art_exact, rows, strict=True):
        by_role[ex["role"]].append(ok)
    cases = load_cases()
    functional = run_suite(scorer, cases) if cases else None
    generalisation = run_generalisation(scorer)
    return {
        "generalisation": generalisation,
        "split": split,
        "model_version": scorer.version,
        "n": len(rows),
        "seconds": seconds,
        "metrics": metrics,
        "y_true": y_true, "y_score": y_score, "y_pred": y_pred,
        "calibration": calibration(y_true, y_score),
        "confusion": confusion(y_true, y_pred),
        "pii": pii_span_metrics(rows, results),
        "articles": {"exact_match": float(np.mean(art_exact)) if art_exact else 0.0,
                     "exact_match_flagged": float(np.mean(flagged_rows)) if flagged_rows else 0.0,
                     "by_role": {r: float(np.mean(v)) for r, v in sorted(by_role.items())}},
        "functional": functional,
    }


def _plots(ev: dict[str, Any], out_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import PrecisionRecallDisplay

    names = []
    fig, axes = plt.subplots(2, (len(LABELS) + 1) // 2, figsize=(4 * ((len(LABELS) + 1) // 2), 8))
    for j, lab in enumerate(LABELS):
        ax = axes.ravel()[j]
        if ev["y_true"][:, j].any():
            PrecisionRecallDisplay.from_predictions(ev["y_true"][:, j], ev["y_score"][:, j], ax=ax, name=lab)
        ax.set_title(lab)
    fig.suptitle(f"Precision-recall per label ({ev['split']}, {ev['model_version']})")
    fig.tight_layout()
    fig.savefig(out_dir / "pr_curves.png", dpi=80)
    plt.close(fig)
    names.append("pr_curves.png")

    fig, ax = plt.subplots(figsize=(5, 5))
    bins = ev["calibration"]["bins"]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    ax.plot([b["mean_score"] for b in bins], [b["positive_rate"] for b in bins], marker="o", label="postwacht")
    ax.set_xlabel("mean predicted score")
    ax.set_ylabel("fraction positive")
    ax.set_title("Reliability diagram (all labels)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "reliability.png", dpi=80)
    plt.close(fig)
    names.append("reliability.png")
    return names


def _fmt(x: float) -> str:
    return "-" if x != x else f"{x:.3f}"  # NaN -> "-"


def write_report(ev: dict[str, Any], path: Path = REPORT_PATH, command: str = "postwacht eval") -> Path:
    _plots(ev, path.parent)
    m = ev["metrics"]
    lines = [
        "# Postwacht evaluation report",
        "",
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M')} for model `{ev['model_version']}`.",
        f"Split `{ev['split']}`: {ev['n']} written examples (scored in {ev['seconds']:.1f} s).",
        "These are scores on text written by the team; the hidden evaluation uses text nobody here wrote,",
        "so the functional suite below is the better guide to generalisation.",
        "",
        "## Headline",
        "",
        "| measure | value |",
        "|---|---|",
        f"| macro-F1 ({len(LABELS)} labels) | {_fmt(m['macro_f1'])} |",
        f"| micro-F1 | {_fmt(m['micro_f1'])} |",
        f"| any-risk F1 | {_fmt(m['any_risk']['f1'])} (P {_fmt(m['any_risk']['precision'])}, "
        f"R {_fmt(m['any_risk']['recall'])}) |",
        f"| article ids exact match (all posts) | {_fmt(ev['articles']['exact_match'])} |",
        f"| article ids exact match (posts with a label) | {_fmt(ev['articles']['exact_match_flagged'])} |",
    ]
    if ev["functional"]:
        f = ev["functional"]
        lines.append(f"| functional suite accuracy ({f['n_cases']} cases, {f['n_capabilities']} capabilities) | "
                     f"{_fmt(f['accuracy'])} (lowest capability {_fmt(f['min_capability'])}) |")
    g = ev.get("generalisation") or {}
    if g:
        lines += ["", "## Text nobody here wrote into the corpus", "",
                  "False alarms: every flag on these texts is wrong. `realnl held` is the half of",
                  "`../shared/data/realnl-dev.jsonl` (real Wikipedia and news sentences, CC BY-SA 4.0) that is never",
                  "trained on; the other half is used as background negatives.", "",
                  "| set | n | flagged (any label) | at level hoog | labelled name findings | most flagged labels |",
                  "|---|---|---|---|---|---|"]
        for key, title in (("realnl_held", "realnl held (never trained on)"), ("realnl_all", "realnl, whole file"),
                           ("benign_posts", "harmless school posts (eval/benign)")):
            v = g.get(key) or {}
            if not v.get("n"):
                continue
            top = ", ".join(f"{lab} {share:.3f}" for lab, share in
                            sorted(v["per_label"].items(), key=lambda kv: -kv[1])[:3]) or "-"
            lines.append(f"| {title} | {v['n']} | {_fmt(v['flagged'])} | {_fmt(v['hoog'])} | "
                         f"{v['labelled_name_findings']} | {top} |")
        inv = g.get("identity") or {}
        if inv.get("n"):
            lines += ["", f"Identity invariance (eval/invariance): {inv['n_frames']} hand-written frames x "
                      f"{inv['n_groups']} group terms.", "",
                      "| measure | value |", "|---|---|",
                      f"| neutral/positive statements flagged | {_fmt(inv['benign_flagged'])} (of {inv['benign_n']}) |",
                      f"| hateful statements found | {_fmt(inv['hateful_found'])} (of {inv['hateful_n']}) |",
                      f"| frames where a group swap moves a score by more than {inv['margin']} | "
                      f"{_fmt(inv['frames_over_margin'])} (largest move {_fmt(inv['max_spread'])}) |"]
        wb = g.get("safeguarding") or {}
        if wb.get("n"):
            lines += ["", f"Held-out safeguarding cases (eval/wellbeing, {wb['n']} cases):", "",
                      "| measure | value |", "|---|---|",
                      f"| wellbeing recall | {_fmt(wb['recall'])} |",
                      f"| wellbeing precision | {_fmt(wb['precision'])} |",
                      f"| flagged wellbeing with escalate | {_fmt(wb['escalated_share'])} |",
                      f"| look-alikes flagged as anything | {_fmt(wb['lookalikes_flagged'])} (of {wb['lookalikes']}) |"]
    lines += ["", "## Per label (test)", "", "| label | precision | recall | F1 | PR-AUC | support |",
              "|---|---|---|---|---|---|"]
    for lab in LABELS:
        v = m["labels"][lab]
        lines.append(f"| {lab} | {_fmt(v['precision'])} | {_fmt(v['recall'])} | {_fmt(v['f1'])} | "
                     f"{_fmt(v.get('pr_auc', float('nan')))} | {v['support']} |")
    lines += ["", "![PR curves](pr_curves.png)", "", "## Calibration", "",
              f"Brier score {ev['calibration']['brier']:.4f}, expected calibration error "
              f"{ev['calibration']['ece']:.4f} (all labels pooled).", "",
              "| score bin | n | mean score | fraction positive |", "|---|---|---|---|"]
    for b in ev["calibration"]["bins"]:
        lines.append(f"| {b['bin']} | {b['n']} | {b['mean_score']:.3f} | {b['positive_rate']:.3f} |")
    lines += ["", "![Reliability diagram](reliability.png)", "", "## Confusion view", "",
              "Rows: gold label of the post; columns: how often each label was flagged on those posts.", "",
              "| gold \\ flagged | " + " | ".join([*LABELS, "(none)"]) + " |",
              "|---|" + "---|" * (len(LABELS) + 1)]
    for gold, counts in ev["confusion"].items():
        lines.append(f"| {gold} | " + " | ".join(str(counts.get(c, 0)) for c in [*LABELS, "(none)"]) + " |")
    lines += ["", "## Personal data spans (test)", "",
              "| type | gold | predicted | recall (exact span) | recall (overlap) | precision (overlap) |",
              "|---|---|---|---|---|---|"]
    for t, v in ev["pii"].items():
        lines.append(f"| {t} | {v['gold']} | {v['predicted']} | {_fmt(v['recall_exact'])} | "
                     f"{_fmt(v['recall_overlap'])} | {_fmt(v['precision_overlap'])} |")
    lines += ["", "## Articles", "", "| role | exact match |", "|---|---|"]
    for role, v in ev["articles"]["by_role"].items():
        lines.append(f"| {role} | {_fmt(v)} |")
    if ev["functional"]:
        f = ev["functional"]
        lines += ["", "## Functional suite", "",
                  "Expected label set must equal the flagged set exactly.", "",
                  "| capability | cases | accuracy |", "|---|---|---|"]
        for cap, v in f["capabilities"].items():
            flag = " ⚠" if v["accuracy"] < 0.7 else ""
            lines.append(f"| {cap} | {v['n']} | {_fmt(v['accuracy'])}{flag} |")
    lines += performance_section(path.parent / "performance")
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


PROFILE_LINES = 22  # header plus the top functions by cumulative time


def performance_section(folder: Path) -> list[str]:
    """The last benchmark and profile runs kept in eval/performance/ (`eval/bench_engine.py --write`,
    `eval/profile_engine.py --write`), beside the profile from before the speed work."""
    if not folder.is_dir():
        return []
    out = ["", "## Performance", "",
           "Measured by the benchmark scripts, not by `postwacht eval` (their figures move with the load",
           "of the machine; ratios from interleaved rounds hold better than absolute rates)."]
    engine = folder / "engine.txt"
    if engine.exists():
        out += ["", "Engine (`.venv/bin/python eval/bench_engine.py --write`):", "", "```",
                *engine.read_text(encoding="utf-8").strip().splitlines(), "```"]
    for kind, title in (("batch", "`score_many` on 1,000 drafts"), ("single", "drafts scored one at a time")):
        for stage, label in (("before", "before the speed work (commit a3e5857)"), ("", "now")):
            name = f"profile_{stage}_{kind}.txt" if stage else f"profile_{kind}.txt"
            profile = folder / name
            if profile.exists():
                text = profile.read_text(encoding="utf-8").strip().splitlines()
                out += ["", f"cProfile, {title}, {label} (`eval/profile_engine.py`):", "", "```",
                        *text[:PROFILE_LINES], "```"]
    return out
