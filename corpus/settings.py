"""Policy constants and paths in one place (what the school decides lives in the protocol file).

This module is on the ground floor: every layer may import it, it imports nothing of ours.
Environment variables override paths.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "corpus"
PROTOCOL_PATH = CORPUS_DIR / "protocol.yaml"
LEXICON_DIR = CORPUS_DIR / "lexicons"
DATA_DIR = CORPUS_DIR / "data"
FUNCTIONAL_DIR = REPO_ROOT / "eval" / "functional"


def models_dir() -> Path:
    """Where model versions live (not committed). POSTWACHT_MODELS_DIR overrides."""
    return Path(os.environ.get("POSTWACHT_MODELS_DIR", REPO_ROOT / "models"))


def var_dir() -> Path:
    """Runtime state (database). POSTWACHT_VAR_DIR overrides."""
    return Path(os.environ.get("POSTWACHT_VAR_DIR", REPO_ROOT / "var"))


# Input limits
MAX_TEXT_CHARS = 10_000          # HTTP API rejects longer drafts (413)
MAX_SCORE_CHARS = 200_000        # the engine itself truncates analysis beyond this
MAX_BATCH_ITEMS = 1_000          # HTTP batch limit

# Training
RANDOM_SEED = 20261125
# Weight of a training row by its source (corpus/dataset.py SOURCES). Real background sentences weigh
# five rows: with 2.0, 7.2% of the held-out real sentences were flagged, with 5.0 4.5% (8.0: 4.8%),
# at the same test macro-F1 (0.753) and wellbeing recall (0.80).
SOURCE_WEIGHTS = {"written": 1.0, "augmented": 1.0, "background": 5.0, "reviewed": 4.0}
# When a label's threshold is chosen, a false alarm on a real background sentence of dev counts this
# many times (false alarms on ordinary text are what make staff stop trusting the tool)
BACKGROUND_THRESHOLD_WEIGHT = 10.0

# Retraining from reviewed cases (training/retrain.py, training/gate.py): the candidate replaces the
# active model only if, on every frozen set, macro-F1 falls by at most this much and no label's
# recall falls by more than that; the newest share of reviewed cases is held back as a frozen set.
RETRAIN_MAX_MACRO_DROP = 0.01
RETRAIN_MAX_RECALL_DROP = 0.03
RETRAIN_HOLDOUT_SHARE = 0.2

# Risk levels: a draft's risk is the highest severity-weighted label score, and its level is the
# band the risk falls in (one scale, documented once): geen < 0.2 <= laag < 0.45 <= midden < 0.75 <= hoog.
SEVERITY_WEIGHT = {"high": 1.0, "medium-high": 0.9, "medium": 0.8}
LEVEL_CUTS = (("hoog", 0.75), ("midden", 0.45), ("laag", 0.2))
# A flagged label lifts the risk at least to this band (two flagged labels: hoog)
FLAG_LEVEL = {"high": "hoog", "medium-high": "midden", "medium": "midden"}
# Nothing flagged, but a label's score reached this share of its threshold: level laag ("twijfel")
NEAR_THRESHOLD = 0.8
# Filler and nonsense ("x" * 10000, "a a a ...", a page of dots, "hahaha" x 400) are no message:
# a draft with no word at all, or with at least FILLER_MIN_TOKENS words (or letters) of at most
# FILLER_MAX_TYPES different ones and no lexicon hit of any label, gets every score 0 and level `geen`
FILLER_MIN_TOKENS = 20
FILLER_MAX_TYPES = 2


# ---- service and batch policy ------------------------------------------------------------------
# What the HTTP service (serve/http), the review store (serve/store) and `postwacht score|batch`
# (postwacht/, serve/batch) accept and how they pace their work. Appended as one section so that
# every limit of every way in lives in this file.

# Text limits, one per way in (characters). A longer draft is refused, never cut; every limit is
# below MAX_SCORE_CHARS, so the engine scores all of an accepted draft.
# - HTTP, one draft (POST /v1/score and the page; 413 above it). People check what they are about
#   to post: 10,000 characters is several times the longest school post, and it bounds one request
#   to about a second of scoring on the service's single scoring thread, which every caller shares.
MAX_CHARS_HTTP = MAX_TEXT_CHARS
# - HTTP, one item of POST /v1/score/batch (that item becomes an error row). The same limit as one
#   draft on purpose: a draft gets the same answer whichever endpoint it was sent to.
MAX_CHARS_HTTP_BATCH_ITEM = MAX_TEXT_CHARS
# - Command line and batch files (`postwacht score`, `postwacht batch`; the row becomes an error
#   row). Exports of reported messages hold longer texts (a mail thread, a chat pasted as one
#   message), and a batch runs offline on its own worker processes, so it may take minutes on one
#   such row without holding anyone up. Ten times the HTTP limit, half of MAX_SCORE_CHARS.
MAX_CHARS_CLI = 100_000

# HTTP request bodies (bytes). One draft of MAX_CHARS_HTTP characters is at most 6 bytes a
# character in JSON (\uXXXX), 60 KB; a batch holds at most MAX_CHARS_HTTP_BATCH_TOTAL characters
# (below), 3 MB in the worst case, plus ids and roles: 8 MB. Larger bodies are refused with 413
# before they are read.
HTTP_MAX_BODY_BYTES = 1 << 20
HTTP_MAX_BATCH_BODY_BYTES = 8 << 20
# The service's scoring thread: drafts that arrive together are scored together, up to this many
# (about half the cost per draft of one by one); a batch request goes in chunks of this many, so
# single drafts that arrive meanwhile wait for one chunk at most.
SERVICE_MICRO_BATCH_ITEMS = 32
SERVICE_BATCH_CHUNK_ITEMS = 64
# How often the service checks the models/ACTIVE pointer (seconds; POSTWACHT_MODEL_CHECK_SECONDS).
SERVICE_MODEL_CHECK_SECONDS = 10.0

# Review store: reviews (and queued reported messages, which hold text too) are deleted after this
# many days (POSTWACHT_REVIEW_RETENTION_DAYS; 0 keeps them). At most this many reviews or queue
# items per page of the HTTP API.
REVIEW_RETENTION_DAYS = 365
REVIEW_PAGE_MAX = 200
# Review queue: an item's uncertainty is min |score - threshold| over the labels; a label whose
# threshold the scoring model version does not record counts with this one.
QUEUE_DEFAULT_THRESHOLD = 0.5

# `postwacht batch`: one input row (a JSONL line, a CSV record) larger than this is an error row;
# it also bounds what an unterminated CSV quote can swallow before the reader resynchronises.
BATCH_MAX_ROW_BYTES = 6 * 1024 * 1024
# Rows go to the scorer in chunks; a chunk also closes early once it holds this many characters,
# so memory stays bounded whatever the draft lengths.
BATCH_CHUNK_ROWS = 256
BATCH_CHUNK_CHARS = 2_000_000
# Chunks in flight per local worker process (a bounded window: constant memory, order kept).
BATCH_INFLIGHT_PER_WORKER = 3
# Local worker processes are replaced after this many chunks (512k rows): spaCy's string store
# grows with every new token (~0.25 KB per draft of chat text), a fresh process starts from zero.
# (Not max_tasks_per_child: that deadlocks on Python 3.11, CPython gh-115634.)
BATCH_POOL_RECYCLE_CHUNKS = 2000
# Dask engine: windows of chunks in flight, and chunks per worker in one window.
BATCH_DASK_WINDOWS_IN_FLIGHT = 2
BATCH_DASK_CHUNKS_PER_WORKER = 2
# Batch summary and report: how many highest-risk rows, how much redacted text and evidence per
# row, score histogram bins; distinct error kinds counted separately (the rest count as "overig").
BATCH_TOP_ROWS = 25
BATCH_TOP_EXCERPT_CHARS = 400
BATCH_TOP_EVIDENCE = 10
BATCH_SCORE_BINS = 10
BATCH_MAX_ERROR_KINDS = 50


# ---- learning loop: review weight, statistical gate, stable thresholds, reviewed-case memory -------
# (training/retrain.py, training/gate.py, serve/store/review_memory.py; issue 12)

# A reviewed case weighs this many written corpus rows when a retrained candidate is fitted (a
# reviewer's correction is the best evidence we have; `postwacht retrain --review-weight`).
RETRAIN_REVIEW_WEIGHT = 8.0
# The newest reviewed cases are held back as a frozen set only when at least this many would be held
# back; a smaller held-back set is shown in the report but does not gate (three cases tell nothing).
# With the default share (RETRAIN_HOLDOUT_SHARE) and fewer cases than that, nothing is held back and
# every reviewed case is trained on.
RETRAIN_MIN_FROZEN_REVIEWED = 30
# The gate refuses a drop only when it is larger than the tolerance (RETRAIN_MAX_*_DROP) AND unlikely
# to be noise: a one-sided paired test on the same cases (McNemar's exact test on the label's
# positives for recall; a paired bootstrap for macro-F1) at this significance level.
RETRAIN_GATE_ALPHA = 0.05
# Labels with fewer positives than this in a frozen set are judged together on pooled (micro) figures.
RETRAIN_GATE_MIN_POSITIVES = 20
# Paired bootstrap: resamples of the cases (seeded with RANDOM_SEED, so deterministic).
RETRAIN_GATE_BOOTSTRAP = 2000
# On retrain a label keeps the active model's threshold unless the newly tuned one is better by more
# than this on the cross-validated threshold criterion (mean F-beta over the dev folds) ...
RETRAIN_THRESHOLD_KEEP_MARGIN = 0.02
# ... and the gain is significant in a one-sided paired t-test over the folds at this level (a gain
# of 0.036 +- 0.022 on a few hundred dev rows is noise, and moving on it costs recall elsewhere).
RETRAIN_THRESHOLD_ALPHA = 0.05
# ... and when it is better, the threshold moves at most this far from the active one per retrain.
RETRAIN_THRESHOLD_MAX_STEP = 0.05
# `postwacht retrain --if-new N` without N: retrain once this many reviews are new.
RETRAIN_IF_NEW_DEFAULT = 10
# Reviewed-case memory at scoring time: a draft that is the same normalised text as a reviewed case,
# or a near-duplicate of it (character 5-gram Jaccard, corpus/neardup.py) at least this similar, is
# answered with the reviewer's labels. Stricter than corpus grouping (0.6): "ik maak je af in
# fortnite" must not answer for "ik maak je af".
REVIEW_MEMORY_MIN_SIMILARITY = 0.8
# The service re-reads the reviews at most this often (seconds) to see reviews stored by another
# process; a review stored through this process refreshes the memory at once.
REVIEW_MEMORY_CHECK_SECONDS = 10.0


# ---- HTTP service: batch lane, busy answers, ids, failed-token limit -----------------------------
# (serve/http/scoring.py, serve/http/routes/score.py, serve/http/auth.py; issue 13)

# POST /v1/score/batch: all items together may hold at most this many characters of text (413 above
# it, for the whole request). About 50 s of the scoring thread; larger sets go to `postwacht batch`.
MAX_CHARS_HTTP_BATCH_TOTAL = 500_000
# The scoring thread serves two queues: single drafts (the page, /v1/score) always go first; a batch
# request is scored in slices of at most this many items and characters, and the thread serves the
# single drafts waiting between two slices, so a single draft waits for one slice at most (about a
# second for the longest one), never behind the rest of a batch. A draft longer than the slice's
# characters is a slice of its own.
SERVICE_BATCH_SLICE_ITEMS = 16
SERVICE_BATCH_SLICE_CHARS = 10_000
# At most this many batch requests are scored at once; another one gets 429 with Retry-After.
SERVICE_MAX_BATCH_REQUESTS = 1
# At most this many single drafts may wait for the scoring thread; one more gets 429 with Retry-After.
SERVICE_MAX_WAITING_DRAFTS = 256
# Retry-After of a 429 from the scoring queues: the estimated wait, within these bounds (seconds).
SERVICE_RETRY_AFTER_MIN_SECONDS = 1
SERVICE_RETRY_AFTER_MAX_SECONDS = 60
# Wrong or revoked tokens (reviewer or admin) per client (its address as uvicorn sees it, after the
# reverse proxy's X-Forwarded-For from a trusted proxy): this many in a burst, refilled at this many
# per second; past that every token of that client gets 429 with Retry-After until the bucket refills.
AUTH_FAILURE_BURST = 5
AUTH_FAILURES_PER_SECOND = 2.0
# Clients tracked by that limit at once (the oldest are forgotten first).
AUTH_FAILURE_MAX_CLIENTS = 10_000


# ---- the coordinator's case list (serve/batch/cases.py, serve/batch/report.py; issue 13) -----------
# The HTML report lists every flagged row up to this many (escalations first, then the highest
# level and risk); `--flagged FILE` holds all of them. A case in the page is about 1.5 KB of HTML.
BATCH_REPORT_MAX_CASES = 5_000
# Redacted text kept per case (characters), in the report and in the --flagged file.
BATCH_CASE_EXCERPT_CHARS = 1_000
