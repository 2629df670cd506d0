"""personal_info (Persoonsgegevens): spec corpus/labels/personal_info.yaml."""

from _support import articles_for, flagged

from corpus.vocabulary import LABEL_SPECS


def test_someone_elses_phone_number_is_personal_info(scorer):
    result = scorer.score("Het nummer van Daan is 06-12345678, app hem maar", role="leerling")
    assert "personal_info" in flagged(result)
    assert any(f["type"] == "phone_number" for f in result["findings"])


def test_own_phone_number_is_not_personal_info(scorer):
    assert "personal_info" not in flagged(scorer.score("Bel mij gerust op 06-12345678", role="ouder"))


def test_personal_data_findings_belong_to_this_label():
    assert LABEL_SPECS["personal_info"].pii_findings


def test_parents_are_pointed_to_the_privacy_article():
    assert articles_for("personal_info", "ouder") == ["ouders.1"]
