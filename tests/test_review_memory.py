"""The reviewed-case memory: a draft a reviewer judged (or a near-duplicate of it) is answered with the
reviewer's labels at once, through the API and the batch engine, before any retrain."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from serve_support import bearer, client_for, new_token, sqlite_url

from corpus.neardup import near_duplicates_across
from corpus.vocabulary import LABELS
from model.result import ScoreResult
from serve.batch.readers import InputRow
from serve.batch.scoring import score_rows
from serve.store import review_memory
from serve.store.database import Database
from serve.store.models_db import REVIEWER, Review, ReviewLabel
from serve.store.review_memory import (
    NOTE,
    ReviewMemory,
    StoreMemory,
    answered_by_reviewer,
    exact_key,
    process_memory,
    shingles,
)

LONG = "Morgen om half negen vertrekt de bus naar de Efteling, vergeet je lunchpakket en je regenjas niet"


def row(id_: str, text: str, labels: list[str], role: str = "leerling") -> dict[str, Any]:
    return {"id": id_, "text": text, "role": role, "labels": labels}


def flagged(result: dict[str, Any]) -> list[str]:
    return [lab for lab in LABELS if result["labels"][lab]["flagged"]]


def with_thresholds(scorer: Any, value: float) -> Any:
    """The shipping scorer with every threshold at ``value``: a model that flags (or misses) a draft
    whatever the shipping model's own judgement of it, so these tests do not hang on that judgement."""
    strict = copy.copy(scorer)
    strict.thresholds = np.full_like(scorer.thresholds, value)
    return strict


# ---- matching ------------------------------------------------------------------------------------
def test_the_same_text_up_to_case_punctuation_and_spacing_is_an_exact_match():
    memory = ReviewMemory([row("r-1", "haha", [])])
    assert exact_key("  Haha!!  ") == "haha"
    match = memory.lookup("HAHA!! ", "leerling")
    assert match is not None and (match.kind, match.case.review_id, match.similarity) == ("exact", "r-1", 1.0)
    assert memory.lookup("hahaha", "leerling") is None  # another text, too short for 5-grams to match
    assert memory.lookup("haha ok", "leerling") is None


def test_a_near_duplicate_matches_with_the_jaccard_of_corpus_neardup_and_a_stricter_threshold():
    memory = ReviewMemory([row("r-1", LONG, [])])
    close = LONG.replace("half negen", "half 9")
    far = "Morgen vertrekt de bus naar de Efteling, vergeet je regenjas niet"
    [(_, _, jaccard_close)] = near_duplicates_across([close], [LONG], threshold=0.0)
    [(_, _, jaccard_far)] = near_duplicates_across([far], [LONG], threshold=0.0)
    assert jaccard_close >= 0.8 > jaccard_far >= 0.6  # corpus grouping would call both the same case
    match = memory.lookup(close, "leerling")
    assert match is not None and match.kind == "near_duplicate"
    assert match.similarity == pytest.approx(jaccard_close, abs=1e-3)
    assert memory.lookup(far, "leerling") is None
    assert ReviewMemory([row("r-1", LONG, [])], min_similarity=0.6).lookup(far, "leerling") is not None
    assert shingles("ab") == frozenset()


def test_a_review_answers_for_its_own_role_or_an_unknown_one():
    memory = ReviewMemory([row("r-1", "haha", [], role="leerling")])
    assert memory.lookup("haha", "leerling") and memory.lookup("haha", "onbekend")
    assert memory.lookup("haha", "ouder") is None
    assert ReviewMemory([row("r-2", "haha", [], role="onbekend")]).lookup("haha", "ouder") is not None


def test_of_reviews_of_the_same_text_the_newest_verdict_wins():
    memory = ReviewMemory([row("r-old", "jij bent een sukkel", ["bullying"]), row("r-x", "iets anders", []),
                           row("r-new", "Jij bent een sukkel!", [])])
    match = memory.lookup("jij bent een sukkel", "leerling")
    assert match is not None and match.case.review_id == "r-new" and match.case.labels == ()
    assert len(memory) == 2


# ---- the answer ----------------------------------------------------------------------------------
def test_a_reviewed_false_alarm_is_answered_as_nothing_with_the_model_scores_kept(scorer):
    model = with_thresholds(scorer, 0.0001).score("haha wat een mop", role="leerling")
    assert flagged(model), "precondition: the model flags this false alarm"
    memory = ReviewMemory([row("r-1", "Haha, wat een mop!", [])])
    [result] = memory.apply([{"text": "haha wat een mop"}], [model], scorer.protocol)
    assert flagged(result) == [] and result["level"] == "geen" and result["risk"] < 0.2
    assert result["advice"] == [] and result["articles"] == [] and result["consequences"] == []
    assert not result["escalate"]
    assert all(f["label"] is None for f in result["findings"])
    assert result["reviewed"] == {"by_reviewer": True, "note": NOTE, "review_id": "r-1", "match": "exact",
                                  "similarity": 1.0, "reviewer_labels": [], "model_labels": flagged(model)}
    assert {lab: v["score"] for lab, v in result["labels"].items()} == \
        {lab: v["score"] for lab, v in model["labels"].items()}
    assert flagged(model)  # the model's own result is left as it was
    ScoreResult.model_validate(result)


