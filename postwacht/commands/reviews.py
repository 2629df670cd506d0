"""`postwacht tokens add|list|revoke` (reviewer tokens) and `postwacht reviews purge|import`.

Both work on the service's database (POSTWACHT_DATABASE_URL, default var/postwacht.db) and
bring its schema up to date first.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _database() -> Any:
    from serve.config import Settings
    from serve.db import Database

    database = Database(Settings.from_env().database_url)
    database.migrate()
    return database


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _tokens_add(args: argparse.Namespace) -> int:
    from serve.tokens import add_token

    database = _database()
    with database.session() as session:
        row, secret = add_token(session, args.name)
        token_id = row.id
    print(f"Token {token_id} voor {args.name!r} aangemaakt. Bewaar het nu; het wordt niet nog eens getoond:")
    print(secret)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    from serve.tokens import list_tokens

    database = _database()
    with database.session() as session:
        rows = list_tokens(session)
        if not rows:
            print("Nog geen tokens. Maak er een met `postwacht tokens add NAAM`.")
        for row in rows:
            status = "actief" if row.active else f"ingetrokken {_when(row.revoked_at)}"
            print(f"{row.id:>4}  {row.name:<30}  aangemaakt {_when(row.created_at)}  "
                  f"laatst gebruikt {_when(row.last_used_at)}  {status}")
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    from serve.tokens import revoke_token

    database = _database()
    with database.session() as session:
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
    database = _database()
    with database.session() as session:
        deleted = purge_reviews(session, days, actor="cli")
    print(f"{deleted} review(s) ouder dan {days} dagen verwijderd.")
    return 0


def _reviews_import(args: argparse.Namespace) -> int:
    # The import queue (reviewed cases into corpus/) is the learning-loop issue's part.
    print("FOUT: `postwacht reviews import` is nog niet beschikbaar (not implemented yet).", file=sys.stderr)
    return 2


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
    imp = rsub.add_parser("import", help="queue reviewed cases for the corpus (not yet available)")
    imp.add_argument("file")
    imp.set_defaults(func=_reviews_import)
