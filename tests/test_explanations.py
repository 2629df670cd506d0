"""Evidence a person can trust: highlights carry the decision, never function words, stay put when
unrelated text is added, and robustness edits (invisible characters, a leading emoji, filler) do
not move a verdict."""

from __future__ import annotations

import pytest
from spacy.lang.nl.stop_words import STOP_WORDS

from model import Scorer
from model.explain import FILLER_WORDS
from model.scorer import level_for_risk

RISKY = [
    ("haha kanker mongool ga gewoon dood", "leerling"),
    ("jij bent zo dom, niemand wil jou in de groep", "leerling"),
    ("Ik maak je morgen af na school, let maar op", "leerling"),
    ("stuur me een foto van je in je ondergoed, niet aan je ouders zeggen", "onbekend"),
    ("De juf van groep 5 is een incompetente heks, deze school is een schande", "ouder"),
    ("ik wil niet meer leven, niemand zou me missen", "leerling"),
    ("Ik heb de foto van Sem op de wc in de groepsapp gezet hahaha", "leerling"),
]
HARMLESS_TAILS = [
    "Morgen is het gym, vergeet je tas niet.",
    "Fijn weekend allemaal!",
    "De schoolreis is op 12 juni.",
]


def _highlights(result: dict) -> set[tuple[str | None, str]]:
    return {(f["label"], f["text"]) for f in result["findings"] if f["label"]}


def _flags(result: dict) -> set[str]:
    return {lab for lab, v in result["labels"].items() if v["flagged"]}


def test_slurs_are_marked_in_short_and_long_versions(scorer: Scorer) -> None:
    short = scorer.score("haha kanker mongool ga gewoon dood", role="leerling")
    long = scorer.score("haha kanker mongool ga gewoon dood, niemand wil jou in de groep", role="leerling")
    for result in (short, long):
        texts = {f["text"].lower() for f in result["findings"] if f["label"] == "bullying"}
        assert "kanker" in texts and "mongool" in texts, result["findings"]


def test_model_highlights_are_never_function_words(scorer: Scorer) -> None:
    seen = 0
    for text, role in RISKY:
        for f in scorer.score(text, role=role)["findings"]:
            if f.get("source") != "model":
                continue
            seen += 1
            words = [w.lower().strip(".,!?") for w in f["text"].split()]
            content = [w for w in words if w and w not in STOP_WORDS and w not in FILLER_WORDS]
            assert content, f"highlight of function words only: {f['text']!r}"
            # a phrase starts and ends with a content word
            assert words[0] in content and words[-1] in content, f["text"]
    assert seen > 0  # the drafts do produce model evidence, so the check above ran


@pytest.mark.parametrize("tail", HARMLESS_TAILS)
def test_appending_a_harmless_sentence_never_removes_a_highlight(scorer: Scorer, tail: str) -> None:
    for text, role in RISKY:
        before = scorer.score(text, role=role)
        after = scorer.score(f"{text} {tail}", role=role)
        kept_labels = _flags(before) & _flags(after)
        lost = {(lab, t) for lab, t in _highlights(before) - _highlights(after) if lab in kept_labels}
        assert not lost, (text, tail, lost)


def test_each_highlight_names_the_label_it_supports(scorer: Scorer) -> None:
    for text, role in RISKY:
        result = scorer.score(text, role=role)
        flagged = _flags(result)
        for f in result["findings"]:
            assert f["label"] is None or f["label"] in flagged
        per_label: dict[str, int] = {}
        for f in result["findings"]:
            if f.get("source") == "model":
                per_label[f["label"]] = per_label.get(f["label"], 0) + 1
        assert all(n <= 3 for n in per_label.values())


@pytest.mark.parametrize("hidden", ["s\u00adukkel", "suk\u200bkel", "\ufeffsukkel", "sukk\u2060el"])
def test_invisible_characters_do_not_hide_an_insult(scorer: Scorer, hidden: str) -> None:
    plain = scorer.score("jij bent echt een sukkel", role="leerling")
    masked = scorer.score(f"jij bent echt een {hidden}", role="leerling")
    assert masked["labels"]["bullying"]["score"] == pytest.approx(plain["labels"]["bullying"]["score"], abs=0.01)
    assert _flags(masked) == _flags(plain)


@pytest.mark.parametrize("emoji", ["😀", "🙂", "👍"])
def test_a_leading_emoji_does_not_unflag(scorer: Scorer, emoji: str) -> None:
    for text in ["jij bent echt een sukkel", "jij bent zo dom", "wat ben jij een loser"]:
        plain = scorer.score(text, role="leerling")
        assert "bullying" in _flags(plain)
        assert "bullying" in _flags(scorer.score(f"{emoji} {text}", role="leerling")), (emoji, text)


@pytest.mark.parametrize("text", ["x" * 10_000, "a " * 5_000, "." * 3_000, "hahahaha " * 400, "😂" * 500])
def test_filler_and_nonsense_get_geen(scorer: Scorer, text: str) -> None:
    result = scorer.score(text, role="leerling")
    assert result["level"] == "geen", (text[:20], result["labels"])
    assert not [f for f in result["findings"] if f["label"]]


def test_risk_and_level_are_one_scale(scorer: Scorer) -> None:
    texts = [t for t, _ in RISKY] + HARMLESS_TAILS + ["Hee Yusuf kom je morgen voetballen na school?"]
    for text in texts:
        result = scorer.score(text, role="onbekend")
        assert level_for_risk(result["risk"]) == result["level"]
        if _flags(result):
            assert result["level"] in ("midden", "hoog")
        else:
            assert result["level"] in ("geen", "laag")
