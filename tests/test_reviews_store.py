"""The review store underneath the routes: migrations, WAL, tokens hashed at rest, retention,
the `postwacht tokens` / `postwacht reviews purge` commands, the admin routes and the settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from serve_support import bearer, client_for, database_params, database_url, empty_tables, new_token
from sqlalchemy import func, inspect, select, text

from postwacht.cli import main
from serve.config import ConfigError, Settings
from serve.store.database import Database, downgrade, upgrade
from serve.store.models_db import AuditEvent, Base, Review, ReviewerToken, utcnow
from serve.store.reviews import create_review, purge_reviews
from serve.store.tokens import TOKEN_PREFIX, hash_token

TABLES = {"reviewer_tokens", "reviews", "review_labels", "audit_events"}


@pytest.fixture(params=database_params())
def db(request, tmp_path) -> str:
    url = database_url(request.param, tmp_path)
    empty_tables(url)
    return url


def fake_result(scorer) -> dict:
    return scorer.score("jij bent zo dom", role="leerling")


def store_review(url: str, scorer, age_days: float = 0) -> int:
    database = Database(url)
    with database.session() as session:
        review = create_review(session, text="jij bent zo dom", role="leerling", reviewer_labels=["bullying"],
                               note=None, result=fake_result(scorer), token_id=None, actor="test")
        review.created_at = utcnow() - timedelta(days=age_days)
        review_id = review.id
    database.dispose()
    return review_id


def count(url: str, model) -> int:
    database = Database(url)
    with database.session() as session:
        n = session.scalar(select(func.count()).select_from(model))
    database.dispose()
    return int(n or 0)


def test_migrations_create_the_tables_and_match_the_models(db):
    database = Database(db)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    database.dispose()
    assert diff == []


def test_migrations_go_down_and_up_again(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'updown.db'}")
    upgrade(database.engine)
    downgrade(database.engine, "base")
    assert not TABLES & set(inspect(database.engine).get_table_names())
    upgrade(database.engine)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    database.migrate()
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()


def test_tokens_are_stored_only_as_a_hash(db):
    token_id, secret = new_token(db)
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    database = Database(db)
    with database.session() as session:
        row = session.get(ReviewerToken, token_id)
        stored = [row.name, row.token_hash]
    database.dispose()
    assert stored[1] == hash_token(secret) and secret not in stored


def test_purge_deletes_only_reviews_past_retention(db, scorer):
    old = store_review(db, scorer, age_days=40)
    new = store_review(db, scorer, age_days=1)
    database = Database(db)
    with database.session() as session:
        assert purge_reviews(session, 30, actor="cli") == 1
        assert session.get(Review, old) is None and session.get(Review, new) is not None
        assert purge_reviews(session, 0, actor="cli") == 0  # 0 keeps everything
    database.dispose()


def test_the_service_purges_at_start_up(db, scorer):
    store_review(db, scorer, age_days=400)
    store_review(db, scorer, age_days=10)
    with client_for(scorer, db, review_retention_days=365):
        pass
    assert count(db, Review) == 1


def test_cli_tokens_add_list_revoke(db, monkeypatch, capsys):
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", db)
    assert main(["tokens", "add", "juf Anna"]) == 0
    out = capsys.readouterr().out
    secret = next(word for word in out.split() if word.startswith(TOKEN_PREFIX))
    token_id = int(out.split()[1])  # "Token <id> voor ..."
    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert "juf Anna" in listing and secret not in listing and "actief" in listing
    assert main(["tokens", "revoke", str(token_id)]) == 0
    assert main(["tokens", "list"]) == 0
    assert "ingetrokken" in capsys.readouterr().out
    assert main(["tokens", "revoke", "999999"]) == 1


def test_cli_reviews_purge_uses_the_retention_setting(db, scorer, monkeypatch, capsys):
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", db)
    monkeypatch.setenv("POSTWACHT_REVIEW_RETENTION_DAYS", "30")
    store_review(db, scorer, age_days=31)
    store_review(db, scorer, age_days=2)
    assert main(["reviews", "purge"]) == 0
    assert "1" in capsys.readouterr().out
    assert count(db, Review) == 1
    assert main(["reviews", "purge", "--days", "1"]) == 0
    assert count(db, Review) == 0
    database = Database(db)
    with database.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    database.dispose()
    assert actions.count("review.purge") == 2


def test_cli_reviews_import_of_a_missing_file_says_so(tmp_path, capsys):
    # the import itself is covered by test_review_queue.py
    assert main(["reviews", "import", str(tmp_path / "x.jsonl")]) == 2
    assert "bestand niet gevonden" in capsys.readouterr().err


def test_admin_routes_manage_tokens_with_the_admin_token(db, scorer):
    with client_for(scorer, db, admin_token="beheer-geheim") as c:
        assert c.get("/v1/admin/tokens").status_code == 401
        assert c.get("/v1/admin/tokens", headers=bearer("fout")).status_code == 403
        created = c.post("/v1/admin/tokens", json={"name": "ib'er"}, headers=bearer("beheer-geheim"))
        assert created.status_code == 201
        body = created.json()
        assert c.get("/v1/reviewer", headers=bearer(body["token"])).json()["name"] == "ib'er"
        listed = c.get("/v1/admin/tokens", headers=bearer("beheer-geheim")).json()
        assert [t["name"] for t in listed] == ["ib'er"] and "token" not in listed[0]
        revoked = c.delete(f"/v1/admin/tokens/{body['id']}", headers=bearer("beheer-geheim")).json()
        assert revoked["revoked_at"] is not None
        assert c.get("/v1/reviewer", headers=bearer(body["token"])).status_code == 403
        assert c.post("/v1/admin/reviews/purge", headers=bearer("beheer-geheim")).json()["deleted"] == 0


def test_admin_routes_are_off_without_an_admin_token(db, scorer):
    with client_for(scorer, db) as c:
        response = c.get("/v1/admin/tokens", headers=bearer("iets"))
    assert response.status_code == 403 and response.json()["code"] == "admin_disabled"


def test_settings_from_the_environment():
    env = {"POSTWACHT_DATABASE_URL": "postgresql://u:p@db/pw", "POSTWACHT_REVIEW_RETENTION_DAYS": "90",
           "POSTWACHT_CORS_ORIGINS": "https://a.nl, https://b.nl", "POSTWACHT_ADMIN_TOKEN": "x"}
    settings = Settings.from_env(environ=env)
    assert settings.database_url == "postgresql+psycopg://u:p@db/pw"
    assert settings.review_retention_days == 90 and settings.admin_token == "x"
    assert settings.cors_origins == ("https://a.nl", "https://b.nl")
    assert settings.require_token_for_scoring is False
    assert Settings.from_env(environ={}).database_url.endswith("postwacht.db")


@pytest.mark.parametrize("host,value,required", [
    ("127.0.0.1", "", False), ("localhost", "auto", False), ("::1", "", False), ("0.0.0.0", "", True),
    ("192.0.2.10", "", True), ("127.0.0.1", "true", True), ("0.0.0.0", "false", False),
])
def test_scoring_token_is_required_off_loopback_unless_configured(host, value, required):
    env = {"POSTWACHT_REQUIRE_TOKEN_FOR_SCORING": value}
    assert Settings.from_env(host=host, environ=env).require_token_for_scoring is required


@pytest.mark.parametrize("env", [{"POSTWACHT_REVIEW_RETENTION_DAYS": "veel"},
                                 {"POSTWACHT_REVIEW_RETENTION_DAYS": "-1"},
                                 {"POSTWACHT_REQUIRE_TOKEN_FOR_SCORING": "misschien"}])
def test_bad_settings_are_refused(env):
    with pytest.raises(ConfigError):
        Settings.from_env(environ=env)
