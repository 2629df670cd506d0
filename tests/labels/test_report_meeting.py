"""report_meeting (Gesprekken op school): spec corpus/labels/report_meeting.yaml."""

from _support import articles_for, flagged


def test_what_the_teacher_said_in_the_report_meeting_is_report_meeting(scorer):
    text = "In het rapportgesprek zei de juf dat mijn zoon lui is en misschien naar het speciaal onderwijs moet"
    assert "report_meeting" in flagged(scorer.score(text, role="ouder"))


def test_meeting_logistics_only_is_not_report_meeting(scorer):
    text = "De rapportgesprekken zijn volgende week, inschrijven kan via Parro."
    assert "report_meeting" not in flagged(scorer.score(text, role="medewerker"))


def test_parents_are_pointed_to_the_meeting_article():
    assert articles_for("report_meeting", "ouder") == ["ouders.5"]
