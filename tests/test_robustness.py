"""Any Unicode string gives a valid result (or a clear error), offsets always exact."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import Scorer


def _assert_valid(result: dict, text: str) -> None:
    assert result["error"] is None
    assert 0.0 <= result["risk"] <= 1.0
    for f in result["findings"]:
        assert 0 <= f["start"] <= f["end"] <= len(text)
        assert text[f["start"]:f["end"]] == f["text"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_unicode_text_gives_a_valid_result(scorer: Scorer, text: str) -> None:
    _assert_valid(scorer.score(text, role="leerling"), text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["jij", "bent", "k4nker", "06-12345678", "🤡", "niet", "\x00", "\u200d",
                                 "'", "\"", "Daan", "@x", "!!!", "\n", "é", "ß", "İ", " "]), max_size=40))
def test_chat_like_token_soup_gives_valid_offsets(scorer: Scorer, parts: list[str]) -> None:
    text = " ".join(parts)
    _assert_valid(scorer.score(text, role="ouder"), text)


def test_edge_cases(scorer: Scorer) -> None:
    for text in ["", "   \n\t ", "🤡🐷🖕", "\x00\x01\x07 hoi", "مرحبا Привет 你好 hoi", "a" * 100_000,
                 "jij " * 25_000]:
        result = scorer.score(text, role="leerling")
        assert result["error"] is None
        if not text.strip():
            assert not any(v["flagged"] for v in result["labels"].values())


def test_lone_surrogates_are_scored_with_offsets_intact(scorer: Scorer) -> None:
    text = "hoi \ud800 jij bent dom \udfff"
    result = scorer.score(text, role="leerling")
    assert result["error"] is None
    assert len(result["redacted_text"]) >= 1
