"""Retraining from reviewed cases: merge, train a candidate, compare on frozen sets, gate, promote.

    postwacht retrain [--reviews reviewed.jsonl] [--holdout 0.2] [--max-macro-drop 0.01] [--max-recall-drop 0.03]
                      [--review-weight 8] [--if-new N]

1. Reviewed cases come from the review store or from its JSONL export (corpus format,
   `source: "reviewed"`), oldest first. Of reviewed cases that are the same or near-duplicates
   of each other, the newest one wins (the latest verdict).
2. The newest share (`holdout`) is held back as a frozen set, by default only when that makes at
   least RETRAIN_MIN_FROZEN_REVIEWED cases (fewer tell nothing: then every case is trained on; an
   explicit share is always held back, but a set smaller than that is shown and does not gate).
   Every corpus row that is the same
   text as a reviewed case or a near-duplicate of one (corpus/neardup.py) is left out: the
   reviewer's labels win. A reviewed case that replaces a corpus dev or test row takes that
   split, so no near-duplicate of an evaluation row is ever trained on; the others enter as `train`.
3. A candidate is trained (training/train.py) and written as a complete version, not activated.
   Reviewed cases weigh `review_weight` corpus rows; each label keeps the active model's threshold
   unless the newly tuned one is clearly better (RETRAIN_THRESHOLD_KEEP_MARGIN, RETRAIN_THRESHOLD_ALPHA).
4. Candidate and active model are measured on the same frozen sets: the corpus test split, the
   functional suite and the held-back reviewed cases; training/gate.py decides with paired
   statistics. A refused candidate stays on disk for inspection, with advice on what to review next.
5. The report goes to models/<candidate>/retrain_report.md (+ retrain.json); a passing
   candidate is activated (the pointer is replaced in one rename), unless the active model
   changed while we trained.

One retrain at a time (models/.retrain.lock, fcntl). A crash or kill at any moment leaves the
active model as it was: the candidate directory is complete before it gets its name and the
pointer is switched last. Logs carry ids and counts, never the text of a case.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.dataset import iter_examples, read_jsonl_objects
from corpus.neardup import group_ids, near_duplicates_across
from corpus.settings import (
    DATA_DIR,
    RETRAIN_HOLDOUT_SHARE,
    RETRAIN_MIN_FROZEN_REVIEWED,
    RETRAIN_REVIEW_WEIGHT,
    RETRAIN_THRESHOLD_ALPHA,
    RETRAIN_THRESHOLD_KEEP_MARGIN,
    RETRAIN_THRESHOLD_MAX_STEP,
    models_dir,
)
from corpus.vocabulary import LABELS, InvalidRoleError, check_role
from eval.functional import load_cases
from eval.metrics import label_matrix, multilabel_metrics
from model.artifacts import ModelBundle, active_version, load_version_dir
from model.lexicons import lexicon_digest
from model.pipeline import TextAnalyzer
from training.gate import GateDecision, GateLimits, PairedSet, advice, decide, describe_advice
from training.registry import (
    RETRAIN_FILE,
    RETRAIN_REPORT_FILE,
    activate,
    remove_stale_temporaries,
    write_side_file,
)
from training.train import TrainConfig, predict_rows, split_examples, train

log = logging.getLogger("postwacht.retrain")

LOCK_FILE = ".retrain.lock"
# The frozen sets, in report order. "reviewed" is the held-back share of the reviewed cases.
FROZEN_SETS = ("corpus_test", "functional", "reviewed")
SPLIT_PRIORITY = {"test": 0, "dev": 1, "train": 2}


class RetrainError(RuntimeError):
    """Retraining cannot start or go on; the message is safe to print (no case text)."""


class RetrainBusy(RetrainError):
    """Another retrain holds the lock."""


# ---- the lock ------------------------------------------------------------------------------------
class RetrainLock:
    """An exclusive, non-blocking fcntl lock on models/.retrain.lock. The file also says which
    process holds it and at what stage it is (for people, and for the kill test). The kernel drops
    the lock when the process dies, so a killed retrain never blocks the next one."""

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_FILE
        self._fd: int | None = None
        self._status: dict[str, Any] = {}

    def __enter__(self) -> RetrainLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_retrain_status(self.path.parent) or {}
            os.close(fd)
            who = f"proces {holder['pid']}, stap {holder.get('stage', '?')}" if holder.get("pid") else "onbekend"
            raise RetrainBusy(f"Er loopt al een retrain ({who}); probeer het later opnieuw. "
                              f"(Another retrain is running; lock {self.path}.)") from None
        self._fd = fd
        self._status = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        self.stage("start")
        return self

    def stage(self, name: str, **extra: Any) -> None:
        if self._fd is None:
            return
        self._status.update(extra, stage=name)
        data = (json.dumps(self._status) + "\n").encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)
        log.info("retrain: %s", name)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def read_retrain_status(root: Path | None = None) -> dict[str, Any] | None:
    """What the lock file says (pid, started, stage); None when no retrain wrote to it."""
    path = (root or models_dir()) / LOCK_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
        return json.loads(text) if text else None
    except (OSError, json.JSONDecodeError):
        return None


# ---- reviewed cases ------------------------------------------------------------------------------
def reviewed_row(raw: dict[str, Any], where: str, fallback_id: str) -> dict[str, Any]:
    """A reviewed case checked and normalised to the corpus format; RetrainError names `where`."""
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RetrainError(f"{where}: 'text' ontbreekt of is leeg (missing or empty 'text')")
    labels = raw.get("labels", [])
    if not isinstance(labels, list) or any(lab not in LABELS for lab in labels):
        raise RetrainError(f"{where}: 'labels' moet een lijst van {', '.join(LABELS)} zijn "
                           "(labels must be a list of known label ids)")
    source = raw.get("source", "reviewed")
    if source != "reviewed":
        raise RetrainError(f"{where}: source is {source!r}, verwacht 'reviewed' (expected 'reviewed')")
    try:
        role = check_role(raw.get("role"))
    except InvalidRoleError as exc:
        raise RetrainError(f"{where}: {exc}") from None
    row_id = str(raw.get("id") or fallback_id)
    return {"id": row_id, "text": text, "role": role, "labels": sorted(set(labels), key=LABELS.index),
            "pii": [], "hard_negative": False, "group": str(raw.get("group") or f"g-{row_id}"),
            "source": "reviewed", **({"created_at": raw["created_at"]} if raw.get("created_at") else {})}


def load_reviewed_jsonl(path: Path) -> list[dict[str, Any]]:
    """Reviewed cases from an export (GET /v1/reviews/export), oldest first: by `created_at` when
    every row has one, else in file order (the export is ordered by review id)."""
    if not path.exists():
        raise RetrainError(f"bestand niet gevonden (file not found): {path}")
    try:
        objects = read_jsonl_objects(path)
    except ValueError as exc:
        raise RetrainError(str(exc)) from None
    rows = [reviewed_row(raw, f"{path.name} regel {n}", f"r-{path.stem}-{n}") for n, raw in objects]
    return order_by_age(rows)


def order_by_age(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if rows and all(r.get("created_at") for r in rows):
        return sorted(rows, key=lambda r: str(r["created_at"]))  # stable: ties keep input order
    return rows


# ---- merging -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    """A corpus row replaced by a reviewed case (same or near-duplicate text)."""

    reviewed_id: str
    corpus_id: str
    split: str
    old_labels: tuple[str, ...]
    new_labels: tuple[str, ...]
    similarity: float


@dataclass
class MergePlan:
    training: list[dict[str, Any]]       # reviewed cases that enter train() (split train/dev/test)
    holdout: list[dict[str, Any]]        # the newest reviewed cases: a frozen set
    exclude_ids: set[str]                # corpus rows the reviewers' labels override
    overrides: list[Override]
    superseded: list[str]                # reviewed ids replaced by a newer near-duplicate review

    @property
    def holdout_gates(self) -> bool:
        """Held-back cases judge the candidate only when there are enough of them to mean something."""
        return len(self.holdout) >= RETRAIN_MIN_FROZEN_REVIEWED

    def counts(self) -> dict[str, Any]:
        by_split = {s: sum(1 for r in self.training if r["split"] == s) for s in ("train", "dev", "test")}
        return {"reviewed_used": len(self.training) + len(self.holdout), "held_back": len(self.holdout),
                "held_back_gates": self.holdout_gates, "min_frozen_reviewed": RETRAIN_MIN_FROZEN_REVIEWED,
                "training_by_split": by_split, "superseded": len(self.superseded),
                "corpus_rows_overridden": len(self.exclude_ids),
                "labels_changed": sum(1 for o in self.overrides if o.old_labels != o.new_labels)}


def holdout_size(n: int, share: float) -> int:
    """The newest `share` of n cases, at least one, and never all of them."""
    if share <= 0 or n < 2:
        return 0
    return min(n - 1, max(1, round(n * share)))


def default_holdout_size(n: int) -> int:
    """The default: the newest RETRAIN_HOLDOUT_SHARE, but only once that makes a set that can gate."""
    size = holdout_size(n, RETRAIN_HOLDOUT_SHARE)
    return size if size >= RETRAIN_MIN_FROZEN_REVIEWED else 0


def merge_reviewed(reviewed: Sequence[dict[str, Any]], corpus_rows: Sequence[dict[str, Any]],
                   holdout: float | None = None) -> MergePlan:
    """Plan how reviewed cases (oldest first) join the corpus; see the module docstring.
    `holdout` None: the default (default_holdout_size); a share: exactly that share."""
    if holdout is not None and not 0 <= holdout < 1:
        raise RetrainError("--holdout moet tussen 0 en 1 liggen (holdout must be in [0, 1))")
    # near-duplicate reviewed cases: the newest verdict wins
    groups = group_ids([r["id"] for r in reviewed], [r["text"] for r in reviewed])
    newest: dict[str, int] = {}
    for i, g in enumerate(groups):
        newest[g] = i
    kept = [dict(r) for i, r in enumerate(reviewed) if newest[groups[i]] == i]
    superseded = [r["id"] for i, r in enumerate(reviewed) if newest[groups[i]] != i]
    n_hold = default_holdout_size(len(kept)) if holdout is None else holdout_size(len(kept), holdout)
    held = kept[len(kept) - n_hold:] if n_hold else []
    learn = kept[:len(kept) - n_hold]

    overrides: list[Override] = []
    matched_splits: dict[int, list[str]] = {}
    for qi, ci, sim in near_duplicates_across([r["text"] for r in kept], [c["text"] for c in corpus_rows]):
        row, corpus_row = kept[qi], corpus_rows[ci]
        overrides.append(Override(row["id"], corpus_row["id"], str(corpus_row.get("split")),
                                  tuple(corpus_row.get("labels", [])), tuple(row["labels"]), round(sim, 3)))
        matched_splits.setdefault(qi, []).append(str(corpus_row.get("split")))
    for qi, row in enumerate(kept):
        splits = [s for s in matched_splits.get(qi, []) if s in SPLIT_PRIORITY]
        row["split"] = min(splits, key=SPLIT_PRIORITY.__getitem__) if splits else "train"
    for row in held:
        row["split"] = "reviewed-holdout"  # never read by train(): it only takes train/dev/test
    return MergePlan(training=learn, holdout=held, exclude_ids={o.corpus_id for o in overrides},
                     overrides=overrides, superseded=superseded)


# ---- measuring -----------------------------------------------------------------------------------
@dataclass
class SetOutcome:
    """Both models on one set of rows: flags per row, and metrics."""

    rows: list[dict[str, Any]]
    y_true: np.ndarray
    old_pred: np.ndarray
    new_pred: np.ndarray
    old_metrics: dict[str, Any]
    new_metrics: dict[str, Any]


def functional_rows(path: Path | None = None) -> list[dict[str, Any]]:
    return [{"id": f"fn-{i:04d}", "text": c["text"], "role": check_role(c.get("role")),
             "labels": list(c.get("labels", []))} for i, c in enumerate(load_cases(path))]


def compare_models(old: ModelBundle, new: ModelBundle, sets: dict[str, list[dict[str, Any]]]
                   ) -> dict[str, SetOutcome]:
    """Score every set with both models. When both use the same lexicon, each text is analysed once."""
    old_analyzer = TextAnalyzer(old.lexicon)
    same_lexicon = lexicon_digest(old.lexicon) == lexicon_digest(new.lexicon)
    new_analyzer = old_analyzer if same_lexicon else TextAnalyzer(new.lexicon)
    out: dict[str, SetOutcome] = {}
    for name, rows in sets.items():
        y_true = label_matrix([r["labels"] for r in rows])
        if not rows:
            empty = np.zeros((0, len(LABELS)), dtype=int)
            out[name] = SetOutcome(rows, y_true.reshape(0, len(LABELS)), empty, empty,
                                   {"n": 0}, {"n": 0})
            continue
        analyses = old_analyzer.analyze_many([r["text"] for r in rows], [r["role"] for r in rows])
        old_pred, old_probs = predict_rows(old.model, old_analyzer, rows, analyses)
        new_pred, new_probs = predict_rows(new.model, new_analyzer, rows, analyses if same_lexicon else None)
        out[name] = SetOutcome(rows, y_true, old_pred, new_pred,
                               multilabel_metrics(y_true, old_pred, old_probs),
                               multilabel_metrics(y_true, new_pred, new_probs))
    return out


def case_changes(outcome: SetOutcome) -> dict[str, list[dict[str, Any]]]:
    """Reviewed cases the old model got wrong and the new one gets right ('fixed'), the reverse
    ('broken'), and those both get wrong ('still_wrong'). Ids and labels only, never text."""
    changes: dict[str, list[dict[str, Any]]] = {"fixed": [], "broken": [], "still_wrong": []}
    for i, row in enumerate(outcome.rows):
        truth = outcome.y_true[i]
        old_ok = bool((outcome.old_pred[i] == truth).all())
        new_ok = bool((outcome.new_pred[i] == truth).all())
        if old_ok and new_ok:
            continue
        kind = "fixed" if new_ok else "broken" if old_ok else "still_wrong"
        changes[kind].append({
            "id": row["id"], "labels": list(row["labels"]),
            "old": [lab for j, lab in enumerate(LABELS) if outcome.old_pred[i, j]],
            "new": [lab for j, lab in enumerate(LABELS) if outcome.new_pred[i, j]],
        })
    return changes


# ---- the run -------------------------------------------------------------------------------------
@dataclass
class RetrainResult:
    candidate: str
    baseline: str
    promoted: bool
    decision: GateDecision
    report_path: Path
    summary: str
    refusal: list[str] = field(default_factory=list)   # why the candidate is not active, in Dutch
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RetrainOptions:
    limits: GateLimits = field(default_factory=GateLimits)
    holdout: float | None = None             # None: the default (held back only when it can gate)
    review_weight: float = RETRAIN_REVIEW_WEIGHT
    keep_margin: float = RETRAIN_THRESHOLD_KEEP_MARGIN  # < 0: always take the newly tuned thresholds
    max_step: float = RETRAIN_THRESHOLD_MAX_STEP        # how far a kept threshold may move per retrain
    root: Path | None = None                 # models dir (default: POSTWACHT_MODELS_DIR or models/)
    data_dir: Path | None = None             # base corpus (default: corpus/data)
    functional_path: Path | None = None
    config: TrainConfig | None = None
    source: str = "review store"             # where the reviewed cases came from (for the report)


def retrain(reviewed: Iterable[dict[str, Any]], options: RetrainOptions | None = None,
            progress: Callable[[str], None] | None = None) -> RetrainResult:
    """Train a candidate with the reviewed cases (oldest first), gate it, activate it if it passes."""
    from training.retrain_report import render_report, render_summary

    options = options or RetrainOptions()
    root = options.root or models_dir()
    with RetrainLock(root) as lock:
        def stage(name: str) -> None:
            lock.stage(name)
            if progress:
                progress(name)

        removed = remove_stale_temporaries(root)
        if removed:
            log.info("removed %d leftover temporary file(s) of killed runs", len(removed))
        baseline = active_version(root)
        if baseline is None:
            raise RetrainError(f"Geen actief model in {root}; train er eerst een met `postwacht train`. "
                               "(No active model to compare with.)")
        old_bundle = load_version_dir(root / baseline)
        reviewed = list(reviewed)
        if not reviewed:
            raise RetrainError("Geen beoordeelde gevallen gevonden; niets om van te leren. (No reviewed cases.)")
        stage("merge")
        data_dir = options.data_dir or DATA_DIR
        plan = merge_reviewed(reviewed, list(iter_examples(data_dir, include_augmented=True)), options.holdout)
        counts = {"reviewed_loaded": len(reviewed), **plan.counts()}
        log.info("retrain: %s", counts)
        config = candidate_config(options, old_bundle)
        cand = train(config, activate_it=False, root=root, extra_examples=plan.training,
                     data_dir=options.data_dir, exclude_ids=plan.exclude_ids,
                     note=f"retrain from {len(reviewed)} reviewed cases (baseline {baseline})",
                     manifest_extra={"retrain": {"baseline": baseline, **counts,
                                                 "holdout_ids": [r["id"] for r in plan.holdout]}},
                     progress=stage)
        stage("compare")
        new_bundle = load_version_dir(cand.path)
        sets = {
            "corpus_test": split_examples("test", False, plan.training, options.data_dir, plan.exclude_ids),
            "functional": functional_rows(options.functional_path),
            "reviewed": plan.holdout,
            "reviewed_train": [r for r in plan.training if r["split"] == "train"],  # seen: reported only
        }
        outcomes = compare_models(old_bundle, new_bundle, sets)
        not_gating = [] if plan.holdout_gates else ["reviewed"]
        decision = decide({s: PairedSet(outcomes[s].y_true, outcomes[s].old_pred, outcomes[s].new_pred)
                           for s in FROZEN_SETS}, options.limits, not_gating=not_gating)
        refusal = decision.reasons()
        promoted = False
        stage("decide")
        if decision.promote:
            current = active_version(root)
            if current != baseline:
                refusal = [f"het actieve model is tijdens het trainen gewijzigd ({baseline} -> {current}); "
                           "kandidaat niet geactiveerd, start de retrain opnieuw"]
            else:
                activate(cand.version, root)
                promoted = True
        next_steps = [describe_advice(a) for a in advice(decision)] if not decision.promote else []
        data = {
            "candidate": cand.version, "baseline": baseline, "promoted": promoted, "refusal": refusal,
            "advice": next_steps, "source": options.source, "counts": counts,
            "review_weight": options.review_weight, "threshold_keep_margin": options.keep_margin,
            "threshold_max_step": options.max_step, "threshold_alpha": RETRAIN_THRESHOLD_ALPHA,
            "overrides": [asdict(o) for o in plan.overrides], "superseded": plan.superseded,
            "gate": decision.to_dict(),
            "sizes": {"baseline": {k: old_bundle.manifest.get(k) for k in ("n_train", "n_dev", "n_test")},
                      "candidate": {k: cand.manifest.get(k) for k in ("n_train", "n_dev", "n_test")}},
            "thresholds": {"baseline": old_bundle.manifest.get("thresholds", {}),
                           "candidate": cand.manifest.get("thresholds", {})},
            "set_sizes": {s: len(rows) for s, rows in sets.items()},
            "cases": {"reviewed": case_changes(outcomes["reviewed"]),
                      "reviewed_train": case_changes(outcomes["reviewed_train"])},
            # every reviewed id this run saw (ids only): `postwacht retrain --if-new` counts the others
            "reviewed_ids": sorted({str(r["id"]) for r in reviewed}),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        # The verdict is written after the switch: a crash in between leaves a promoted candidate
        # without its report, never a report that claims a promotion that did not happen.
        write_side_file(cand.path, RETRAIN_FILE, json.dumps(data, indent=2, ensure_ascii=False))
        report_path = write_side_file(cand.path, RETRAIN_REPORT_FILE, render_report(data))
        summary = render_summary(data, report_path)
        return RetrainResult(candidate=cand.version, baseline=baseline, promoted=promoted, decision=decision,
                             report_path=report_path, summary=summary, refusal=refusal, data=data)


def candidate_config(options: RetrainOptions, baseline: ModelBundle) -> TrainConfig:
    """The training configuration of a candidate: the options' (or the default) with reviewed cases
    weighted `review_weight` and the active model's thresholds to keep unless clearly beaten."""
    config = replace(options.config) if options.config else TrainConfig()
    config.source_weights = {**config.source_weights, "reviewed": options.review_weight}
    if options.keep_margin >= 0:
        config.keep_thresholds = {lab: float(lm.threshold) for lab, lm in baseline.model.label_models.items()
                                  if lab in LABELS}
        config.threshold_keep_margin = options.keep_margin
        config.threshold_max_step = options.max_step
    return config


# ---- scheduled runs ------------------------------------------------------------------------------
def last_retrain(root: Path | None = None) -> dict[str, Any] | None:
    """The newest finished retrain's data (retrain.json) in the registry, or None."""
    root = root or models_dir()
    newest: dict[str, Any] | None = None
    if not root.exists():
        return None
    for path in root.glob(f"*/{RETRAIN_FILE}"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if newest is None or (str(data.get("finished", "")), path.parent.name) > \
                (str(newest.get("finished", "")), str(newest.get("candidate", ""))):
            newest = data
    return newest


def new_reviews(reviewed: Sequence[dict[str, Any]], root: Path | None = None) -> list[str]:
    """Ids of reviewed cases the last retrain did not see (all of them when there was none)."""
    last = last_retrain(root)
    seen = set(last.get("reviewed_ids", [])) if last else set()
    return [str(r["id"]) for r in reviewed if str(r["id"]) not in seen]
