"""`postwacht tokens add|list|revoke` (reviewer tokens) and `postwacht reviews purge|import`
(import: batch results into the review queue, serve/store/queue.py).

Both work on the service's database (POSTWACHT_DATABASE_URL, default var/postwacht.db) and
bring its schema up to date first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _database() -> Any:
    from serve.config import Settings
    from serve.store import Database

    database = Database(Settings.from_env().database_url)
    database.migrate()
    return database


@contextmanager
def _session() -> Iterator[Any]:
    """A session on the service's database; the connection pool is closed afterwards."""
    database = _database()
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _tokens_add(args: argparse.Namespace) -> int:
    from serve.store import add_token

    with _session() as session:
        row, secret = add_token(session, args.name)
        token_id = row.id
    print(f"Token {token_id} voor {args.name!r} aangemaakt. Bewaar het nu; het wordt niet nog eens getoond:")
    print(secret)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    from serve.store import list_tokens

    with _session() as session:
        rows = list_tokens(session)
        if not rows:
            print("Nog geen tokens. Maak er een met `postwacht tokens add NAAM`.")
        for row in rows:
            status = "actief" if row.active else f"ingetrokken {_when(row.revoked_at)}"
            print(f"{row.id:>4}  {row.name:<30}  aangemaakt {_when(row.created_at)}  "
                  f"laatst gebruikt {_when(row.last_used_at)}  {status}")
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    from serve.store import revoke_token

    with _session() as session:
        row = revoke_token(session, args.token_id)
    if row is None:
        print(f"FOUT: token {args.token_id} bestaat niet.", file=sys.stderr)
        return 1
    print(f"Token {args.token_id} ingetrokken.")
    return 0


def _reviews_purge(args: argparse.Namespace) -> int:
    from serve.config import Settings
    from serve.store import purge_reviews

    days = args.days if args.days is not None else Settings.from_env().review_retention_days
    if days <= 0:
        print("Bewaartermijn is 0 (voor altijd bewaren): niets verwijderd.")
        return 0
    with _session() as session:
        deleted = purge_reviews(session, days, actor="cli")
    print(f"{deleted} review(s) ouder dan {days} dagen verwijderd.")
    return 0


def _read_results(path: Path) -> list[dict[str, Any]]:
    """Batch results (.jsonl, one result object per line)."""
    from corpus.dataset import read_jsonl_objects

    return [row for _, row in read_jsonl_objects(path)]


def _read_input(path: Path) -> dict[str, tuple[Any, Any]]:
    """The batch input (jsonl, csv or xlsx, read as `postwacht batch` reads it): id -> (text, role)."""
    from serve.batch.readers import detect_input_format, read_rows

    return {str(row.id): (row.text, row.role) for row in read_rows(path, detect_input_format(path))
            if row.error is None}


def _thresholds_lookup() -> Any:
    """model version -> its thresholds (from models/<version>/manifest.json; else the active model's)."""
    from corpus.settings import models_dir
    from model.artifacts import ArtifactError, active_version, read_manifest

    cache: dict[str | None, dict[str, float]] = {}

    def thresholds(version: str | None) -> dict[str, float]:
        if version not in cache:
            found: dict[str, float] = {}
            for candidate in (version, active_version()):
                if not candidate:
                    continue
                try:
                    found = dict(read_manifest(models_dir() / candidate).get("thresholds") or {})
                except (ArtifactError, OSError):
                    continue
                if found:
                    break
            cache[version] = found
        return cache[version]

    return thresholds


def _reviews_import(args: argparse.Namespace) -> int:
    from serve.batch.readers import ReaderError
    from serve.store import import_results, queue_counts

    results_path = Path(args.file)
    if args.flagged:
        from serve.batch.cases import flagged_format
        from serve.batch.writers import OutputError

        try:
            flagged_format(Path(args.flagged))
        except OutputError as exc:
            print(f"FOUT: {exc}", file=sys.stderr)
            return 2
    try:
        results = _read_results(results_path)
        texts = _read_input(Path(args.input)) if args.input else {}
    except FileNotFoundError as exc:
        print(f"FOUT: bestand niet gevonden (file not found): {exc.filename}", file=sys.stderr)
        return 2
    except (OSError, ValueError, ReaderError) as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    with _session() as session:
        outcome = import_results(session, results, results_path.name, texts=texts,
                                 thresholds_for=_thresholds_lookup(), actor="cli")
        counts = queue_counts(session)
    print(f"{outcome.added} bericht(en) in de wachtrij gezet; al in de wachtrij: {outcome.already_queued}; "
          f"overgeslagen: {outcome.skipped} (zonder scores {outcome.not_scored}, zonder tekst "
          f"{outcome.missing_text}, onbekende rol {outcome.bad_role}).")
    if outcome.missing_text and not args.input:
        print("Batchresultaten bevatten geen tekst: geef het oorspronkelijke invoerbestand mee met --input.",
              file=sys.stderr)
    print(f"Wachtrij: {counts['open']} open, {counts['done']} beoordeeld, {counts['skipped']} overgeslagen. "
          f"Werk hem af op {args.url.rstrip('/')}/wachtrij.")
    if args.report or args.flagged:
        with _session() as session:
            links = queue_items_of(session, results, texts)
        base = args.url.rstrip("/")

        def link(row_id: str) -> str:
            return f"{base}/wachtrij?item={links[row_id]}" if row_id in links else ""

        if args.report:
            _write_linked_report(Path(args.report), results_path, args.input, results, link)
            print(f"Rapport met links naar de wachtrij ({len(links)} rijen): {args.report}")
        if args.flagged:
            from serve.batch.cases import write_flagged

            n = write_flagged(results_path, "jsonl", Path(args.flagged), queue_link=link)
            print(f"Gemarkeerde berichten: {n} rij(en) in {args.flagged}")
    return 0 if outcome.added or outcome.already_queued else 1


