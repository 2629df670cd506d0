"""sexual (Seksueel en grooming): spec corpus/labels/sexual.yaml."""

from _support import flagged


def test_asking_a_child_for_photos_in_secret_is_sexual(scorer):
    text = "je bent echt mooi voor je leeftijd, stuur je me een foto van jezelf? niet aan je ouders vertellen he"
    assert "sexual" in flagged(scorer.score(text, role="onbekend"))


def test_a_sex_education_notice_is_not_sexual(scorer):
    text = "Volgende week is er seksuele voorlichting in groep 8. Vragen? Bel gerust."
    assert "sexual" not in flagged(scorer.score(text, role="medewerker"))
