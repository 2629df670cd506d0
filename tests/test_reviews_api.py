"""Review routes on SQLite and (when POSTWACHT_TEST_POSTGRES_URL is set) PostgreSQL: a reviewer's
verdict is stored with the model's prediction, listed, filtered, exported in the corpus format,
deleted, and every route needs a valid reviewer token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_support import bearer, client_for, database_params, database_url, empty_tables, new_token
from sqlalchemy import select

from corpus.dataset import SOURCES
from corpus.settings import MAX_TEXT_CHARS
from corpus.splits import split_for
from corpus.vocabulary import LABELS
from serve.store.models_db import AuditEvent

BULLY = "jij bent echt zo dom, niemand wil jou in de groep"
HOLIDAY = "Fijne vakantie allemaal en tot na de zomer!"
CORPUS_KEYS = ["id", "text", "role", "labels", "pii", "hard_negative", "group", "split", "source"]


@pytest.fixture(scope="module", params=database_params())
def db(request, tmp_path_factory) -> str:
    return database_url(request.param, tmp_path_factory.mktemp(f"reviews-{request.param}"))


@pytest.fixture(scope="module")
def app_client(scorer, db) -> Iterator[TestClient]:
    with client_for(scorer, db) as c:
        yield c


@pytest.fixture()
def client(app_client, db) -> TestClient:
    empty_tables(db)
    return app_client


@pytest.fixture()
def token(client, db) -> str:
    return new_token(db)[1]


def post_review(client, token, text=BULLY, role="leerling", labels=("bullying",), note=None):
    response = client.post("/v1/reviews", headers=bearer(token),
                           json={"text": text, "role": role, "labels": list(labels), "note": note})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_review_stores_text_role_labels_and_the_models_prediction(client, token, scorer, db):
    review = post_review(client, token, note="duidelijk pesten")
    expected = scorer.score(BULLY, role="leerling")
    assert review["text"] == BULLY and review["role"] == "leerling" and review["labels"] == ["bullying"]
    assert review["model_version"] == scorer.version
    assert review["predicted_labels"] == [lab for lab in LABELS if expected["labels"][lab]["flagged"]]
    assert review["predicted_scores"] == {lab: expected["labels"][lab]["score"] for lab in LABELS}
    assert review["predicted_level"] == expected["level"]
    assert review["agrees"] is True and review["note"] == "duidelijk pesten"
    assert review["reviewer_token_id"] is not None and review["created_at"].endswith("Z")


def test_a_review_that_disagrees_with_the_model_is_marked(client, token):
    review = post_review(client, token, text=HOLIDAY, role="ouder", labels=["reputation"])
    assert review["agrees"] is False and review["labels"] == ["reputation"]


def test_get_one_review(client, token):
    review = post_review(client, token)
    got = client.get(f"/v1/reviews/{review['id']}", headers=bearer(token))
    assert got.status_code == 200 and got.json() == review


def test_list_is_paged_newest_first(client, token):
    ids = [post_review(client, token, text=f"{BULLY} {i}")["id"] for i in range(5)]
    page1 = client.get("/v1/reviews", params={"per_page": 2}, headers=bearer(token)).json()
    page3 = client.get("/v1/reviews", params={"per_page": 2, "page": 3}, headers=bearer(token)).json()
    assert page1["total"] == 5 and page1["page"] == 1 and page1["per_page"] == 2
    assert [r["id"] for r in page1["items"]] == ids[::-1][:2]
    assert [r["id"] for r in page3["items"]] == ids[:1]


def test_list_filters_by_label_and_disagreement(client, token):
    agree = post_review(client, token)
    disagree = post_review(client, token, text=HOLIDAY, role="ouder", labels=["reputation"])
    none = post_review(client, token, text=HOLIDAY, role="ouder", labels=[])

    def ids(**params):
        return {r["id"] for r in client.get("/v1/reviews", params=params, headers=bearer(token)).json()["items"]}

    assert ids(label="bullying") == {agree["id"]}
    assert ids(label="reputation") == {disagree["id"]}
    assert ids(disagreement=True) == {disagree["id"]}
    assert ids(disagreement=False) == {agree["id"], none["id"]}
    assert ids(predicted_label="bullying") == {agree["id"]}
    assert ids(label="bullying", disagreement=True) == set()


def test_unknown_label_filter_is_422_listing_labels(client, token):
    response = client.get("/v1/reviews", params={"label": "spam"}, headers=bearer(token))
    assert response.status_code == 422 and response.json()["valid_labels"] == list(LABELS)


def test_delete_removes_the_review(client, token):
    review = post_review(client, token)
    assert client.delete(f"/v1/reviews/{review['id']}", headers=bearer(token)).status_code == 204
    missing = client.get(f"/v1/reviews/{review['id']}", headers=bearer(token))
    assert missing.status_code == 404 and missing.json()["code"] == "review_not_found"
    assert client.delete(f"/v1/reviews/{review['id']}", headers=bearer(token)).status_code == 404


def test_export_is_jsonl_in_the_corpus_format(client, token):
    post_review(client, token)
    post_review(client, token, text=HOLIDAY, role="ouder", labels=[])
    response = client.get("/v1/reviews/export", headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert list(row) == CORPUS_KEYS
        assert row["pii"] == [] and row["hard_negative"] is False and row["source"] == "reviewed"
        assert row["source"] in SOURCES and row["split"] == split_for(row["group"])
        assert row["id"].startswith("r-") and row["group"] == "g-" + row["id"]
    assert rows[0]["text"] == BULLY and rows[0]["labels"] == ["bullying"]
    assert rows[1]["labels"] == [] and rows[1]["role"] == "ouder"


@pytest.mark.parametrize("method,path", [
    ("post", "/v1/reviews"), ("get", "/v1/reviews"), ("get", "/v1/reviews/1"), ("delete", "/v1/reviews/1"),
    ("get", "/v1/reviews/export"), ("get", "/v1/reviewer"),
])
def test_every_review_route_needs_a_token(client, method, path):
    kwargs = {"json": {"text": BULLY, "labels": []}} if method == "post" else {}
    missing = getattr(client, method)(path, **kwargs)
    assert missing.status_code == 401 and missing.json()["code"] == "token_missing"
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = getattr(client, method)(path, headers=bearer("pwt_not-a-real-token"), **kwargs)
    assert wrong.status_code == 403 and wrong.json()["code"] == "token_invalid"
    basic = getattr(client, method)(path, headers={"Authorization": "Basic dXNlcjpwdw=="}, **kwargs)
    assert basic.status_code == 401


def test_a_revoked_token_is_refused(client, db):
    from serve.store.database import Database
    from serve.store.tokens import revoke_token

    token_id, secret = new_token(db)
    assert client.get("/v1/reviewer", headers=bearer(secret)).json()["token_id"] == token_id
    database = Database(db)
    with database.session() as session:
        revoke_token(session, token_id)
    database.dispose()
    assert client.get("/v1/reviews", headers=bearer(secret)).status_code == 403


def test_reviewer_route_names_the_signed_in_reviewer(client, db):
    _, secret = new_token(db, name="meester Bas")
    assert client.get("/v1/reviewer", headers=bearer(secret)).json()["name"] == "meester Bas"


def test_review_input_errors(client, token):
    def post(body):
        return client.post("/v1/reviews", json=body, headers=bearer(token))

    assert post({"text": "a" * (MAX_TEXT_CHARS + 1), "labels": []}).json()["code"] == "text_too_long"
    assert post({"text": "hoi", "role": "baas", "labels": []}).json()["code"] == "unknown_role"
    assert post({"text": "hoi", "labels": ["spam"]}).status_code == 422
    assert post({"text": "hoi"}).status_code == 422
    bad = client.post("/v1/reviews", content=b"{", headers={**bearer(token), "Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_json"


def test_text_with_nul_and_lone_surrogates_is_stored(client, token):
    raw = b'{"text": "hoi\\u0000 daar \\ud800", "labels": [], "note": "a\\u0000b"}'
    response = client.post("/v1/reviews", content=raw, headers={**bearer(token), "Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["text"] == "hoi\ufffd daar \ufffd"


def test_audit_records_who_did_what_but_never_the_text(client, token, db):
    from serve.store.database import Database

    review = post_review(client, token, note="let op")
    client.get(f"/v1/reviews/{review['id']}", headers=bearer(token))
    client.get("/v1/reviews/export", headers=bearer(token))
    client.delete(f"/v1/reviews/{review['id']}", headers=bearer(token))
    database = Database(db)
    with database.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        actions = [e.action for e in events]
        dumped = json.dumps([[e.actor, e.action, e.detail] for e in events])
        actors = {e.actor for e in events if e.action.startswith("review.")}
    database.dispose()
    assert actions[-4:] == ["review.create", "review.read", "review.export", "review.delete"]
    assert actors == {f"token:{review['reviewer_token_id']}"}
    assert "dom" not in dumped and "let op" not in dumped