def test_a_reviewed_miss_gets_the_labels_articles_advice_and_escalation_of_the_reviewer(scorer):
    text = "jij bent een sukkel"
    model = with_thresholds(scorer, 1.01).score(text, role="leerling")
    assert "bullying" not in flagged(model), "precondition: the model misses this insult"
    result = answered_by_reviewer(model, ReviewMemory([row("r-1", text, ["bullying", "wellbeing"])])
                                  .lookup(text, "leerling"), scorer.protocol)
    assert flagged(result) == ["bullying", "wellbeing"] and result["level"] == "hoog"
    expected = {a for lab in ("bullying", "wellbeing") for a in scorer.protocol.article_ids_for(lab, "leerling")}
    assert {a["id"] for a in result["articles"]} == expected
    assert result["advice"] == [scorer.protocol.advice_for(lab, "leerling") for lab in ("bullying", "wellbeing")]
    assert result["escalate"] and result["escalation"] == scorer.protocol.escalation_for("leerling")
    assert result["consequences"]
    ScoreResult.model_validate(result)


def test_personal_data_findings_follow_the_reviewers_personal_info_label(scorer):
    text = "Het nummer van de moeder van Sanne is 0612345678, bel haar maar"
    model = scorer.score(text, role="ouder")
    assert "personal_info" in flagged(model)
    phone = [f for f in model["findings"] if f["type"] == "phone_number"]
    assert phone and phone[0]["label"] == "personal_info"
    result = answered_by_reviewer(model, ReviewMemory([row("r-1", text, [], "ouder")]).lookup(text, "ouder"),
                                  scorer.protocol)
    [finding] = [f for f in result["findings"] if f["type"] == "phone_number"]
    assert finding["label"] is None and finding["severity"] == "info"
    assert result["redacted_text"] == model["redacted_text"]  # the redacted copy still hides it


# ---- the store and the service -------------------------------------------------------------------
def insert_review(url: str, text: str, labels: list[str]) -> None:
    """A review written straight into the store, as another process would (no change counted here)."""
    database = Database(url)
    with database.session() as session:
        review = Review(uid=f"{abs(hash(text)):032x}"[:32], text=text, role="leerling", model_version="x",
                        predicted_level="geen", predicted_risk=0.0, predicted_scores={}, agrees=False)
        review.labels = [ReviewLabel(source=REVIEWER, label=lab) for lab in labels]
        session.add(review)
    database.dispose()


def test_the_store_memory_rereads_reviews_of_other_processes_at_its_next_check(tmp_path):
    url = sqlite_url(tmp_path)
    database = Database(url)
    database.migrate()
    now = [0.0]
    memory = StoreMemory(database, check_seconds=10, clock=lambda: now[0])
    assert len(memory.current()) == 0
    insert_review(url, "haha", [])
    now[0] = 5.0
    assert len(memory.current()) == 0       # not checked again yet
    now[0] = 10.0
    assert len(memory.current()) == 1 and memory.current().lookup("haha", "leerling") is not None
    database.dispose()


def test_a_review_stored_through_the_api_answers_the_next_score_at_once(scorer, tmp_path):
    url = sqlite_url(tmp_path)
    with client_for(with_thresholds(scorer, 0.0001), url) as client:  # a model that flags "haha lol"
        before = client.post("/v1/score", json={"text": "haha lol", "role": "leerling"}).json()
        assert flagged(before) and "reviewed" not in before
        _, token = new_token(url, "juf Anna")
        response = client.post("/v1/reviews", json={"text": "haha lol", "role": "leerling", "labels": []},
                               headers=bearer(token))
        assert response.status_code == 201, response.text
        # the stored review records the model's own prediction, not the memory's
        assert response.json()["predicted_labels"] == flagged(before)
        after = client.post("/v1/score", json={"text": "haha lol", "role": "leerling"}).json()
        assert flagged(after) == [] and after["level"] == "geen"
        assert after["reviewed"]["by_reviewer"] and after["reviewed"]["note"] == "beoordeeld door een reviewer"
        assert after["reviewed"]["model_labels"] == flagged(before)
        assert {lab: v["score"] for lab, v in after["labels"].items()} == \
            {lab: v["score"] for lab, v in before["labels"].items()}
        same = client.post("/v1/score", json={"text": "Haha   LOL!", "role": "leerling"}).json()
        assert same["reviewed"]["match"] == "exact" and flagged(same) == []
        batch = client.post("/v1/score/batch", json=[{"id": "a", "text": "haha lol", "role": "leerling"},
                                                     {"id": "b", "text": "haha lol", "role": "ouder"}]).json()
        assert "reviewed" in batch[0] and flagged(batch[0]) == []
        assert "reviewed" not in batch[1]  # another author role: the model answers


def test_the_batch_engine_answers_reviewed_rows_from_the_configured_store(scorer, tmp_path, monkeypatch):
    monkeypatch.setattr(review_memory, "_PROCESS_MEMORY", None)
    absent = tmp_path / "absent" / "none.db"
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", f"sqlite:///{absent}")
    assert len(process_memory()) == 0 and not absent.exists()  # never creates a store
    monkeypatch.setattr(review_memory, "_PROCESS_MEMORY", None)
    url = sqlite_url(tmp_path)
    Database(url).migrate()
    insert_review(url, "haha wat een mop", [])
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", url)
    rows = [InputRow(1, "a", "haha wat een mop", "leerling"), InputRow(2, "b", "haha wat een mop", "ouder"),
            InputRow(3, "c", None, "leerling", error="Tekst ontbreekt.")]
    results = score_rows(scorer, rows)
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0]["reviewed"]["match"] == "exact" and flagged(results[0]) == []
    assert "reviewed" not in results[1] and results[2]["error"]
    monkeypatch.setattr(review_memory, "_PROCESS_MEMORY", None)

