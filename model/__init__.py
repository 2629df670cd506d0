"""Scoring engine: one Dutch draft in, one result object out (see shared/guide/interface.md)."""

from model.scorer import Scorer, ScoringError, load_scorer

__all__ = ["Scorer", "ScoringError", "load_scorer"]
