"""The retrain gate (a pure function), how reviewed cases merge with the corpus, the retrain lock and
the clean-up of half-written versions. No model is trained here (see test_retrain_e2e.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus.neardup import near_duplicates_across
from corpus.vocabulary import LABELS
from postwacht.cli import main
from training.gate import GateLimits, PairedSet, advice, decide, describe_advice, holm, mcnemar_worse
from training.registry import remove_stale_temporaries
from training.retrain import (
    RetrainBusy,
    RetrainError,
    RetrainLock,
    holdout_size,
    load_reviewed_jsonl,
    merge_reviewed,
    read_retrain_status,
)


def paired(n: int, changes: dict[str, tuple[int, int, int]] | None = None, seed: int = 0) -> PairedSet:
    """n cases; per label (positives, lost, gained): the old model finds all but `gained` of the
    positives, the new one misses `lost` that the old found and finds the `gained` the old missed.
    Other labels: 30 positives, both models alike. No false alarms."""
    changes = changes or {}
    y = np.zeros((n, len(LABELS)), dtype=int)
    old, new = y.copy(), y.copy()
    rng = np.random.default_rng(seed)
    for j, lab in enumerate(LABELS):
        pos, lost, gained = changes.get(lab, (30, 0, 0))
        rows = rng.choice(n, size=pos, replace=False)
        y[rows, j] = 1
        old[rows[gained:], j] = 1           # the old model misses the first `gained` positives
        new[rows, j] = 1
        new[rows[gained:gained + lost], j] = 0   # the new one finds those and loses the next `lost`
    return PairedSet(y, old, new)


# ---- gate ----------------------------------------------------------------------------------------
def test_an_equal_or_better_candidate_passes():
    sets = {"corpus_test": paired(400, {"bullying": (60, 0, 6)}), "functional": paired(400)}
    decision = decide(sets)
    assert decision.promote and decision.violations == []
    recall = decision.deltas["corpus_test"]["labels"]["bullying"]["recall"]
    assert recall["delta"] == pytest.approx(6 / 60) and recall["old"] == pytest.approx(54 / 60)
    assert decision.deltas["corpus_test"]["labels"]["bullying"]["gained"] == 6


def test_holm_adjusts_step_down_and_stays_monotone():
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([]) == [] and holm([0.9]) == [0.9]


def test_one_small_credible_looking_loss_among_many_labels_is_noise_but_a_large_one_refuses():
    # 5 lost / 0 gained of 108 positives: one-sided McNemar p = 0.031 alone, but one of 18 tests
    # (nine labels on two sets): a candidate as good as the active model shows one such loss by chance
    small = {"corpus_test": paired(800), "functional": paired(1200, {"personal_info": (108, 5, 0)})}
    decision = decide(small)
    entry = decision.deltas["functional"]["labels"]["personal_info"]
    assert entry["p_worse"] == pytest.approx(0.5 ** 5) and entry["p_holm"] == pytest.approx(18 * 0.5 ** 5)
    assert decision.promote
    large = {"corpus_test": paired(800), "functional": paired(1200, {"personal_info": (108, 12, 0)})}
    refused = decide(large)
    assert not refused.promote and [v.label for v in refused.violations] == ["personal_info"]


def test_a_drop_beyond_the_tolerance_that_is_credible_refuses_with_the_figures():
    # 12 positives lost, none gained, of 60: -0.2, McNemar p = 0.5**12
    decision = decide({"corpus_test": paired(400, {"threat": (60, 12, 0)})})
    assert not decision.promote
    [v] = [v for v in decision.violations if v.metric == "recall"]
    assert (v.frozen_set, v.metric, v.label, v.positives, v.lost, v.gained) == ("corpus_test", "recall", "threat",
                                                                                60, 12, 0)
    # Holm over the nine labels' tests of the set: the smallest p-value times nine
    assert v.p_value == pytest.approx(9 * 0.5 ** 12)
    assert decision.deltas["corpus_test"]["labels"]["threat"]["p_worse"] == pytest.approx(0.5 ** 12)
    assert v.interval[1] < 0
    reason = v.describe()
    assert "recall van threat daalt van 1.000 naar 0.800" in reason and "60 positief" in reason
    assert "12 kwijt / 0 erbij" in reason


def test_a_drop_beyond_the_tolerance_that_may_be_noise_passes():
    # 4 lost and 1 gained of 60 positives: -0.05 > 0.03, but p = 6/32 = 0.19: not credible
    decision = decide({"corpus_test": paired(400, {"staff_boundary": (60, 4, 1)})})
    entry = decision.deltas["corpus_test"]["labels"]["staff_boundary"]
    assert entry["recall"]["delta"] == pytest.approx(-3 / 60)
    assert entry["p_worse"] == pytest.approx(6 / 32)
    assert decision.promote


def test_a_credible_drop_within_the_tolerance_passes():
    # 9 lost, 0 gained of 300 positives: p = 0.002 (0.018 after Holm over nine labels) but only -0.030
    assert decide({"s": paired(600, {"bullying": (300, 9, 0)})}).promote
    assert not decide({"s": paired(600, {"bullying": (300, 9, 0)})}, GateLimits(max_recall_drop=0.02)).promote


def test_labels_with_few_positives_are_judged_pooled():
    # reputation: 2 of 17 lost (-0.118, the case of the issue): pooled with media_consent's 15 it is noise
    few = {"reputation": (17, 2, 0), "media_consent": (15, 0, 0)}
    decision = decide({"functional": paired(400, few)})
    assert decision.promote
    fig = decision.deltas["functional"]
    assert fig["labels"]["reputation"]["pooled"] and not fig["labels"]["bullying"]["pooled"]
    assert fig["pooled"]["labels"] == ["media_consent", "reputation"] and fig["pooled"]["support"] == 32
    assert fig["pooled"]["recall"]["delta"] == pytest.approx(-2 / 32)
    # a pool that loses many of its positives is refused as a pool
    bad = decide({"functional": paired(400, {"reputation": (17, 9, 0), "media_consent": (15, 6, 0)})})
    [v] = [v for v in bad.violations if v.metric == "recall"]
    assert v.label == "pooled" and v.pooled_labels == ("media_consent", "reputation")
    assert "gepoolde recall van media_consent, reputation" in v.describe()


def test_a_macro_f1_drop_needs_its_bootstrap_interval_below_zero():
    base = paired(400)
    fa = base.new_pred.copy()
    fa[:, LABELS.index("sexual")] = 1  # the candidate flags sexual on every case
    decision = decide({"functional": PairedSet(base.y_true, base.old_pred, fa)})
    macro_violations = [v for v in decision.violations if v.metric == "macro_f1"]
    assert macro_violations and macro_violations[0].interval[1] < 0
    assert "macro-F1 daalt" in decision.reasons()[0]


def test_the_bootstrap_is_seeded_and_deterministic():
    sets = {"s": paired(300, {"threat": (40, 5, 2), "bullying": (50, 1, 3)})}
    a, b = decide(sets).to_dict(), decide(sets).to_dict()
    assert a == b
    other = decide(sets, GateLimits(seed=7)).to_dict()
    assert other["deltas"]["s"]["labels"]["threat"]["recall"]["interval"] != \
        a["deltas"]["s"]["labels"]["threat"]["recall"]["interval"]


def test_a_set_that_does_not_gate_is_shown_but_never_refuses():
    sets = {"corpus_test": paired(400), "reviewed": paired(40, {"threat": (30, 20, 0)})}
    decision = decide(sets, not_gating=["reviewed"])
    assert decision.promote and decision.not_gating == ["reviewed"]
    assert decision.deltas["reviewed"]["gating"] is False
    assert decision.deltas["reviewed"]["labels"]["threat"]["lost"] == 20
    assert not decide(sets).promote


def test_the_limits_are_configurable_and_checked():
    sets = {"s": paired(400, {"bullying": (60, 8, 0)})}  # -0.133, p = 0.004 (0.035 after Holm)
    assert not decide(sets).promote
    assert decide(sets, GateLimits(max_recall_drop=0.14)).promote
    assert decide(sets, GateLimits(alpha=0.01)).promote
    with pytest.raises(ValueError):
        GateLimits(max_macro_drop=-0.1)
    with pytest.raises(ValueError):
        GateLimits(alpha=1.5)


def test_an_empty_frozen_set_is_skipped_and_mismatched_rows_are_an_error():
    empty = PairedSet(*(np.zeros((0, len(LABELS)), dtype=int) for _ in range(3)))
    decision = decide({"a": paired(100), "reviewed": empty})
    assert decision.promote and decision.skipped_sets == ["reviewed"]
    with pytest.raises(ValueError, match="different rows"):
        PairedSet(np.zeros((3, len(LABELS))), np.zeros((3, len(LABELS))), np.zeros((4, len(LABELS))))


def test_the_decision_serialises_for_the_report_with_advice():
    decision = decide({"a": paired(400, {"threat": (60, 14, 2)})})
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["promote"] is False
    [recall] = [v for v in data["violations"] if v["metric"] == "recall"]
    assert recall["drop"] == pytest.approx(12 / 60) and recall["positives"] == 60
    items = advice(decision)
    assert {"frozen_set": "a", "labels": ["threat"], "kind": "missed", "examples": 25} in items
    assert any(i["kind"] == "f1" and i["labels"] == ["threat"] for i in items)  # the macro-F1 drop is threat's
    assert "threat: beoordeel nog ongeveer 25 gevallen" in describe_advice(items[-1] if items[-1]["kind"] == "missed"
                                                                          else items[0])


def test_mcnemar_is_the_exact_one_sided_binomial():
    assert mcnemar_worse(0, 0) == 1.0
    assert mcnemar_worse(3, 0) == pytest.approx(0.125)
    assert mcnemar_worse(2, 2) == pytest.approx(11 / 16)


# ---- merging reviewed cases ---------------------------------------------------------------------
def corpus_row(id_: str, text: str, split: str, labels: list[str]) -> dict[str, Any]:
    return {"id": id_, "text": text, "role": "leerling", "labels": labels, "split": split}


def reviewed(id_: str, text: str, labels: list[str]) -> dict[str, Any]:
    return {"id": id_, "text": text, "role": "leerling", "labels": labels, "source": "reviewed"}


CORPUS = [
    corpus_row("a-1", "jij bent echt een sukkel en iedereen weet het", "train", []),
    corpus_row("a-2", "morgen hebben we gym, neem je schoenen mee", "test", []),
    corpus_row("a-3", "wie heeft mijn etui gezien in de klas vandaag", "dev", []),
    corpus_row("aug-a-1-0", "jij bent egt een sukkel en iedereen weet het", "train", []),
]


def test_reviewer_labels_override_the_same_or_a_near_duplicate_corpus_text():
    cases = [reviewed("r-1", "Jij bent echt een sukkel en iedereen weet het!", ["bullying"]),
             reviewed("r-2", "iets heel anders over de schoolreis naar het museum", [])]
    plan = merge_reviewed(cases, CORPUS, holdout=0)
    assert plan.exclude_ids == {"a-1", "aug-a-1-0"}
    assert {(o.corpus_id, o.old_labels, o.new_labels) for o in plan.overrides} == {
        ("a-1", (), ("bullying",)), ("aug-a-1-0", (), ("bullying",))}
    assert [(r["id"], r["split"], r["labels"]) for r in plan.training] == [
        ("r-1", "train", ["bullying"]), ("r-2", "train", [])]
    assert plan.counts()["labels_changed"] == 2


def test_a_review_of_a_test_or_dev_text_takes_that_split_and_never_enters_training():
    cases = [reviewed("r-1", "morgen hebben we gym, neem je schoenen mee!!", ["bullying"]),
             reviewed("r-2", "wie heeft mijn etui gezien in de klas vandaag?", [])]
    plan = merge_reviewed(cases, CORPUS, holdout=0)
    assert {r["id"]: r["split"] for r in plan.training} == {"r-1": "test", "r-2": "dev"}
    assert plan.exclude_ids == {"a-2", "a-3"}


def test_the_newest_share_is_held_back_and_its_corpus_twins_are_left_out():
    topics = ["de schoolreis", "het rapport", "de musical", "gymles", "het schoolplein", "de bibliotheek",
              "een verjaardag", "de kerstviering"]
    cases = [reviewed(f"r-{i}", f"vraag {i}: hoe laat begint {topic}?", []) for i, topic in enumerate(topics)]
    cases.append(reviewed("r-new", "jij bent echt een sukkel en iedereen weet het", ["bullying"]))
    cases.append(reviewed("r-newest", "een totaal ander nieuw bericht zonder probleem", []))
    plan = merge_reviewed(cases, CORPUS, holdout=0.2)
    assert plan.superseded == []
    assert [r["id"] for r in plan.holdout] == ["r-new", "r-newest"]
    assert "r-new" not in {r["id"] for r in plan.training}
    assert "a-1" in plan.exclude_ids  # a near-duplicate of a held-back case is not trained on


def test_of_near_duplicate_reviews_the_newest_verdict_wins():
    cases = [reviewed("r-old", "jij bent zo een loser haha echt waar", ["bullying"]),
             reviewed("r-mid", "iets anders, over de ouderavond van dinsdag", []),
             reviewed("r-new", "jij bent zo een loser haha echt waar!", [])]
    plan = merge_reviewed(cases, [], holdout=0)
    assert plan.superseded == ["r-old"]
    assert [(r["id"], r["labels"]) for r in plan.training] == [("r-mid", []), ("r-new", [])]


@pytest.mark.parametrize(("n", "share", "expected"), [(0, 0.2, 0), (1, 0.2, 0), (2, 0.2, 1), (10, 0.2, 2),
                                                      (30, 0.2, 6), (5, 0.0, 0), (3, 0.9, 2)])
def test_holdout_size_is_the_newest_share_but_never_everything(n, share, expected):
    assert holdout_size(n, share) == expected


def test_near_duplicates_across_compares_queries_with_texts_only():
    pairs = near_duplicates_across(["Hoi allemaal, tot morgen!", "ok"], ["hoi allemaal,  tot morgen", "OK", "x y z"])
    assert [(q, t) for q, t, _ in pairs] == [(0, 0), (1, 1)]


# ---- reading an export ---------------------------------------------------------------------------
def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_an_export_is_read_oldest_first_and_checked(tmp_path):
    rows = [{**reviewed("r-2", "tweede", []), "created_at": "2026-11-02T10:00:00"},
            {**reviewed("r-1", "eerste", ["threat"]), "role": None, "created_at": "2026-11-01T10:00:00"}]
    loaded = load_reviewed_jsonl(write_jsonl(tmp_path / "r.jsonl", rows))
    assert [(r["id"], r["role"]) for r in loaded] == [("r-1", "onbekend"), ("r-2", "leerling")]


@pytest.mark.parametrize(("row", "message"), [
    ({"text": "", "labels": []}, "text"),
    ({"text": "hoi", "labels": ["pesten"]}, "labels"),
    ({"text": "hoi", "labels": [], "role": "directeur"}, "rol"),
    ({"text": "hoi", "labels": [], "source": "written"}, "reviewed"),
])
def test_a_bad_export_line_is_refused_by_line_number_without_its_text(tmp_path, row, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [reviewed("r-0", "goede regel", []), row])
    with pytest.raises(RetrainError, match="regel 2") as info:
        load_reviewed_jsonl(path)
    assert message in str(info.value)


# ---- the lock and leftovers of killed runs -------------------------------------------------------
def test_a_second_retrain_is_refused_while_one_holds_the_lock(tmp_path, capsys, monkeypatch):
    with RetrainLock(tmp_path) as lock:
        lock.stage("fit")
        assert read_retrain_status(tmp_path)["stage"] == "fit"
        with pytest.raises(RetrainBusy, match=f"proces {os.getpid()}, stap fit"), RetrainLock(tmp_path):
            pass
        monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(tmp_path))
        reviews = write_jsonl(tmp_path / "r.jsonl", [reviewed("r-1", "hoi", [])])
        assert main(["retrain", "--reviews", str(reviews)]) == 1
        assert "Er loopt al een retrain" in capsys.readouterr().err
    assert read_retrain_status(tmp_path) is None
    with RetrainLock(tmp_path):  # free again
        pass


def test_the_lock_is_free_once_its_holder_is_killed(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time; from pathlib import Path; from training.retrain import RetrainLock\n"
                               f"lock = RetrainLock(Path({str(tmp_path)!r})).__enter__(); lock.stage('fit')\n"
                               "print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RetrainBusy):
            RetrainLock(tmp_path).__enter__()
    finally:
        holder.kill()
        holder.wait()
    with RetrainLock(tmp_path):
        pass


def test_leftovers_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".tmp-pw-x-{dead_pid}").mkdir()
    (tmp_path / f".ACTIVE.tmp-{dead_pid}").write_text("pw-x\n")
    (tmp_path / f".tmp-pw-y-{os.getpid()}").mkdir()
    (tmp_path / "pw-z").mkdir()
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted([f".tmp-pw-x-{dead_pid}", f".ACTIVE.tmp-{dead_pid}"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f".tmp-pw-y-{os.getpid()}", "pw-z"])


def test_retrain_without_an_active_model_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(tmp_path / "models"))
    reviews = write_jsonl(tmp_path / "r.jsonl", [reviewed("r-1", "hoi", [])])
    assert main(["retrain", "--reviews", str(reviews)]) == 1
    assert "Geen actief model" in capsys.readouterr().err


# ---- the default held-back set, scheduled runs, stable thresholds --------------------------------
def distinct_texts(n: int) -> list[str]:
    """n texts of random letters: no two are near-duplicates."""
    rng = np.random.default_rng(5)
    return [" ".join("".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 6)) for _ in range(6)) for _ in range(n)]


def test_by_default_reviewed_cases_are_held_back_only_when_enough_to_gate():
    few = [reviewed(f"r-{i:03d}", t, []) for i, t in enumerate(distinct_texts(20))]
    plan = merge_reviewed(few, [], holdout=None)
    assert plan.holdout == [] and len(plan.training) == 20 and not plan.holdout_gates
    many = [reviewed(f"r-{i:03d}", t, []) for i, t in enumerate(distinct_texts(150))]
    plan = merge_reviewed(many, [], holdout=None)
    assert len(plan.holdout) == 30 and plan.holdout_gates
    assert [r["id"] for r in plan.holdout] == [f"r-{i:03d}" for i in range(120, 150)]  # the newest
    explicit = merge_reviewed(few, [], holdout=0.2)
    assert len(explicit.holdout) == 4 and not explicit.holdout_gates  # shown, does not gate
    assert explicit.counts()["held_back_gates"] is False


def test_if_new_counts_reviews_the_last_retrain_did_not_see(tmp_path, monkeypatch, capsys):
    from training.retrain import last_retrain, new_reviews

    root = tmp_path / "models"
    for name, finished, ids in (("pw-a", "2026-11-01T02:30:00+0100", ["r-1"]),
                                ("pw-b", "2026-11-02T02:30:00+0100", ["r-1", "r-2"])):
        (root / name).mkdir(parents=True)
        (root / name / "retrain.json").write_text(json.dumps({"candidate": name, "finished": finished,
                                                              "reviewed_ids": ids}))
    assert last_retrain(root)["candidate"] == "pw-b"
    cases = [reviewed("r-1", "een", []), reviewed("r-2", "twee", []), reviewed("r-3", "drie", [])]
    assert new_reviews(cases, root) == ["r-3"]
    assert new_reviews(cases, tmp_path / "elders") == ["r-1", "r-2", "r-3"]  # never retrained: all new

    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(root))
    path = write_jsonl(tmp_path / "r.jsonl", cases)
    assert main(["retrain", "--reviews", str(path), "--if-new", "2"]) == 0
    assert "Niets te doen: 1 nieuwe beoordeling(en) sinds de vorige retrain, minder dan 2" in capsys.readouterr().out
    assert main(["retrain", "--reviews", str(path), "--if-new", "1"]) == 1  # goes on: and finds no active model
    captured = capsys.readouterr()
    assert "1 nieuwe beoordeling(en)" in captured.out and "Geen actief model" in captured.err


def test_a_kept_threshold_stays_unless_a_new_one_is_clearly_better():
    from model.classifier import calibrate, tune_threshold

    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.3).astype(int)
    margins = rng.normal(0, 1, 400) + 2.0 * y
    calibrator = calibrate(margins, y)
    grid = np.round(np.arange(0.35, 0.8 + 1e-9, 0.01), 2)
    weights = np.ones(400)
    best = tune_threshold(calibrator, margins, y, weights, grid, 1)
    assert tune_threshold(calibrator, margins, y, weights, grid, 1, keep=None, keep_margin=0.5) == best
    near = round(best + 0.01, 2)
    assert tune_threshold(calibrator, margins, y, weights, grid, 1, keep=near, keep_margin=0.05) == near
    assert tune_threshold(calibrator, margins, y, weights, grid, 1, keep=0.8, keep_margin=0.0) == best
