"""wellbeing (Zorgsignaal): spec corpus/labels/wellbeing.yaml. A flagged wellbeing always escalates."""

from _support import articles_for, flagged

from corpus.protocol import annotation_protocol
from corpus.vocabulary import LABEL_SPECS


def test_a_pupil_who_does_not_want_to_live_any_more_is_a_safeguarding_signal(scorer):
    result = scorer.score("ik wil niet meer leven, niemand zou me missen", role="leerling")
    assert "wellbeing" in flagged(result)


def test_a_flagged_safeguarding_signal_escalates_with_who_to_tell(scorer):
    result = scorer.score("ik doe mezelf soms pijn, ik kras in mijn arm", role="leerling")
    assert "wellbeing" in flagged(result)
    assert result["escalate"] is True
    assert "0800-0432" in result["escalation"] and "112" in result["escalation"]


def test_hyperbole_about_dying_is_not_a_safeguarding_signal(scorer):
    result = scorer.score("ik ga dood van het lachen om dit filmpje 😂", role="leerling")
    assert "wellbeing" not in flagged(result)
    assert result["escalate"] is False


def test_dying_in_a_game_is_not_a_safeguarding_signal(scorer):
    assert "wellbeing" not in flagged(scorer.score("ik ben alweer dood in fortnite, wie wil duo?", role="leerling"))


def test_the_label_points_every_role_to_reporting_and_pupils_to_their_own_article():
    for role in ("medewerker", "ouder"):
        assert articles_for("wellbeing", role) == ["alle-betrokkenen.4"]
    assert articles_for("wellbeing", "leerling") == ["alle-betrokkenen.4", "leerlingen.5"]


def test_the_spec_escalates_and_the_protocol_says_who_to_tell_for_every_role():
    assert LABEL_SPECS["wellbeing"].escalates
    protocol = annotation_protocol()
    for role in ("medewerker", "ouder", "leerling", "onbekend"):
        assert "112" in protocol.escalation_for(role)
