"""Issue 13, the HTTP service: ids are strings and non-finite ones are refused per row, output is
strict JSON, empty drafts are refused, batches are bounded in characters, proxied scoring needs a
token, and wrong tokens are rate-limited per client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_support import bearer, client_for, make_app, new_token, sqlite_url

from serve.config import Settings
from serve.http.auth import FailedTokenLimiter

BULLY = "jij bent echt zo dom, niemand wil jou in de groep"


def strict_json(text: str) -> object:
    """json.loads that refuses NaN, Infinity and -Infinity (which Python's json accepts)."""
    def refuse(constant: str) -> object:
        raise AssertionError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def client(scorer, tmp_path_factory) -> Iterator[TestClient]:
    with client_for(scorer, sqlite_url(tmp_path_factory.mktemp("edges"))) as c:
        yield c


def post_raw(client: TestClient, path: str, body: str):
    return client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})


# ---- ids -----------------------------------------------------------------------------------------
def test_non_finite_ids_are_error_rows_and_the_rest_of_the_batch_is_scored(client):
    body = ('[{"id": 1e400, "text": "hoi"}, {"id": NaN, "text": "hoi"}, {"id": Infinity, "text": "hoi"},'
            ' {"id": -Infinity, "text": "hoi"}, {"id": true, "text": "hoi"}, {"id": [1], "text": "hoi"},'
            f' {{"id": 7, "text": "{BULLY}", "role": "leerling"}}, {{"id": 2.5, "text": "hoi"}},'
            ' {"id": "b-017", "text": "hoi"}, {"text": "hoi"}]')
    response = post_raw(client, "/v1/score/batch", body)
    assert response.status_code == 200, response.text
    results = strict_json(response.text)
    assert isinstance(results, list) and len(results) == 10
    for row in results[:6]:
        assert row["id"] is None and row["labels"] is None and row["risk"] is None
        assert "Ongeldig id" in row["error"] and "Invalid id" in row["error"]
    assert [r["id"] for r in results[6:]] == ["7", "2.5", "b-017", None]
    assert all(r["error"] is None for r in results[6:])
    assert results[6]["labels"]["bullying"]["flagged"] is True


@pytest.mark.parametrize("raw_id", ["1e400", "NaN", "Infinity", "-Infinity", "true", "{}"])
def test_a_single_draft_with_a_non_finite_id_is_422(client, raw_id):
    response = post_raw(client, "/v1/score", f'{{"id": {raw_id}, "text": "hoi"}}')
    assert response.status_code == 422, response.text
    body = strict_json(response.text)
    assert body["code"] == "invalid_id" and "Ongeldig id" in body["message_nl"]
    assert "Invalid id" in body["message_en"]


def test_a_numeric_id_of_a_single_draft_is_echoed_as_a_string(client):
    assert client.post("/v1/score", json={"id": 12, "text": "hoi"}).json()["id"] == "12"


def test_a_non_finite_float_in_a_response_is_null_never_a_500():
    from serve.http.responses import SafeJSONResponse

    rendered = SafeJSONResponse({"a": float("nan"), "b": [float("inf"), 1.5], "c": "x\ud800"}).body
    assert strict_json(rendered.decode("ascii")) == {"a": None, "b": [None, 1.5], "c": "x\ud800"}


