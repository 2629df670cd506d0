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

# Retraining from reviewed cases (training/retrain.py, training/gate.py): the candidate replaces the
# active model only if, on every frozen set, macro-F1 falls by at most this much and no label's
# recall falls by more than that; the newest share of reviewed cases is held back as a frozen set.
RETRAIN_MAX_MACRO_DROP = 0.01
RETRAIN_MAX_RECALL_DROP = 0.03
RETRAIN_HOLDOUT_SHARE = 0.2

# Risk levels: a draft's risk is the highest severity-weighted label score.
SEVERITY_WEIGHT = {"high": 1.0, "medium-high": 0.9, "medium": 0.8}
LEVEL_CUTS = (("hoog", 0.75), ("midden", 0.45), ("laag", 0.2))
# Floors that keep a flagged label from reading as "laag"
FLAG_LEVEL = {"high": "hoog", "medium-high": "midden", "medium": "midden"}
