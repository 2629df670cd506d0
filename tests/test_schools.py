"""A protocol per school: `postwacht protocol check|show`, and with POSTWACHT_PROTOCOL_DIR holding
demarel.yaml and oosterhout.yaml (tests/data/protocols/: the De Marel protocol with the articles for
ouders renumbered, ouders.1 new) the API, the batch CLI and the page cite the school's article ids.
A protocol file that cannot be used keeps the service from starting."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from serve_support import client_for, make_app, sqlite_url

from corpus.protocol import ProtocolError
from corpus.settings import PROTOCOL_PATH
from model import Scorer
from postwacht.cli import main

OOSTERHOUT = Path(__file__).resolve().parent / "data" / "protocols" / "oosterhout.yaml"
# personal_info for an ouder: De Marel's ouders.1 is Oosterhout's ouders.2
PHONE = "Hoi allemaal, het nummer van de moeder van Daan is 06-12345678, bel haar maar."


def article_ids(result: dict) -> list[str]:
    return [a["id"] for a in result["articles"]]


@pytest.fixture()
def schools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An install serving two schools."""
    directory = tmp_path / "protocols"
    directory.mkdir()
    shutil.copy(PROTOCOL_PATH, directory / "demarel.yaml")
    shutil.copy(OOSTERHOUT, directory / "oosterhout.yaml")
    monkeypatch.setenv("POSTWACHT_PROTOCOL_DIR", str(directory))
    return directory


