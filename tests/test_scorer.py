"""The scoring engine's result object and its behaviour on clear cases."""

from __future__ import annotations

import pytest

from corpus.vocabulary import LABELS, ROLES
from model import Scorer, ScoringError

FIELDS = {"id", "role", "risk", "level", "labels", "findings", "articles", "consequences", "advice",
          "redacted_text", "model_version", "error"}


def flagged(result: dict) -> set[str]:
    return {lab for lab, v in result["labels"].items() if v["flagged"]}


def test_result_object_has_every_field_and_all_eight_labels(scorer: Scorer) -> None:
    result = scorer.score("Fijne vakantie allemaal!", role="ouder", id="r1")
    assert set(result) >= FIELDS
    assert set(result["labels"]) == set(LABELS)
    assert result["id"] == "r1"
    assert result["error"] is None
    assert result["level"] in {"geen", "laag", "midden", "hoog"}
    for v in result["labels"].values():
        assert 0.0 <= v["score"] <= 1.0


def test_harmless_post_is_not_flagged(scorer: Scorer) -> None:
    result = scorer.score("Morgen is de sportdag, vergeet jullie gymspullen niet!", role="medewerker")
    assert flagged(result) == set()
    assert result["level"] in {"geen", "laag"}
    assert result["articles"] == []


def test_targeted_insult_is_bullying_with_pupil_articles(scorer: Scorer) -> None:
    result = scorer.score("jij bent echt een vieze kankerlijer, niemand wil jou in de groep", role="leerling")
    assert "bullying" in flagged(result)
    ids = {a["id"] for a in result["articles"]}
    assert {"alle-betrokkenen.3", "leerlingen.1"} <= ids
    assert {c["id"] for c in result["consequences"]} == {"sancties-ouders-leerlingen.1",
                                                         "sancties-ouders-leerlingen.2"}
    assert any(f["label"] == "bullying" for f in result["findings"])


def test_someone_elses_phone_number_is_personal_info_and_redacted(scorer: Scorer) -> None:
    text = "Het nummer van de moeder van Daan is 06-48392017, bel haar maar allemaal op"
    result = scorer.score(text, role="ouder")
    assert "personal_info" in flagged(result)
    assert "06-48392017" not in result["redacted_text"]
    assert "[TELEFOONNUMMER]" in result["redacted_text"]
    assert "ouders.1" in {a["id"] for a in result["articles"]}


def test_own_phone_number_is_not_personal_info(scorer: Scorer) -> None:
    result = scorer.score("Vragen over het schoolreisje? Bel mij gerust op 06-41234567.", role="medewerker")
    assert "personal_info" not in flagged(result)
    phone = [f for f in result["findings"] if f["type"] == "phone_number"]
    assert phone and phone[0]["owner"] == "author"


def test_findings_offsets_point_at_their_text(scorer: Scorer) -> None:
    text = "Hé Bilal, jij bent een L0SER en je nummer 06-12345678 staat nu online 🤡"
    result = scorer.score(text, role="leerling")
    assert result["findings"]
    for f in result["findings"]:
        assert text[f["start"]:f["end"]] == f["text"]


def test_staff_boundary_is_never_flagged_for_pupils(scorer: Scorer) -> None:
    result = scorer.score("voeg me toe op snap, ik heb een groepsapp met de klas gemaakt", role="leerling")
    assert result["labels"]["staff_boundary"]["score"] == 0.0


def test_wrong_role_is_a_clear_error_listing_the_roles(scorer: Scorer) -> None:
    with pytest.raises(ScoringError) as exc:
        scorer.score("hoi", role="directeur")
    for role in ROLES:
        assert role in str(exc.value)


def test_score_many_keeps_order_and_marks_bad_rows(scorer: Scorer) -> None:
    items = [{"id": 1, "text": "hoi"}, {"id": 2}, {"id": 3, "text": "doei", "role": "kat"}, {"id": 4, "text": 5}]
    results = scorer.score_many(items)
    assert [r["id"] for r in results] == [1, 2, 3, 4]
    assert results[0]["error"] is None
    assert all(r["error"] and r["labels"] is None for r in results[1:])


def test_unknown_role_gets_articles_of_every_role(scorer: Scorer) -> None:
    result = scorer.score("jij bent een vieze kankerhoer", role=None)
    assert result["role"] == "onbekend"
    ids = {a["id"] for a in result["articles"]}
    assert {"medewerkers.1", "ouders.4", "leerlingen.1"} <= ids
