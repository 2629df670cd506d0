"""The rest of the service: protocol and labels, health, metrics, the page's files, OpenAPI,
CORS, privacy of the logs and of error responses, and the scorer holder."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_support import client_for, sqlite_url

from corpus.protocol import get_protocol
from corpus.vocabulary import LABELS, ROLES
from serve.http.state import ScorerHolder

SECRET_DRAFT = "Geheimzinnig concept over Sanne de Vries uit groep 7, bel 06-98765432"


@pytest.fixture(scope="module")
def client(scorer, tmp_path_factory) -> Iterator[TestClient]:
    with client_for(scorer, sqlite_url(tmp_path_factory.mktemp("service"))) as c:
        yield c


def test_protocol_lists_all_35_articles_and_the_label_table(client):
    body = client.get("/v1/protocol").json()
    assert len(body["articles"]) == 35 == len(get_protocol().articles)
    assert body["articles"][0]["id"] == "uitgangspunten.1" and body["articles"][0]["text"]
    assert [lab["id"] for lab in body["labels"]] == list(LABELS)
    bullying = body["labels"][0]
    assert bullying["name"] == "Pesten en beledigen" and "ouder" in bullying["articles"]
    assert set(body["sanctions"]) == {"medewerker", "ouder", "leerling"}


def test_labels_lists_ids_names_roles_and_levels(client):
    body = client.get("/v1/labels").json()
    assert [lab["id"] for lab in body["labels"]] == list(LABELS)
    assert all(lab["name"] for lab in body["labels"])
    assert body["roles"] == list(ROLES) and body["default_role"] == "onbekend"
    assert body["levels"] == ["geen", "laag", "midden", "hoog"]
    assert {"id": "phone_number", "name": "Telefoonnummer", "placeholder": "TELEFOONNUMMER"} in body["pii_types"]


def test_healthz_says_the_process_is_up(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_model_and_database(client, scorer):
    body = client.get("/readyz").json()
    assert body == {"status": "ready", "model_version": scorer.version, "database": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(client):
    database = client.app.state.database
    good = database.ping
    database.ping = lambda: False
    try:
        response = client.get("/readyz")
    finally:
        database.ping = good
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_metrics_count_requests_per_route_and_flags_per_label(client, scorer):
    client.post("/v1/score", json={"text": "jij bent zo dom, niemand wil jou", "role": "leerling"})
    client.post("/v1/score", json={"text": "x", "role": "baas"})
    text = client.get("/metrics").text
    assert 'postwacht_http_requests_total{method="POST",route="/v1/score",status="200"}' in text
    assert 'postwacht_http_requests_total{method="POST",route="/v1/score",status="422"}' in text
    assert 'postwacht_http_request_duration_seconds_bucket{le="0.05",method="POST",route="/v1/score"}' in text
    assert f'postwacht_model_info{{version="{scorer.version}"}} 1.0' in text
    for label in LABELS:
        assert f'postwacht_label_flags_total{{label="{label}"}}' in text
    flagged = next(line for line in text.splitlines() if line.startswith('postwacht_label_flags_total{label="bullying"}'))
    assert float(flagged.split()[-1]) >= 1


def test_metrics_never_contain_draft_text(client):
    client.post("/v1/score", json={"text": SECRET_DRAFT, "role": "ouder"})
    assert "Geheimzinnig" not in client.get("/metrics").text


def test_unknown_routes_use_route_template_not_path_in_metrics(client):
    client.get("/v1/reviews/12345")
    client.get("/iets-anders")
    text = client.get("/metrics").text
    assert 'route="/v1/reviews/{review_id}"' in text and "12345" not in text and "iets-anders" not in text


def test_page_is_served_in_dutch_with_its_own_files(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="nl">' in html and "Controleer" in html
    assert "niet opgeslagen" in html  # the page says nothing typed is stored
    for name in ("medewerker", "ouder", "leerling"):
        assert f'value="{name}"' in html
    assert "http://" not in html and "https://" not in html  # no CDN
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in (("/static/app.js", "javascript"), ("/static/app.css", "css")):
        response = client.get(asset)
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert "http://" not in response.text and "https://" not in response.text


def test_openapi_documents_every_route(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/v1/score", "/v1/score/batch", "/v1/protocol", "/v1/labels", "/healthz", "/readyz", "/metrics",
            "/v1/reviews", "/v1/reviews/{review_id}", "/v1/reviews/export"} <= paths
    assert "ScoreResult" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_not_found_and_wrong_method_are_json_in_both_languages(client):
    for response, code in ((client.get("/nergens"), "not_found"), (client.get("/v1/score"), "method_not_allowed")):
        body = response.json()
        assert body["code"] == code and body["message_nl"] and body["message_en"]


def test_cors_is_off_by_default(client):
    response = client.options("/v1/score", headers={"Origin": "https://example.org",
                                                    "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers
    response = client.post("/v1/score", json={"text": "hoi"}, headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_the_configured_origins(scorer, tmp_path):
    with client_for(scorer, sqlite_url(tmp_path), cors_origins=("https://intranet.demarel.nl",)) as c:
        ok = c.post("/v1/score", json={"text": "hoi"}, headers={"Origin": "https://intranet.demarel.nl"})
        other = c.post("/v1/score", json={"text": "hoi"}, headers={"Origin": "https://example.org"})
    assert ok.headers["access-control-allow-origin"] == "https://intranet.demarel.nl"
    assert "access-control-allow-origin" not in other.headers


def test_logs_hold_ids_sizes_and_timings_but_never_the_text(client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.post("/v1/score", json={"text": SECRET_DRAFT, "role": "ouder"},
                               headers={"X-Request-ID": "req-42"})
        client.post("/v1/score/batch", json=[{"text": SECRET_DRAFT}])
        client.post("/v1/score", json={"text": SECRET_DRAFT, "role": "baas"})
    assert response.headers["x-request-id"] == "req-42"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "rid=req-42 POST /v1/score 200" in logged
    for piece in ("Geheimzinnig", "Sanne", "98765432"):
        assert piece not in logged


def test_an_unexpected_error_is_a_json_500_without_stack_trace_or_text(client, caplog):
    holder: ScorerHolder = client.app.state.holder
    real = holder.get()

    class Broken:
        version = real.version

        def score_many(self, items):
            raise RuntimeError(f"kapot bij {items[0]['text']}")

    holder.swap(Broken())  # type: ignore[arg-type]
    try:
        with caplog.at_level(logging.INFO):
            response = client.post("/v1/score", json={"text": SECRET_DRAFT})
    finally:
        holder.swap(real)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error" and body["request_id"]
    assert "Traceback" not in response.text and "Geheimzinnig" not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unhandled RuntimeError" in logged and "Geheimzinnig" not in logged


def test_the_holder_swaps_the_scorer_for_new_requests(client, scorer):
    holder: ScorerHolder = client.app.state.holder
    assert holder.get() is scorer
    old = holder.swap(scorer)
    assert old is scorer and holder.ready()
    assert client.post("/v1/score", json={"text": "hoi"}).json()["model_version"] == scorer.version


def test_empty_holder_is_not_ready():
    holder = ScorerHolder()
    assert not holder.ready()
    with pytest.raises(RuntimeError):
        holder.get()


def test_a_database_that_went_away_is_a_503_not_a_500(scorer, tmp_path):
    from sqlalchemy.exc import OperationalError

    from serve.store.tokens import Reviewer

    with client_for(scorer, sqlite_url(tmp_path)) as c:
        def down(*args, **kwargs) -> Reviewer:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

        c.app.state.database.session = down
        response = c.get("/v1/reviews", headers={"Authorization": "Bearer pwt_x"})
    assert response.status_code == 503 and response.json()["code"] == "not_ready"


def test_drafts_scored_together_each_get_their_own_result(scorer):
    import asyncio

    from serve.http.scoring import ScoringService

    drafts = [{"id": i, "text": f"Bericht {i}: jij bent zo dom" if i % 3 == 0 else f"Fijne dag {i}",
               "role": "leerling"} for i in range(40)]
    service = ScoringService(ScorerHolder(scorer), max_batch=8)
    batches: list[int] = []
    real = service._score_many
    service._score_many = lambda items: batches.append(len(items)) or real(items)  # type: ignore[method-assign]

    async def run() -> tuple[list[dict], list[dict]]:
        singles = await asyncio.gather(*(service.score(d) for d in drafts))
        many = await service.score_many(drafts * 4)
        return list(singles), many

    try:
        singles, many = asyncio.run(run())
    finally:
        service.close()
    assert [r["id"] for r in singles] == list(range(40))
    assert singles == scorer.score_many(drafts)
    assert [r["id"] for r in many] == list(range(40)) * 4
    micro_batches = batches[:-10]  # the 160-item batch request went in slices of 16 (short drafts)
    assert batches[-10:] == [16] * 10 and max(micro_batches) == 8
