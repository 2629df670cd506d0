"""reputation (Schoolbelang en onwaarheden): spec corpus/labels/reputation.yaml."""

from _support import articles_for, flagged


def test_a_public_call_against_the_school_is_reputation(scorer):
    text = "Deze school liegt over alles, de directie is corrupt. Schrijf je kind hier NIET in, deel dit!"
    assert "reputation" in flagged(scorer.score(text, role="ouder"))


def test_polite_criticism_is_not_reputation(scorer):
    text = "Ik vind de nieuwe pauzeregeling lastig, kunnen we erover praten?"
    assert "reputation" not in flagged(scorer.score(text, role="ouder"))


def test_the_good_name_of_the_school_applies_to_every_role():
    for role in ("medewerker", "ouder", "leerling"):
        assert "uitgangspunten.4" in articles_for("reputation", role)
