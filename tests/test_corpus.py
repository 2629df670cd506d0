"""The labelled corpus passes its checks and meets the minimums of the corpus issue."""

from __future__ import annotations

from collections import defaultdict

import pytest

from corpus.check import check_corpus, check_example
from corpus.dataset import iter_examples
from corpus.stats import corpus_stats, shortfalls


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    return list(iter_examples())


def test_corpus_check_finds_no_problems() -> None:
    problems, examples = check_corpus()
    assert examples
    assert problems == []


def test_corpus_meets_the_minimums(examples: list[dict]) -> None:
    assert shortfalls(corpus_stats(examples)) == []


def test_augmented_rows_only_in_train_and_never_share_a_group_across_splits(examples: list[dict]) -> None:
    splits = defaultdict(set)
    for ex in examples:
        splits[ex["group"]].add(ex["split"])
        if ex["source"] == "augmented":
            assert ex["split"] == "train"
    assert all(len(s) == 1 for s in splits.values())


def test_pii_spans_are_inside_the_text(examples: list[dict]) -> None:
    for ex in examples:
        for p in ex["pii"]:
            assert 0 <= p["start"] < p["end"] <= len(ex["text"])


def test_check_example_reports_bad_rows() -> None:
    bad = {"id": "x", "text": "hoi", "role": "directeur", "labels": ["pesten"], "pii": [
        {"type": "phone_number", "start": 2, "end": 99}], "hard_negative": False, "group": "g",
        "split": "dev", "source": "augmented"}
    problems = " ".join(check_example(bad))
    assert "unknown role" in problems
    assert "unknown labels" in problems
    assert "outside the text" in problems
    assert "augmented example outside train" in problems
