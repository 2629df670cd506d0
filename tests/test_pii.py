"""Personal data recognizers: validated numbers, school-specific types, whose data it is."""

from __future__ import annotations

import pytest

from model.pii.analyzer import PiiAnalyzer, default_analyzer
from model.pii.base import Recognizer
from model.pii.registry import load_registry


@pytest.fixture(scope="module")
def analyzer() -> PiiAnalyzer:
    return default_analyzer(["adhd", "dyslexie", "epilepsie"])


def _recognizer(name: str) -> Recognizer:
    return load_registry().build(only=[name])[0]


def _types(analyzer: PiiAnalyzer, text: str) -> dict[str, tuple[str, str]]:
    return {p.text: (p.type, p.owner) for p in analyzer.analyze(text)}


def test_valid_bsn_is_found_and_invalid_checksum_is_not() -> None:
    rec = _recognizer("bsn_elfproef")
    assert [s.text for s in rec.analyze("BSN 908 301 662 graag")] == ["908 301 662"]
    assert rec.analyze("BSN 908301663 graag") == []


def test_iban_needs_a_valid_checksum() -> None:
    rec = _recognizer("iban_mod97")
    assert [s.text for s in rec.analyze("op NL28 BUNQ 1147 1049 74 svp")] == ["NL28 BUNQ 1147 1049 74"]
    assert rec.analyze("op NL29BUNQ1147104974 svp") == []


def test_phone_email_handle_address_postcode(analyzer: PiiAnalyzer) -> None:
    found = _types(analyzer, "Sem woont op de Kerkstraat 12, 3514 AB. Mail sem@gmail.com, "
                             "bel 06-41234567 of snap: sem_2013 en @sem.v")
    assert found["Kerkstraat 12"][0] == "street_address"
    assert found["3514 AB"][0] == "postcode"
    assert found["sem@gmail.com"][0] == "email"
    assert found["06-41234567"][0] == "phone_number"
    assert found["sem_2013"][0] == "social_handle"
    assert found["@sem.v"][0] == "social_handle"


def test_credential_health_and_date_of_birth(analyzer: PiiAnalyzer) -> None:
    found = _types(analyzer, "Het wachtwoord van Lotte is Kaas123. Lotte heeft dyslexie, geboren op 12-03-2015.")
    assert found["Kaas123"][0] == "credential"
    assert found["dyslexie"][0] == "health"
    assert found["12-03-2015"][0] == "date_of_birth"


def test_own_phone_number_belongs_to_the_author(analyzer: PiiAnalyzer) -> None:
    assert _types(analyzer, "Bel mij gerust op 06-41234567!")["06-41234567"] == ("phone_number", "author")


def test_someone_elses_phone_number_belongs_to_someone_else(analyzer: PiiAnalyzer) -> None:
    found = _types(analyzer, "Het nummer van de moeder van Daan is 06 41 23 45 67")
    assert found["06 41 23 45 67"] == ("phone_number", "other")


def test_parent_about_own_child_health_is_the_authors(analyzer: PiiAnalyzer) -> None:
    assert _types(analyzer, "mijn zoon heeft epilepsie")["epilepsie"][1] == "author"


def test_lower_case_name_after_a_title_is_found(analyzer: PiiAnalyzer) -> None:
    assert _types(analyzer, "juf marieke zei het")["marieke"][0] == "person_name"


def test_iban_followed_by_a_word_is_cut_back_to_the_valid_number() -> None:
    rec = _recognizer("iban_mod97")
    assert [s.text for s in rec.analyze("NL28 BUNQ 1147 1049 74 ABCD graag")] == ["NL28 BUNQ 1147 1049 74"]
