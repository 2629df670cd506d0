"""Escalation over HTTP: a draft where someone besides the author must act returns `escalate: true`
and the Dutch text saying who to tell; the audit trail records only that an escalation was shown
(request id, route, count, time). Neither the logs nor the database ever hold the draft or the
escalation text after scoring it (nothing is stored unless a reviewer stores a review).

The tests rely only on what holds for every model: ESCALATING (role leerling) is a threat at
level hoog, so it escalates; HARMLESS does not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serve_support import client_for, sqlite_url
from sqlalchemy import inspect, select, text

from corpus.vocabulary import LABELS
from serve.store.database import Database
from serve.store.models_db import AuditEvent
from serve.store.reviews import ESCALATION_SHOWN

ESCALATING = "ik wacht je morgen op na school en dan maak ik je af"
HARMLESS = "Morgen is de sportdag, neem je gymtas mee!"
HELPLINES = ("0800-0432", "0800-0113", "112")


@pytest.fixture()
def served(scorer, tmp_path) -> Iterator[tuple[TestClient, str, Path]]:
    url = sqlite_url(tmp_path)
    with client_for(scorer, url) as client:
        yield client, url, tmp_path


def escalation_events(url: str) -> list[AuditEvent]:
    database = Database(url)
    with database.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == ESCALATION_SHOWN)
                                      .order_by(AuditEvent.id)))
        session.expunge_all()
    database.dispose()
    return events


def test_an_escalating_draft_returns_escalate_and_who_to_tell(served):
    client, _, _ = served
    response = client.post("/v1/score", json={"text": ESCALATING, "role": "leerling", "id": "e-1"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["escalate"] is True
    assert result["labels"]["threat"]["flagged"] is True and result["level"] == "hoog"
    assert isinstance(result["escalation"], str) and result["escalation"].strip()
    for number in HELPLINES:  # a pupil is told where to call
        assert number in result["escalation"]

    harmless = client.post("/v1/score", json={"text": HARMLESS, "role": "medewerker"}).json()
    assert harmless["escalate"] is False and harmless.get("escalation") is None


def test_the_audit_records_only_that_an_escalation_was_shown(served):
    client, url, _ = served
    shown = client.post("/v1/score", json={"text": ESCALATING, "role": "leerling", "id": "leerling-Noor-8b"})
    client.post("/v1/score", json={"text": HARMLESS, "role": "medewerker"})  # no escalation: no event
    events = escalation_events(url)
    assert len(events) == 1
    event = events[0]
    assert event.detail == {"request_id": shown.headers["x-request-id"], "route": "/v1/score", "count": 1}
    assert event.token_id is None and event.review_id is None and event.actor == "service"
    assert event.created_at is not None

    batch = client.post("/v1/score/batch", json=[
        {"id": "a", "text": ESCALATING, "role": "leerling"},
        {"id": "b", "text": HARMLESS, "role": "ouder"},
        {"id": "c", "text": ESCALATING, "role": "ouder"},
    ])
    assert [r["escalate"] for r in batch.json()] == [True, False, True]
    last = escalation_events(url)[-1]
    assert last.detail == {"request_id": batch.headers["x-request-id"], "route": "/v1/score/batch", "count": 2}
    # the caller's ids (which may name a pupil) are not in the audit trail
    assert all("Noor" not in str(e.detail) for e in escalation_events(url))


def test_a_failing_audit_never_hides_the_escalation(served, monkeypatch, caplog):
    client, _, _ = served
    import serve.http.escalations as escalations

    def broken(*_args, **_kwargs):
        raise RuntimeError(ESCALATING)  # even the exception's message is not logged

    monkeypatch.setattr(escalations, "record_escalations_shown", broken)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/v1/score", json={"text": ESCALATING, "role": "leerling"})
    assert response.status_code == 200 and response.json()["escalate"] is True
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "audit event not recorded (RuntimeError)" in logged
    assert "maak ik je af" not in logged


def test_labels_say_which_labels_escalate(served):
    client, _, _ = served
    labels = {entry["id"]: entry for entry in client.get("/v1/labels").json()["labels"]}
    assert set(labels) == set(LABELS)
    assert labels["threat"]["escalates_at_high"] is True and labels["threat"]["escalates"] is False
    assert labels["bullying"]["escalates"] is False and labels["bullying"]["escalates_at_high"] is False
    if "wellbeing" in labels:
        assert labels["wellbeing"]["escalates"] is True


def test_metrics_count_escalations(served):
    client, _, _ = served
    client.post("/v1/score", json={"text": ESCALATING, "role": "leerling"})
    line = next(x for x in client.get("/metrics").text.splitlines() if x.startswith("postwacht_escalations_total"))
    assert float(line.split()[-1]) >= 1


def test_no_log_and_no_table_holds_the_draft_or_the_escalation_after_scoring(scorer, tmp_path, caplog, capfd):
    url = sqlite_url(tmp_path)
    with caplog.at_level(logging.DEBUG), client_for(scorer, url) as client:
        result = client.post("/v1/score", json={"text": ESCALATING, "role": "leerling"}).json()
        batch = client.post("/v1/score/batch", json=[{"text": ESCALATING, "role": "ouder"}]).json()
    assert result["escalate"] is True and batch[0]["escalate"] is True
    secrets = [ESCALATING, "maak ik je af", "wacht je morgen op", result["escalation"], batch[0]["escalation"]]

    logged = "\n".join(r.getMessage() for r in caplog.records)
    captured = capfd.readouterr()
    for secret in secrets:
        assert secret not in logged
        assert secret not in captured.out and secret not in captured.err

    database = Database(url)
    cells: list[str] = []
    with database.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                cells.extend(str(value) for value in row)
    database.dispose()
    assert any("escalation.shown" in c for c in cells)  # it was recorded that escalations were shown
    for secret in secrets:
        assert not any(secret in cell for cell in cells)
    # nor anywhere in the database files themselves (SQLite with its write-ahead log)
    for path in tmp_path.glob("postwacht-test.db*"):
        raw = path.read_bytes()
        for secret in secrets:
            assert secret.encode("utf-8") not in raw, path.name