def broken_copy(tmp_path: Path, name: str, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(OOSTERHOUT.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def drop_advice(data: dict) -> None:
    del data["labels"]["bullying"]["advice"]["ouder"]


def dangling_article(data: dict) -> None:
    data["labels"]["threat"]["articles"]["ouder"] = ["ouders.99"]


def duplicate_id(data: dict) -> None:
    data["articles"][1]["id"] = data["articles"][0]["id"]


# ---- postwacht protocol check | show ---------------------------------------------------------------
@pytest.mark.parametrize("path", [OOSTERHOUT, PROTOCOL_PATH], ids=["oosterhout", "demarel"])
def test_check_accepts_a_valid_protocol(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "is in orde" in out and "(Protocol" in out and "valid" in out


@pytest.mark.parametrize(("change", "dutch", "english"), [
    (drop_advice, "labels.bullying.advice.ouder: Nederlands advies ontbreekt.",
     "(labels.bullying.advice.ouder: Dutch advice is missing.)"),
    (dangling_article, "labels.threat.articles.ouder: artikel 'ouders.99' bestaat niet.",
     "(labels.threat.articles.ouder: article 'ouders.99' does not exist.)"),
    (duplicate_id, "Artikel-id 'uitgangspunten.1' komt meer dan eens voor.",
     "(Article id 'uitgangspunten.1' is not unique.)"),
], ids=["missing-advice", "dangling-article", "duplicate-id"])
def test_check_rejects_a_broken_copy_with_readable_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            change, dutch: str, english: str) -> None:  # type: ignore[no-untyped-def]
    path = broken_copy(tmp_path, "kapot.yaml", change)
    assert main(["protocol", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "is niet bruikbaar: 1 probleem. (Protocol" in err and "cannot be used: 1 problem.)" in err
    assert f"  - {dutch} {english}" in err
    assert "Traceback" not in err


def test_check_rejects_a_file_that_is_not_yaml_or_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "kapot.yaml"
    bad.write_text("articles: [\n", encoding="utf-8")
    assert main(["protocol", "check", str(bad)]) == 1
    assert "Geen geldige YAML" in capsys.readouterr().err
    assert main(["protocol", "check", str(tmp_path / "bestaat-niet.yaml")]) == 1
    assert "Kan het bestand niet lezen" in capsys.readouterr().err


def test_show_prints_a_schools_protocol(schools: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "show", "--school", "oosterhout"]) == 0
    out = capsys.readouterr().out
    assert "Basisschool De Oosterhout" in out and "[ouders.8]" in out
    assert "personal_info (Persoonsgegevens" in out and "ouder: ouders.2" in out
    assert "oosterhout" in out.splitlines()[-1] and "demarel" in out.splitlines()[-1]
    assert main(["protocol", "show"]) == 0
    assert "Kindcentrum De Marel" in capsys.readouterr().out


def test_show_names_the_valid_schools_for_an_unknown_one(schools: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "show", "--school", "nergens"]) == 2
    err = capsys.readouterr().err
    assert "Onbekende school 'nergens'" in err and "demarel, oosterhout" in err


# ---- HTTP ----------------------------------------------------------------------------------------
@pytest.fixture()
def client(schools: Path, scorer: Scorer, tmp_path: Path) -> Iterator[TestClient]:
    with client_for(scorer, sqlite_url(tmp_path)) as c:
        yield c


def test_schools_lists_the_schools_of_the_install(client: TestClient) -> None:
    body = client.get("/v1/schools").json()
    assert [(s["id"], s["name"]) for s in body["schools"]] == [
        ("demarel", "Kindcentrum De Marel"), ("oosterhout", "Basisschool De Oosterhout")]
    assert body["default"]["id"] is None and body["default"]["name"] == "Kindcentrum De Marel"


def test_a_one_school_install_lists_no_schools_to_choose(scorer: Scorer, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTWACHT_PROTOCOL_DIR", raising=False)
    with client_for(scorer, sqlite_url(tmp_path)) as c:
        body = c.get("/v1/schools").json()
    assert body["schools"] == [] and body["default"]["name"] == "Kindcentrum De Marel"


def test_score_cites_the_articles_of_the_requests_school(client: TestClient) -> None:
    marel = client.post("/v1/score", json={"text": PHONE, "role": "ouder", "school": "demarel"}).json()
    oosterhout = client.post("/v1/score", json={"text": PHONE, "role": "ouder", "school": "oosterhout"}).json()
    assert marel["labels"]["personal_info"]["flagged"] and oosterhout["labels"] == marel["labels"]
    assert "ouders.1" in article_ids(marel) and "ouders.2" not in article_ids(marel)
    assert "ouders.2" in article_ids(oosterhout) and "ouders.1" not in article_ids(oosterhout)
    cited = next(a for a in oosterhout["articles"] if a["id"] == "ouders.2")
    assert cited["number"] == 2 and cited["text"].startswith("Ouders/verzorgers dienen de privacy")
    default = client.post("/v1/score", json={"text": PHONE, "role": "ouder"}).json()
    assert article_ids(default) == article_ids(marel)


def test_an_unknown_school_is_422_listing_the_valid_schools(client: TestClient) -> None:
    response = client.post("/v1/score", json={"text": PHONE, "role": "ouder", "school": "nergens"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown_school" and body["valid_schools"] == ["demarel", "oosterhout"]
    assert "demarel, oosterhout" in body["message_nl"] and "demarel, oosterhout" in body["message_en"]
    response = client.post("/v1/score/batch?school=nergens", json=[{"text": PHONE}])
    assert response.status_code == 422 and response.json()["valid_schools"] == ["demarel", "oosterhout"]


def test_batch_items_name_their_school(client: TestClient) -> None:
    items = [{"id": "m", "text": PHONE, "role": "ouder", "school": "demarel"},
             {"id": "o", "text": PHONE, "role": "ouder", "school": "oosterhout"},
             {"id": "x", "text": PHONE, "role": "ouder", "school": "nergens"},
             {"id": "d", "text": PHONE, "role": "ouder"}]
    results = client.post("/v1/score/batch", json=items).json()
    assert [r["id"] for r in results] == ["m", "o", "x", "d"]
    assert "ouders.1" in article_ids(results[0]) and "ouders.2" in article_ids(results[1])
    assert results[2]["labels"] is None and "Onbekende school" in results[2]["error"]
    assert "demarel, oosterhout" in results[2]["error"]
    assert article_ids(results[3]) == article_ids(results[0])
    # the query parameter is the school of items that name none
    results = client.post("/v1/score/batch?school=oosterhout", json=items).json()
    assert "ouders.1" in article_ids(results[0]) and "ouders.2" in article_ids(results[3])


def test_protocol_of_a_school(client: TestClient) -> None:
    body = client.get("/v1/protocol", params={"school": "oosterhout"}).json()
    assert body["school"] == "Basisschool De Oosterhout" and len(body["articles"]) == 36
    assert client.get("/v1/protocol", params={"school": "nergens"}).json()["code"] == "unknown_school"


# ---- the service refuses to start on a protocol it cannot use -----------------------------------------
@pytest.mark.parametrize("how", ["dir", "file"])
def test_the_service_does_not_start_on_a_broken_protocol(how: str, scorer: Scorer, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "protocols"
    directory.mkdir()
    broken = broken_copy(directory, "kapot.yaml", dangling_article)
    if how == "dir":
        shutil.copy(OOSTERHOUT, directory / "oosterhout.yaml")
        monkeypatch.setenv("POSTWACHT_PROTOCOL_DIR", str(directory))
    else:
        monkeypatch.setenv("POSTWACHT_PROTOCOL", str(broken))
    app = make_app(scorer, sqlite_url(tmp_path))
    with pytest.raises(ProtocolError) as raised, TestClient(app):
        pass
    assert raised.value.source == str(broken)
    assert "artikel 'ouders.99' bestaat niet" in caplog.text and "does not start" in caplog.text


def test_postwacht_serve_refuses_before_binding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    from postwacht.commands import serve as serve_command

    def no_bind(*args: object, **kwargs: object) -> None:
        raise AssertionError("uvicorn.run was called")

    monkeypatch.setattr(uvicorn, "run", no_bind)
    monkeypatch.setattr("training.ensure.ensure_active_model", lambda: "pw-test")  # no model load or training
    monkeypatch.setenv("POSTWACHT_PROTOCOL", str(broken_copy(tmp_path, "kapot.yaml", drop_advice)))
    assert serve_command.check_protocols() is False
    capsys.readouterr()
    with socket.socket() as probe:  # a free port: the protocol check must refuse before any bind
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    assert main(["serve", "--port", str(free_port)]) == 1
    err = capsys.readouterr().err
    assert "de dienst start niet" in err and "(The protocol" in err
    assert "labels.bullying.advice.ouder: Nederlands advies ontbreekt." in err
    assert "postwacht protocol check" in err


# ---- batch ---------------------------------------------------------------------------------------------
def _use_session_scorer(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus.settings import models_dir
    from model import scorer as scorer_module
    from serve.batch import runner

    version_dir = models_dir() / scorer.version
    monkeypatch.setattr(runner, "resolve_model", lambda _: version_dir)
    monkeypatch.setitem(scorer_module._SCORERS, str(version_dir), scorer)  # reuse the loaded model


def test_batch_cli_cites_the_schools_articles(schools: Path, scorer: Scorer, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _use_session_scorer(scorer, monkeypatch)
    rows = [{"id": "eigen", "text": PHONE, "role": "ouder", "school": "demarel"},
            {"id": "run", "text": PHONE, "role": "ouder"},
            {"id": "onbekend", "text": PHONE, "role": "ouder", "school": "nergens"}]
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(inp), "-o", str(out), "--school", "oosterhout", "--workers", "1",
                 "--no-progress"]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["eigen", "run", "onbekend"]
    assert "ouders.1" in article_ids(results[0]) and "ouders.2" not in article_ids(results[0])
    assert "ouders.2" in article_ids(results[1]) and "ouders.1" not in article_ids(results[1])
    assert "Onbekende school" in results[2]["error"]
    assert "Onbekende school. (Unknown school.)" in capsys.readouterr().out  # the summary's error kind


def test_batch_reads_a_school_column_from_csv(schools: Path, scorer: Scorer, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    _use_session_scorer(scorer, monkeypatch)
    inp = tmp_path / "in.csv"
    inp.write_text(f'id,text,role,school\n1,"{PHONE}",ouder,oosterhout\n2,"{PHONE}",ouder,\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["batch", str(inp), "-o", str(out), "--workers", "1", "--no-progress"]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert "ouders.2" in rows[0]["articles"].split(";") and "ouders.1" in rows[1]["articles"].split(";")


def test_batch_refuses_an_unknown_run_school(schools: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": 1, "text": PHONE}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(inp), "-o", str(out), "--school", "nergens"]) == 2
    assert "Onbekende school 'nergens'" in capsys.readouterr().err
    assert not out.exists()


# ---- the page ------------------------------------------------------------------------------------------
def test_the_page_offers_the_schools_and_sends_the_chosen_one(schools: Path, scorer: Scorer, tmp_path: Path) -> None:
    """In headless Chromium (skipped without it): the school choice appears for two schools, and the
    page's request carries the chosen school, whose articles the result shows."""
    import os

    chromium = Path(os.environ.get("POSTWACHT_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        pytest.skip(f"{chromium} not found (apt-get install chromium; see .ci/setup-system.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) is not installed")
    from serve_support import live_server

    with live_server(make_app(scorer, sqlite_url(tmp_path))) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready='true']")
        assert page.is_visible("#school-field")
        assert page.locator("#school option").all_inner_texts() == ["Kindcentrum De Marel", "Basisschool De Oosterhout"]
        assert page.input_value("#school") == "demarel"  # the default school's name
        page.select_option("#school", "oosterhout")
        assert page.inner_text("#school-name") == "Basisschool De Oosterhout"
        page.check("input[name='role'][value='ouder']")
        page.fill("#draft", PHONE)
        with page.expect_response("**/v1/score") as answer:
            page.click("#check")
        assert answer.value.request.post_data_json == {"text": PHONE, "role": "ouder", "school": "oosterhout"}
        assert "ouders.2" in article_ids(answer.value.json())
        page.wait_for_selector("#articles [data-article='ouders.2']")
        assert "Voor ouders/verzorgers, artikel 2" in page.inner_text("#articles")
        browser.close()
    assert errors == []
