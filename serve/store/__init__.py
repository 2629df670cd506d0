"""The review store: reviewed drafts, the audit trail, reviewer tokens and the review queue, in
SQLite or PostgreSQL with Alembic migrations.

database.py (engine, sessions, migrations/) · models_db.py (tables) · reviews.py (reviews, audit,
retention, the corpus export that retraining reads) · tokens.py (reviewer tokens) · queue.py
(reported messages from batch runs waiting for a reviewer).

Code outside serve/ uses the names below; the HTTP routes use the modules directly.
"""

from serve.store.database import Database
from serve.store.queue import import_results, queue_counts
from serve.store.reviews import iter_corpus_rows, purge_reviews
from serve.store.tokens import add_token, list_tokens, revoke_token

__all__ = ["Database", "add_token", "import_results", "iter_corpus_rows", "list_tokens", "purge_reviews",
           "queue_counts", "revoke_token"]
