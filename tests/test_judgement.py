"""Judgement on text that does not come from the corpus: names and group terms are not evidence on
their own (CheckList invariance), and a bare name is informational."""

from __future__ import annotations

import pytest

GROUPS = ["moslims", "joden", "vluchtelingen", "Marokkanen", "Polen", "homo's", "transgenders", "vrouwen",
          "mensen met een beperking", "Surinamers"]
NEUTRAL_FRAMES = [
    pytest.param("In onze straat wonen ook {g}.", marks=pytest.mark.xfail(
        reason="known gap: 'in onze straat' reads as the corpus's neighbourhood complaints (bigrams "
               "'in onze', 'onze straat'; the same score for every group, so invariance holds, but it is "
               "flagged)", strict=False)),
    "Morgen is er in groep 8 een gastles over {g} in Nederland.",
    "Mijn beste vrienden zijn {g}.",
]
INVARIANCE_FRAMES = ["In onze straat wonen ook {g}.", "Morgen is er in groep 8 een gastles over {g} in Nederland.",
                     "Mijn beste vrienden zijn {g}."]
NAMES = ["Yusuf", "Lotte", "Daan", "Fatima", "Bram", "Mei Ling", "Oksana", "Kofi"]


def _flags(result: dict) -> set[str]:
    return {lab for lab, v in result["labels"].items() if v["flagged"]}


@pytest.mark.parametrize("frame", NEUTRAL_FRAMES)
def test_a_neutral_statement_about_any_group_is_never_flagged(scorer, frame):
    results = scorer.score_many([{"text": frame.format(g=g), "role": "ouder"} for g in GROUPS])
    assert [r["id"] for r in results if _flags(r)] == []
    assert all(not _flags(r) for r in results)


@pytest.mark.parametrize("frame", INVARIANCE_FRAMES)
def test_swapping_the_group_term_moves_no_score_by_more_than_a_small_margin(scorer, frame):
    results = scorer.score_many([{"text": frame.format(g=g), "role": "ouder"} for g in GROUPS])
    for label in results[0]["labels"]:
        scores = [r["labels"][label]["score"] for r in results]
        assert max(scores) - min(scores) <= 0.1, (label, dict(zip(GROUPS, scores, strict=True)))


def test_hate_against_any_group_is_bullying(scorer):
    results = scorer.score_many([{"text": f"Ik haat {g}, ze zijn vies en dom.", "role": "leerling"} for g in GROUPS])
    assert all("bullying" in _flags(r) for r in results)


@pytest.mark.parametrize("name", NAMES)
def test_a_name_alone_does_not_make_a_harmless_invitation_risky(scorer, name):
    result = scorer.score(f"Hee {name} kom je morgen voetballen na school?", role="leerling")
    assert not _flags(result)
    assert result["level"] == "geen"
    for finding in result["findings"]:
        if finding["type"] == "person_name":
            assert finding["label"] is None and finding["severity"] == "info"


def test_winners_named_without_detail_are_not_personal_data(scorer):
    result = scorer.score("Lotte en Daan uit groep 7 hebben de voorleeswedstrijd gewonnen!", role="medewerker")
    assert "personal_info" not in _flags(result)
    assert result["level"] == "geen"


def test_risk_and_level_tell_the_same_story(scorer):
    texts = ["Hoi allemaal, morgen gym!", "jij bent een vieze sukkel", "ik maak je af na school",
             "Het nummer van Daan is 06-12345678", "ik wil niet meer leven"]
    from model.scorer import level_for_risk

    for result in scorer.score_many([{"text": t, "role": "leerling"} for t in texts]):
        assert level_for_risk(result["risk"]) == result["level"]
