"""bullying (Pesten en beledigen): spec corpus/labels/bullying.yaml."""

from _support import articles_for, flagged

from corpus.vocabulary import LABEL_SPECS


def test_an_insult_aimed_at_the_reader_is_bullying(scorer):
    assert "bullying" in flagged(scorer.score("jij bent echt een vieze sukkel, niemand wil jou", role="leerling"))


def test_profanity_aimed_at_nobody_is_not_bullying(scorer):
    assert "bullying" not in flagged(scorer.score("kut, mijn fiets is alweer lek", role="leerling"))


def test_a_pupil_is_pointed_to_the_pupils_respect_article():
    assert "leerlingen.1" in articles_for("bullying", "leerling")


def test_insult_hits_are_explained_in_dutch():
    assert LABEL_SPECS["bullying"].shown_evidence["general_insult"] == "Scheldwoord"
