"""Policy constants of `postwacht batch` in one place (sizes, chunking, report length)."""

from __future__ import annotations

# A draft longer than this becomes an error row ("tekst te lang"); the HTTP API's limit is
# corpus.settings.MAX_TEXT_CHARS, batch exports are allowed longer posts.
MAX_BATCH_TEXT_CHARS = 100_000
# One input row (a JSONL line, a CSV record) larger than this is an error row; it also bounds
# what an unterminated CSV quote can swallow before the reader resynchronises.
MAX_ROW_BYTES = 6 * 1024 * 1024

# Rows go to the scorer in chunks; a chunk also closes early once it holds this many characters,
# so memory stays bounded whatever the draft lengths.
CHUNK_ROWS = 256
CHUNK_CHARS = 2_000_000
# Chunks in flight per worker process (bounded window: constant memory, order kept).
INFLIGHT_PER_WORKER = 3
# Worker processes are replaced after this many chunks (512k rows): spaCy's string store grows
# with every new token (~0.25 KB per draft of chat text), a fresh process starts from zero.
# (Not max_tasks_per_child: that deadlocks on Python 3.11, CPython gh-115634.)
POOL_RECYCLE_CHUNKS = 2000

# Report: how many highest-risk rows, how much redacted text and evidence per row.
TOP_ROWS = 25
TOP_EXCERPT_CHARS = 400
TOP_EVIDENCE = 10
SCORE_BINS = 10
# Distinct error kinds counted separately in the summary; the rest count as "overig".
MAX_ERROR_KINDS = 50
