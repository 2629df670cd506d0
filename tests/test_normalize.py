"""Normalisation folds chat spelling and keeps exact offsets into the original text."""

from __future__ import annotations

import pytest

from model.normalize import normalize, squeeze


@pytest.mark.parametrize(("text", "expected"), [
    ("Jij bent een K4NKERLIJER", "jij bent een kankerlijer"),
    ("h a a t je", "haat je"),
    ("k.a.n.k.e.r", "kanker"),
    ("stommmmm", "stomm"),
    ("n00b", "noob"),
    ("groep 8 en 06-12345678", "groep 8 en 06-12345678"),
])
def test_chat_spelling_is_folded(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_every_normalised_char_maps_back_into_the_original() -> None:
    text = "Héééy 🤡 jij L0SER!!! kijk www.x.nl/a of mail a@b.nl @lotte.b"
    norm = normalize(text)
    assert len(norm.text) == len(norm.starts) == len(norm.ends)
    for s, e in zip(norm.starts, norm.ends, strict=True):
        assert 0 <= s < e <= len(text)


def test_span_of_a_folded_word_is_the_original_word() -> None:
    text = "jij bent een k4nker lijer"
    norm = normalize(text)
    i = norm.text.index("kanker")
    s, e = norm.span(i, i + len("kanker"))
    assert text[s:e] == "k4nker"


def test_emoji_become_words() -> None:
    assert "emoji_clown_face" in normalize("🤡").text


def test_squeeze_collapses_every_run() -> None:
    assert squeeze("stommm") == squeeze("stom") == "stom"
