"""The review queue puts items whose result escalates at the top, whatever the model's certainty;
the queue API marks them and says who to tell; the audit trail records that they were shown and
never their text. The queue keeps only the flag, not the escalation text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from serve_support import bearer, client_for, database_params, database_url, new_token, sqlite_url
from sqlalchemy import inspect, select, text

from corpus.vocabulary import LABELS
from serve.store.database import Database, downgrade, upgrade
from serve.store.models_db import AuditEvent, QueueItem
from serve.store.queue import import_results, open_items

ESCALATING = "ik wacht je morgen op na school en dan maak ik je af"


def result(row_id: str, scores: dict[str, float], *, escalate: bool) -> dict[str, Any]:
    """A batch result row (only what the queue reads)."""
    return {"id": row_id, "role": "leerling", "risk": max(scores.values()), "level": "hoog" if escalate else "laag",
            "labels": {lab: {"score": scores.get(lab, 0.0), "flagged": scores.get(lab, 0.0) >= 0.5}
                       for lab in LABELS},
            "escalate": escalate, "escalation": "Vertel het je juf." if escalate else None,
            "model_version": "t", "error": None}


@pytest.mark.parametrize("db_kind", database_params())
def test_escalated_items_come_first_whatever_the_certainty(db_kind, tmp_path):
    database = Database(database_url(db_kind, tmp_path))
    database.migrate()
    with database.engine.begin() as conn:
        for table in ("review_queue", "audit_events"):
            conn.execute(text(f"DELETE FROM {table}"))
    rows = [
        result("unsure", {"bullying": 0.51}, escalate=False),          # the least certain of all
        result("sure-escalation", {"threat": 0.999}, escalate=True),   # the model is sure: far from 0.5
        result("fairly-unsure", {"bullying": 0.60}, escalate=False),
        result("second-escalation", {"threat": 0.9}, escalate=True),
        result("old-model", {"bullying": 0.55}, escalate=False) | {"escalate": None},  # no flag: not escalated
    ]
    texts = {r["id"]: (f"bericht {r['id']}", "leerling") for r in rows}
    with database.session() as session:
        outcome = import_results(session, rows, "r.jsonl", texts=texts, thresholds_for=lambda _v: {})
        assert outcome.added == 5 and outcome.escalations == 2
    with database.session() as session:
        order = [i.source_id for i in open_items(session, limit=10)]
        page = [i.source_id for i in open_items(session, limit=2, offset=2)]
        detail = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "queue.import")).one()
    database.dispose()
    assert order == ["second-escalation", "sure-escalation", "unsure", "old-model", "fairly-unsure"]
    assert page == ["unsure", "old-model"]
    assert detail["escalations"] == 2


def test_the_queue_api_marks_escalations_and_the_audit_holds_no_text(scorer, tmp_path):
    url = sqlite_url(tmp_path)
    drafts = [{"id": "m-1", "text": "jij bent echt een sukkel, ga weg", "role": "leerling"},
              {"id": "m-2", "text": "Tot morgen bij de musical!", "role": "ouder"},
              {"id": "m-3", "text": ESCALATING, "role": "leerling"}]
    results = scorer.score_many(drafts)
    assert results[2]["escalate"] is True
    database = Database(url)
    database.migrate()
    with database.session() as session:
        import_results(session, results, "meldingen.jsonl", texts={d["id"]: (d["text"], d["role"]) for d in drafts},
                       thresholds_for=lambda _v: {lab: lm.threshold for lab, lm in scorer.model.label_models.items()})
    database.dispose()
    _, token = new_token(url, "juf Anna")
    with client_for(scorer, url) as client:
        items = client.get("/v1/queue", headers=bearer(token)).json()["items"]
    escalated = [i for i in items if i["escalate"]]
    assert items[: len(escalated)] == escalated  # all escalations before any other item
    assert "m-3" in [i["source_id"] for i in escalated]
    top = items[0]
    assert top["escalate"] is True and top["escalation"] and "112" in top["escalation"]
    assert all(i["escalation"] is None for i in items if not i["escalate"])

    database = Database(url)
    with database.session() as session:
        listed = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "queue.list")).one()
        audit = [json.dumps(d) for d in session.scalars(select(AuditEvent.detail))]
    with database.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("review_queue")}
        stored = [str(v) for row in conn.execute(text("SELECT * FROM review_queue")) for v in row]
    database.dispose()
    assert listed["escalations"] == len(escalated) and listed["escalated_items"] == [i["id"] for i in escalated]
    assert not any("maak ik je af" in d or top["escalation"] in d for d in audit)
    assert "escalation" not in columns and not any(top["escalation"] in v for v in stored)


def test_the_migration_adds_and_removes_the_flag(tmp_path):
    database = Database(sqlite_url(tmp_path))
    upgrade(database.engine, "0002")
    with database.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO review_queue (text_hash, source, source_id, text, role, model_version, predicted_scores,"
            " predicted_labels, uncertainty, status, created_at, updated_at) VALUES ('h', 's', '1', 't', 'ouder',"
            " 'v', '{}', '[]', 0.1, 'open', '2026-12-01 10:00:00', '2026-12-01 10:00:00')"))
    upgrade(database.engine)
    with database.session() as session:
        assert session.scalars(select(QueueItem)).one().escalate is False  # existing items: not escalated
    downgrade(database.engine, "0002")
    with database.engine.connect() as conn:
        assert "escalate" not in {c["name"] for c in inspect(conn).get_columns("review_queue")}
        assert conn.execute(text("SELECT count(*) FROM review_queue")).scalar() == 1
    database.dispose()