def queue_items_of(session: Any, results: list[dict[str, Any]],
                   texts: dict[str, tuple[Any, Any]]) -> dict[str, int]:
    """Row id -> its review-queue item (queued now or before: same text and role), as the import
    matched them. Items closed since keep their link (the page says they were handled)."""
    from sqlalchemy import select

    from corpus.vocabulary import InvalidRoleError, check_role
    from serve.store.models_db import QueueItem
    from serve.store.queue import text_hash
    from serve.store.reviews import storable_text

    by_hash: dict[str, str] = {}
    for result in results:
        row_id = str(result.get("id"))
        text, role = result.get("text"), result.get("role")
        if not isinstance(text, str) and row_id in texts:
            text, input_role = texts[row_id]
            role = role or input_role
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            role = check_role(role)
        except InvalidRoleError:
            continue
        by_hash.setdefault(text_hash(storable_text(text), role), row_id)
    links: dict[str, int] = {}
    keys = list(by_hash)
    for start in range(0, len(keys), 500):
        rows = session.execute(select(QueueItem.text_hash, QueueItem.id)
                               .where(QueueItem.text_hash.in_(keys[start:start + 500])))
        for key, item_id in rows:
            links[by_hash[key]] = int(item_id)
    return links


def _write_linked_report(path: Path, results_path: Path, input_name: str | None, results: list[dict[str, Any]],
                         link: Any) -> None:
    """The batch report again, from the results, with each row linking to its queue item."""
    from serve.batch.report import write_report
    from serve.batch.summary import Summary

    summary = Summary()
    for number, result in enumerate(results, start=1):
        summary.add_result(number, result)
    version = summary.model_versions.most_common(1)[0][0] if summary.model_versions else "?"
    write_report(path, summary, input_name=Path(input_name).name if input_name else results_path.name,
                 model_version=version, output=results_path, output_format="jsonl", queue_link=link)


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("tokens", help="manage reviewer tokens (stored hashed)")
    tsub = t.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    add = tsub.add_parser("add", help="create a token for a reviewer and print it once")
    add.add_argument("name", help="who the token is for, e.g. 'juf Anna'")
    add.set_defaults(func=_tokens_add)
    tsub.add_parser("list", help="all tokens (never the secrets)").set_defaults(func=_tokens_list)
    rev = tsub.add_parser("revoke", help="revoke a token by its id")
    rev.add_argument("token_id", type=int)
    rev.set_defaults(func=_tokens_revoke)

    r = sub.add_parser("reviews", help="the review store: retention and import")
    rsub = r.add_subparsers(dest="reviews_command", metavar="ACTION", required=True)
    purge = rsub.add_parser("purge", help="delete reviews past POSTWACHT_REVIEW_RETENTION_DAYS")
    purge.add_argument("--days", type=int, default=None, help="override the retention period")
    purge.set_defaults(func=_reviews_purge)
    imp = rsub.add_parser("import", help="queue batch results for review, least certain first",
                          description="Queue reported messages scored by `postwacht batch` for reviewers. "
                                      "Batch results carry no text: pass the original input with --input "
                                      "(matched by id), or results that include 'text'.")
    imp.add_argument("file", help="batch results (.jsonl)")
    imp.add_argument("--input", metavar="FILE", help="the batch input the results came from (.jsonl, .csv, .xlsx)")
    imp.add_argument("--report", metavar="HTML",
                     help="(re)write the batch report from these results, each flagged row linking to its queue item")
    imp.add_argument("--flagged", metavar="FILE",
                     help="also write the flagged rows (.csv or .xlsx) with the link to each one's queue item")
    imp.add_argument("--url", default="http://127.0.0.1:8000",
                     help="where the service runs, for those links (default: http://127.0.0.1:8000)")
    imp.set_defaults(func=_reviews_import)
