"""media_consent (Beeldmateriaal zonder toestemming): spec corpus/labels/media_consent.yaml."""

from _support import articles_for, flagged


def test_sharing_a_video_of_a_classmate_is_media_consent(scorer):
    result = scorer.score("ik stuur dat filmpje van Milan die van zijn fiets valt naar de hele klas", role="leerling")
    assert "media_consent" in flagged(result)


def test_a_photo_with_stated_consent_is_not_media_consent(scorer):
    text = "Alle ouders hebben toestemming gegeven, dus hier de foto's van de musical!"
    assert "media_consent" not in flagged(scorer.score(text, role="medewerker"))


def test_pupils_are_pointed_to_the_media_article():
    assert articles_for("media_consent", "leerling") == ["leerlingen.4"]
