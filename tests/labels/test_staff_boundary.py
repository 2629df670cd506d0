"""staff_boundary (Professionele grenzen): spec corpus/labels/staff_boundary.yaml."""

from _support import flagged

from corpus.protocol import annotation_protocol
from corpus.vocabulary import LABEL_SPECS


def test_a_whatsapp_group_with_pupils_is_a_boundary_issue_citing_its_article(scorer):
    result = scorer.score("Ik heb een WhatsApp-groep gemaakt met alle kinderen van groep 8, gezellig!",
                          role="medewerker")
    assert "staff_boundary" in flagged(result)
    cited = {a["id"] for a in result["articles"] if "staff_boundary" in a["labels"]}
    assert cited and cited <= set(annotation_protocol().sub_article_ids("staff_boundary"))


def test_the_label_is_never_flagged_for_parents_or_pupils(scorer):
    text = "Ik heb een WhatsApp-groep gemaakt met alle kinderen van groep 8, gezellig!"
    for role in ("ouder", "leerling"):
        assert scorer.score(text, role=role)["labels"]["staff_boundary"]["score"] == 0.0


def test_contact_through_parro_is_not_a_boundary_issue(scorer):
    text = "Beste ouders, ik stuur de foto's van het kamp via Parro. Groet, juf Sanne"
    assert "staff_boundary" not in flagged(scorer.score(text, role="medewerker"))


def test_every_boundary_kind_maps_to_an_article_of_the_protocol():
    by_kind = annotation_protocol().sub_article_by_kind("staff_boundary")
    assert list(by_kind) == list(LABEL_SPECS["staff_boundary"].sub_kinds)