# ---- empty drafts --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\u200b\u00ad", "\u3000"])
def test_an_empty_or_whitespace_draft_is_422_in_dutch(client, text):
    response = client.post("/v1/score", json={"text": text, "role": "ouder"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "empty_text"
    assert "leeg" in body["message_nl"] and "empty" in body["message_en"]
    assert body["detail"] == f"{body['message_nl']} ({body['message_en']})"


def test_an_empty_batch_item_is_an_error_row(client):
    results = client.post("/v1/score/batch", json=[{"id": "a", "text": "  "}, {"id": "b", "text": BULLY},
                                                    {"id": "c", "text": ""}]).json()
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert "leeg" in results[0]["error"] and "leeg" in results[2]["error"]
    assert results[0]["labels"] is None and results[0]["level"] is None
    assert results[1]["error"] is None and results[1]["level"] != "geen"


def test_a_review_of_an_empty_draft_is_422(scorer, tmp_path):
    url = sqlite_url(tmp_path)
    with client_for(scorer, url) as c:
        _, token = new_token(url)
        response = c.post("/v1/reviews", json={"text": " \n", "labels": []}, headers=bearer(token))
    assert response.status_code == 422 and response.json()["code"] == "empty_text"


# ---- batch bounds --------------------------------------------------------------------------------
def test_a_batch_over_the_character_total_is_413(scorer, tmp_path):
    with client_for(scorer, sqlite_url(tmp_path), max_batch_total_chars=1000) as c:
        response = c.post("/v1/score/batch", json=[{"text": "a" * 400}] * 3)
        assert response.status_code == 413
        body = response.json()
        assert body["code"] == "batch_too_large" and body["max_chars"] == 1000 and body["chars"] == 1200
        assert "tekens" in body["message_nl"]
        assert c.post("/v1/score/batch", json=[{"text": "a" * 400}] * 2).status_code == 200


# ---- scoring behind a reverse proxy --------------------------------------------------------------
@pytest.mark.parametrize("value,host,proxied", [
    ("", "127.0.0.1", True), ("auto", "localhost", True), ("false", "127.0.0.1", False),
    ("true", "127.0.0.1", False), ("", "0.0.0.0", False)])
def test_auto_mode_on_loopback_asks_proxied_requests_for_a_token(value, host, proxied):
    settings = Settings.from_env(host=host, environ={"POSTWACHT_REQUIRE_TOKEN_FOR_SCORING": value})
    assert settings.token_for_proxied_scoring is proxied


def test_a_proxied_request_needs_a_token_and_a_local_one_does_not(scorer, tmp_path):
    url = sqlite_url(tmp_path)
    app = make_app(scorer, url, token_for_proxied_scoring=True)
    with TestClient(app, client=("127.0.0.1", 40000), raise_server_exceptions=False) as local:
        _, token = new_token(url)
        assert local.post("/v1/score", json={"text": "hoi"}).status_code == 200
        for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"},
                       {"X-Real-IP": "203.0.113.9"}):
            response = local.post("/v1/score", json={"text": "hoi"}, headers=header)
            assert response.status_code == 401 and response.json()["code"] == "token_missing"
            assert local.post("/v1/score", json={"text": "hoi"},
                              headers={**header, **bearer(token)}).status_code == 200
    with TestClient(make_app(scorer, url, token_for_proxied_scoring=True), client=("192.0.2.7", 40000)) as remote:
        assert remote.post("/v1/score", json={"text": "hoi"}).status_code == 401


# ---- wrong tokens are rate-limited per client ----------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_allows_a_burst_then_refills_at_its_rate():
    clock = FakeClock()
    limiter = FailedTokenLimiter(burst=3, per_second=2.0, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("a") is None
        limiter.failed("a")
    assert limiter.retry_after("a") == 1
    assert limiter.retry_after("b") is None  # per client
    clock.now += 0.5  # half a second refills one attempt at 2 per second
    assert limiter.retry_after("a") is None
    limiter.failed("a")
    assert limiter.retry_after("a") == 1


def test_the_limiter_forgets_the_oldest_clients_first():
    limiter = FailedTokenLimiter(burst=1, per_second=0.001, max_clients=2, clock=FakeClock())
    for client in ("a", "b", "c"):
        limiter.failed(client)
    assert limiter.retry_after("a") is None  # forgotten
    assert limiter.retry_after("b") is not None and limiter.retry_after("c") is not None


def test_wrong_tokens_get_429_with_retry_after_per_client(scorer, tmp_path):
    url = sqlite_url(tmp_path)
    clock = FakeClock()
    app = make_app(scorer, url, admin_token="beheer-geheim")
    app.state.token_limiter = FailedTokenLimiter(burst=5, per_second=2.0, clock=clock)
    with TestClient(app, client=("198.51.100.1", 1), raise_server_exceptions=False) as guesser, \
            TestClient(app, client=("198.51.100.2", 1), raise_server_exceptions=False) as colleague:
        _, token = new_token(url)
        statuses = [guesser.get("/v1/reviews", headers=bearer(f"pwt_guess{i}")).status_code for i in range(5)]
        assert statuses == [403] * 5
        limited = guesser.get("/v1/reviews", headers=bearer("pwt_guess5"))
        assert limited.status_code == 429 and limited.json()["code"] == "too_many_attempts"
        assert int(limited.headers["retry-after"]) >= 1
        assert "onjuist token" in limited.json()["message_nl"]
        # while limited even the right token waits (a guess that happens to be right must not get in)
        assert guesser.get("/v1/reviews", headers=bearer(token)).status_code == 429
        assert guesser.get("/v1/admin/tokens", headers=bearer("beheer-geheim")).status_code == 429
        # another client is not affected
        assert colleague.get("/v1/reviews", headers=bearer(token)).status_code == 200
        clock.now += 1.0
        assert guesser.get("/v1/reviews", headers=bearer(token)).status_code == 200


def test_wrong_admin_tokens_count_too(scorer, tmp_path):
    app = make_app(scorer, sqlite_url(tmp_path), admin_token="beheer-geheim")
    app.state.token_limiter = FailedTokenLimiter(burst=2, per_second=1.0, clock=FakeClock())
    with TestClient(app, raise_server_exceptions=False) as c:
        assert [c.get("/v1/admin/tokens", headers=bearer("fout")).status_code for _ in range(3)] == [403, 403, 429]


def test_the_service_limits_wrong_tokens_with_the_policy_settings(scorer, tmp_path):
    from corpus.settings import AUTH_FAILURE_BURST, AUTH_FAILURES_PER_SECOND
    from serve.http.app import create_app

    limiter = create_app(Settings(database_url=sqlite_url(tmp_path)), scorer=scorer).state.token_limiter
    assert isinstance(limiter, FailedTokenLimiter)
    assert (limiter.burst, limiter.per_second) == (AUTH_FAILURE_BURST, AUTH_FAILURES_PER_SECOND)
    assert 1 < AUTH_FAILURE_BURST <= 10 and 0 < AUTH_FAILURES_PER_SECOND <= 5  # "a few per second"
