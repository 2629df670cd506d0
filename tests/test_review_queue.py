"""The review queue: `postwacht reviews import` queues batch results (escalations first, then the
least certain; text from the batch input or the results), reviewers save or skip items over the API, and the queue follows
the reviews' retention. No text is ever written to the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from serve_support import bearer, client_for, database_params, database_url, empty_tables, new_token
from sqlalchemy import select, text

from corpus.vocabulary import LABELS
from model import Scorer
from postwacht.cli import main
from serve.store.database import Database
from serve.store.models_db import AuditEvent, QueueItem, utcnow
from serve.store.queue import uncertainty
from serve.store.reviews import purge_reviews

DRAFTS = [
    {"id": "m-1", "text": "Jij bent echt een sukkel, niemand wil jou erbij", "role": "leerling"},
    {"id": "m-2", "text": "Morgen is de sportdag, neem je gymtas mee!", "role": "medewerker"},
    {"id": "m-3", "text": "kijk die foto van Noor haha ik heb hem stiekem gemaakt", "role": "leerling"},
    {"id": "m-4", "text": "Ik wacht je op na school, dan ben je er geweest", "role": "leerling"},
    {"id": "m-5", "text": "Het nummer van Daan is 06-12345678, bel hem maar", "role": "ouder"},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(params=database_params())
def db(request, tmp_path, monkeypatch) -> str:
    """SQLite always; PostgreSQL too when POSTWACHT_TEST_POSTGRES_URL is set (as in CI)."""
    url = database_url(request.param, tmp_path)
    empty_tables(url)
    database = Database(url)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM review_queue"))
    database.dispose()
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", url)
    return url


@pytest.fixture()
def batch_files(tmp_path, scorer: Scorer) -> tuple[Path, Path]:
    """A batch input and its results as `postwacht batch` writes them (result objects, no text),
    plus one row that could not be scored."""
    results = scorer.score_many([*DRAFTS, {"id": "m-6", "text": None, "role": "ouder"}])
    assert all("text" not in r for r in results)
    return write_jsonl(tmp_path / "meldingen.jsonl", DRAFTS), write_jsonl(tmp_path / "resultaten.jsonl", results)


def queued(url: str) -> list[QueueItem]:
    database = Database(url)
    with database.session() as session:
        items = list(session.scalars(select(QueueItem).order_by(QueueItem.escalate.desc(), QueueItem.uncertainty,
                                                                QueueItem.id)))
        session.expunge_all()
    database.dispose()
    return items


def test_import_queues_batch_results_escalations_then_least_certain_first(db, batch_files, scorer, capsys):
    drafts, results = batch_files
    assert main(["reviews", "import", str(results), "--input", str(drafts)]) == 0
    out = capsys.readouterr().out
    assert "5 bericht(en) in de wachtrij" in out and "zonder scores 1" in out
    items = queued(db)
    # the model's thresholds (a label it was not trained on counts with the queue's default)
    thresholds = {lab: lm.threshold for lab, lm in scorer.model.label_models.items()}
    by_id = {r["id"]: r for r in scorer.score_many(DRAFTS)}
    expected = sorted(DRAFTS, key=lambda d: (not by_id[d["id"]]["escalate"], uncertainty(
        {lab: by_id[d["id"]]["labels"][lab]["score"] for lab in LABELS}, thresholds)))
    assert [i.source_id for i in items] == [d["id"] for d in expected]
    first = items[0]
    assert first.text == next(d["text"] for d in DRAFTS if d["id"] == first.source_id)
    assert first.source == "resultaten.jsonl" and first.model_version == scorer.version
    assert first.predicted_labels == [lab for lab in LABELS if by_id[first.source_id]["labels"][lab]["flagged"]]
    assert [i.escalate for i in items] == [by_id[i.source_id]["escalate"] for i in items]

    # importing the same results again queues nothing twice
    assert main(["reviews", "import", str(results), "--input", str(drafts)]) == 0
    assert "0 bericht(en) in de wachtrij gezet; al in de wachtrij: 5" in capsys.readouterr().out
    assert len(queued(db)) == 5


def test_results_without_text_need_the_input_file(db, batch_files, capsys):
    _, results = batch_files
    assert main(["reviews", "import", str(results)]) == 1
    captured = capsys.readouterr()
    assert "zonder tekst 5" in captured.out and "--input" in captured.err
    assert queued(db) == []


def test_results_that_carry_their_text_import_on_their_own(db, tmp_path, scorer):
    rows = [{**r, "text": d["text"]} for r, d in zip(scorer.score_many(DRAFTS[:2]), DRAFTS[:2], strict=True)]
    assert main(["reviews", "import", str(write_jsonl(tmp_path / "met-tekst.jsonl", rows))]) == 0
    assert {i.source_id for i in queued(db)} == {"m-1", "m-2"}


def test_reviewers_work_through_the_queue(db, batch_files, scorer):
    drafts, results = batch_files
    assert main(["reviews", "import", str(results), "--input", str(drafts)]) == 0
    _, token = new_token(db, "juf Anna")
    with client_for(scorer, db) as client:
        assert client.get("/v1/queue").status_code == 401
        page = client.get("/v1/queue?limit=2", headers=bearer(token)).json()
        assert (page["open"], page["done"], page["skipped"]) == (5, 0, 0)
        first, second = page["items"]
        assert (not first["escalate"], first["uncertainty"]) <= (not second["escalate"], second["uncertainty"])
        assert first["text"]

        done = client.post(f"/v1/queue/{first['id']}/review", json={"labels": ["bullying", "threat"]},
                           headers=bearer(token)).json()
        assert done["status"] == "done" and done["open"] == 4
        review = client.get(f"/v1/reviews/{done['review_id']}", headers=bearer(token)).json()
        assert review["labels"] == ["bullying", "threat"] and review["text"] == first["text"]

        skipped = client.post(f"/v1/queue/{second['id']}/skip", headers=bearer(token)).json()
        assert skipped == {"item_id": second["id"], "status": "skipped", "review_id": None, "open": 3}
        again = client.post(f"/v1/queue/{first['id']}/review", json={"labels": []}, headers=bearer(token))
        assert again.status_code == 409 and again.json()["code"] == "queue_item_closed"
        assert client.post("/v1/queue/999999/skip", headers=bearer(token)).status_code == 404
        bad = client.post(f"/v1/queue/{page['items'][1]['id']}/review", json={"labels": ["pesten"]},
                          headers=bearer(token))
        assert bad.status_code == 422

        rest = client.get("/v1/queue", headers=bearer(token)).json()
        assert {i["id"] for i in rest["items"]}.isdisjoint({first["id"], second["id"]})
        assert (rest["open"], rest["done"], rest["skipped"]) == (3, 1, 1)

    items = {i.id: i for i in queued(db)}
    assert items[first["id"]].text == ""  # the review holds the text now
    database = Database(db)
    with database.session() as session:
        audit = [(e.action, json.dumps(e.detail)) for e in session.scalars(select(AuditEvent))]
    database.dispose()
    assert {"queue.import", "queue.list", "queue.review", "queue.skip"} <= {a for a, _ in audit}
    assert not any(d["text"][:12] in detail for _, detail in audit for d in DRAFTS)


def test_queued_messages_follow_the_review_retention(db, batch_files):
    drafts, results = batch_files
    assert main(["reviews", "import", str(results), "--input", str(drafts)]) == 0
    database = Database(db)
    with database.session() as session:
        item = session.scalars(select(QueueItem)).first()
        item.created_at = utcnow() - timedelta(days=400)
    with database.session() as session:
        purge_reviews(session, 365, actor="cli")
    database.dispose()
    assert len(queued(db)) == 4
