"""The retrain gate (a pure function), how reviewed cases merge with the corpus, the retrain lock and
the clean-up of half-written versions. No model is trained here (see test_retrain_e2e.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from corpus.neardup import near_duplicates_across
from corpus.vocabulary import LABELS
from postwacht.cli import main
from training.gate import GateLimits, decide
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


def metrics(macro: float, recall: dict[str, float] | None = None, n: int = 100,
            support: dict[str, int] | None = None) -> dict[str, Any]:
    recall = recall or {}
    support = support or {}
    return {"n": n, "macro_f1": macro,
            "labels": {lab: {"precision": 0.8, "recall": recall.get(lab, 0.8), "f1": 0.8,
                             "support": support.get(lab, 10)} for lab in LABELS}}


# ---- gate ----------------------------------------------------------------------------------------
def test_an_equal_or_better_candidate_passes():
    old = {"corpus_test": metrics(0.70), "functional": metrics(0.80)}
    new = {"corpus_test": metrics(0.72, {"bullying": 0.9}), "functional": metrics(0.80)}
    decision = decide(old, new)
    assert decision.promote and decision.violations == []
    assert decision.deltas["corpus_test"]["macro_f1"]["delta"] == pytest.approx(0.02)
    assert decision.deltas["corpus_test"]["labels"]["bullying"]["recall"]["delta"] == pytest.approx(0.1)


def test_small_drops_within_the_limits_pass():
    old = {"corpus_test": metrics(0.700, {"threat": 0.80})}
    new = {"corpus_test": metrics(0.691, {"threat": 0.775})}
    assert decide(old, new).promote


def test_a_macro_f1_drop_beyond_the_limit_is_refused_with_the_reason():
    decision = decide({"functional": metrics(0.80)}, {"functional": metrics(0.78)})
    assert not decision.promote
    [v] = decision.violations
    assert (v.frozen_set, v.metric, v.label) == ("functional", "macro_f1", None)
    assert "functional: macro-F1 daalt van 0.800 naar 0.780" in decision.reasons()[0]


def test_one_labels_recall_drop_on_one_set_is_enough_to_refuse():
    old = {"corpus_test": metrics(0.7), "reviewed": metrics(0.5, {"sexual": 0.75})}
    new = {"corpus_test": metrics(0.75), "reviewed": metrics(0.6, {"sexual": 0.70})}
    decision = decide(old, new)
    assert not decision.promote
    assert [(v.frozen_set, v.label) for v in decision.violations] == [("reviewed", "sexual")]
    assert "recall van sexual" in decision.reasons()[0] and "-0.050" in decision.reasons()[0]


def test_labels_without_positives_in_a_set_are_not_judged_on_recall():
    old = {"reviewed": metrics(0.5, {"threat": 0.0}, support={"threat": 0})}
    new = {"reviewed": metrics(0.5, {"threat": 0.0}, support={"threat": 0})}
    old["reviewed"]["labels"]["threat"]["recall"] = 1.0  # meaningless without support
    assert decide(old, new).promote


def test_the_limits_are_configurable():
    old, new = {"s": metrics(0.70, {"bullying": 0.9})}, {"s": metrics(0.68, {"bullying": 0.85})}
    assert not decide(old, new).promote
    assert decide(old, new, GateLimits(max_macro_drop=0.05, max_recall_drop=0.1)).promote
    with pytest.raises(ValueError):
        GateLimits(max_macro_drop=-0.1)


def test_an_empty_frozen_set_is_skipped_and_mismatched_sets_are_an_error():
    decision = decide({"a": metrics(0.7), "reviewed": {"n": 0}}, {"a": metrics(0.7), "reviewed": {"n": 0}})
    assert decision.promote and decision.skipped_sets == ["reviewed"]
    with pytest.raises(ValueError, match="different frozen sets"):
        decide({"a": metrics(0.7)}, {"b": metrics(0.7)})
    with pytest.raises(ValueError, match="different rows"):
        decide({"a": metrics(0.7, n=10)}, {"a": metrics(0.7, n=11)})


def test_the_decision_serialises_for_the_report():
    decision = decide({"a": metrics(0.7)}, {"a": metrics(0.6)})
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["promote"] is False and data["violations"][0]["drop"] == pytest.approx(0.1)


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
