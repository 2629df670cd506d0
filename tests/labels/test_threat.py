"""threat (Bedreiging): spec corpus/labels/threat.yaml."""

from _support import articles_for, flagged


def test_announced_harm_after_school_is_a_threat(scorer):
    result = scorer.score("ik wacht je morgen op na school en dan sla ik je in elkaar", role="leerling")
    assert "threat" in flagged(result)


def test_hyperbole_without_a_target_is_not_a_threat(scorer):
    assert "threat" not in flagged(scorer.score("ik ga dood van het lachen om dit filmpje", role="leerling"))


def test_a_threat_must_be_reported_to_the_directie_for_every_role():
    for role in ("medewerker", "ouder", "leerling"):
        assert "alle-betrokkenen.4" in articles_for("threat", role)
