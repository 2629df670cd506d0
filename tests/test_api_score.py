"""HTTP scoring: POST /v1/score and /v1/score/batch return the result object of interface.md,
and every error is a clear JSON message in Dutch and English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_support import bearer, client_for, new_token, sqlite_url

from corpus.settings import MAX_BATCH_ITEMS, MAX_TEXT_CHARS
from corpus.vocabulary import LABELS, ROLES

RESULT_KEYS = {"id", "role", "risk", "level", "labels", "findings", "articles", "consequences", "advice",
               "redacted_text", "model_version", "error"}
BULLY = "jij bent echt zo dom, niemand wil jou in de groep"
PHONE = "Hoi allemaal, het nummer van de moeder van Daan is 06-12345678, bel haar maar."


@pytest.fixture(scope="module")
def client(scorer, tmp_path_factory) -> Iterator[TestClient]:
    with client_for(scorer, sqlite_url(tmp_path_factory.mktemp("score"))) as c:
        yield c


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message_nl"] and body["message_en"] and body["detail"]
    assert "Traceback" not in response.text
    return body


def test_score_returns_the_result_object_of_the_interface(client, scorer):
    response = client.post("/v1/score", json={"text": BULLY, "role": "leerling", "id": "b-017"})
    assert response.status_code == 200
    result = response.json()
    assert set(result) >= RESULT_KEYS
    assert result["id"] == "b-017" and result["role"] == "leerling" and result["error"] is None
    assert set(result["labels"]) == set(LABELS)
    assert result["labels"]["bullying"]["flagged"] is True
    assert result["level"] in ("midden", "hoog")
    assert result["model_version"] == scorer.version


def test_http_result_equals_the_python_api(client, scorer):
    via_http = client.post("/v1/score", json={"text": PHONE, "role": "ouder", "id": "p-7"}).json()
    assert via_http == scorer.score(PHONE, role="ouder", id="p-7")


def test_a_numeric_id_comes_back_as_its_string(client, scorer):
    via_http = client.post("/v1/score", json={"text": PHONE, "role": "ouder", "id": 7}).json()
    assert via_http == scorer.score(PHONE, role="ouder", id="7")


def test_finding_offsets_point_into_the_draft(client):
    result = client.post("/v1/score", json={"text": PHONE, "role": "ouder"}).json()
    assert result["findings"]
    for finding in result["findings"]:
        assert PHONE[finding["start"]:finding["end"]] == finding["text"]
    assert "06-12345678" not in result["redacted_text"]


def test_missing_role_means_onbekend(client):
    assert client.post("/v1/score", json={"text": "Fijne vakantie allemaal!"}).json()["role"] == "onbekend"


def test_role_is_read_like_the_python_api(client):
    assert client.post("/v1/score", json={"text": "hoi", "role": " Ouder "}).json()["role"] == "ouder"


def test_text_over_the_limit_is_413_with_a_clear_message(client):
    body = assert_error(client.post("/v1/score", json={"text": "a" * (MAX_TEXT_CHARS + 1)}), 413, "text_too_long")
    assert body["max_chars"] == MAX_TEXT_CHARS
    assert "te lang" in body["message_nl"] and "too long" in body["message_en"]


def test_text_at_the_limit_is_scored(client):
    assert client.post("/v1/score", json={"text": "a " * (MAX_TEXT_CHARS // 2)}).status_code == 200


@pytest.mark.parametrize("role", ["directeur", 5, ["ouder"]])
def test_unknown_role_is_422_listing_the_valid_roles(client, role):
    body = assert_error(client.post("/v1/score", json={"text": "hoi", "role": role}), 422, "unknown_role")
    assert body["valid_roles"] == list(ROLES)
    for r in ROLES:
        assert r in body["message_nl"] and r in body["message_en"]


@pytest.mark.parametrize("raw", [b"{not json", b'{"text": "hoi",}', b"\xff\xfe", b'{"text": "unterminated'])
def test_malformed_json_is_400(client, raw):
    response = client.post("/v1/score", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")


def test_missing_text_is_422_without_echoing_input(client):
    body = assert_error(client.post("/v1/score", json={"role": "ouder", "txt": BULLY}), 422, "invalid_input")
    assert BULLY not in str(body)
    assert body["errors"][0]["loc"] == ["body", "text"]


def test_text_that_is_not_a_string_is_422(client):
    assert_error(client.post("/v1/score", json={"text": 12}), 422, "invalid_input")


def test_oversized_body_is_413(client):
    big = b'{"text": "' + b"a" * (2 << 20) + b'"}'
    assert_error(client.post("/v1/score", content=big, headers={"Content-Type": "application/json"}),
                 413, "request_too_large")


def test_lone_surrogate_in_the_draft_is_scored(client):
    response = client.post("/v1/score", content=b'{"text": "hoi \\ud800 daar", "id": "\\udfff"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["error"] is None


def test_batch_returns_one_result_per_item_in_order(client):
    items = [{"id": "a", "text": BULLY, "role": "leerling"}, {"id": "b", "text": "Fijne vakantie!"},
             {"id": "c", "text": PHONE, "role": "ouder"}]
    results = client.post("/v1/score/batch", json=items).json()
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0]["labels"]["bullying"]["flagged"] is True
    assert all(r["error"] is None for r in results)


def test_batch_gives_bad_items_an_error_and_goes_on(client):
    items = [{"id": 1, "text": "hoi"}, {"id": 2, "role": "ouder"}, {"id": 3, "text": "hoi", "role": "baas"},
             "geen object", {"id": 5, "text": "x" * (MAX_TEXT_CHARS + 1)}, {"id": 6, "text": BULLY}]
    results = client.post("/v1/score/batch", json=items).json()
    assert len(results) == len(items)
    assert [r["error"] is None for r in results] == [True, False, False, False, False, True]
    assert results[4]["id"] == "5" and "te lang" in results[4]["error"]
    assert [r["id"] for r in results] == ["1", "2", "3", None, "5", "6"]
    assert "medewerker" in results[2]["error"]
    assert results[1]["labels"] is None and results[1]["risk"] is None


def test_empty_batch_is_an_empty_list(client):
    assert client.post("/v1/score/batch", json=[]).json() == []


def test_batch_over_the_limit_is_413(client):
    body = assert_error(client.post("/v1/score/batch", json=[{"text": "a"}] * (MAX_BATCH_ITEMS + 1)),
                        413, "batch_too_large")
    assert body["max_items"] == MAX_BATCH_ITEMS


def test_batch_that_is_not_a_list_is_422(client):
    assert_error(client.post("/v1/score/batch", json={"text": "hoi"}), 422, "invalid_input")


def test_batch_with_malformed_json_is_400(client):
    assert_error(client.post("/v1/score/batch", content=b"[{", headers={"Content-Type": "application/json"}),
                 400, "invalid_json")


def test_scoring_needs_no_token_on_localhost(client):
    assert client.post("/v1/score", json={"text": "hoi"}).status_code == 200


def test_a_setting_makes_scoring_require_a_reviewer_token(scorer, tmp_path):
    url = sqlite_url(tmp_path)
    with client_for(scorer, url, require_token_for_scoring=True) as c:
        _, token = new_token(url)
        assert_error(c.post("/v1/score", json={"text": "hoi"}), 401, "token_missing")
        assert c.post("/v1/score", json={"text": "hoi"}).headers["www-authenticate"] == "Bearer"
        assert_error(c.post("/v1/score", json={"text": "hoi"}, headers=bearer("pwt_wrong")), 403, "token_invalid")
        assert_error(c.post("/v1/score/batch", json=[], headers=bearer("pwt_wrong")), 403, "token_invalid")
        assert c.post("/v1/score", json={"text": "hoi"}, headers=bearer(token)).status_code == 200
        assert c.post("/v1/score/batch", json=[{"text": "hoi"}], headers=bearer(token)).status_code == 200


class _BrokenScorer:
    """Returns results that break the contract (a label missing, a level outside LEVELS)."""

    version = "pw-broken"

    def __init__(self, good: dict, protocol: object) -> None:
        self.good = good
        self.protocol = protocol  # the review memory reads it

    def score_many(self, items):
        labels = dict(self.good["labels"])
        labels.pop(next(iter(labels)))
        return [{**self.good, "id": item.get("id"), "labels": labels, "level": "rampzalig"} for item in items]


def test_every_result_is_checked_against_the_result_type(scorer, tmp_path):
    """model/result.py's ScoreResult is the response model and is enforced: a result that breaks the
    contract is a 500 in JSON (and logged), never sent as if it were a result."""
    broken = _BrokenScorer(scorer.score(BULLY, role="leerling"), scorer.protocol)
    with client_for(broken, sqlite_url(tmp_path)) as c:  # type: ignore[arg-type]
        for response in (c.post("/v1/score", json={"text": BULLY}), c.post("/v1/score/batch", json=[{"text": BULLY}])):
            assert_error(response, 500, "internal_error")
            assert "rampzalig" not in response.text


def test_the_openapi_schema_documents_the_result_type(client):
    schema = client.get("/openapi.json").json()
    result = schema["components"]["schemas"]["ScoreResult"]
    assert {"escalate", "escalation", "labels", "findings", "error"} <= set(result["properties"])
    finding = schema["components"]["schemas"]["Finding"]["properties"]
    assert "severity" in finding and "label" in finding
