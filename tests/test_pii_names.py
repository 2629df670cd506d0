"""Person names: the school's own name, greetings and ordinary words are not names; full names are."""

from __future__ import annotations

import pytest

from model.pii.analyzer import PiiAnalyzer, default_analyzer


@pytest.fixture(scope="module")
def analyzer() -> PiiAnalyzer:
    return default_analyzer([], schools=["Kindcentrum De Marel", "KC De Marel", "De Marel", "Marel"])


def _names(analyzer: PiiAnalyzer, text: str) -> list[str]:
    return [s.text for s in analyzer.analyze(text) if s.type == "person_name"]


def test_the_schools_own_name_is_not_a_person(analyzer: PiiAnalyzer) -> None:
    assert _names(analyzer, "Nieuwsbrief KC De Marel week 12: de Koningsspelen zijn op vrijdag.") == []
    assert _names(analyzer, "Kindcentrum De Marel is morgen dicht.") == []
    assert _names(analyzer, "Wat was de kerstmarkt van De Marel gezellig!") == []
    assert _names(analyzer, "Het schaaktoernooi is gewonnen door team De Marel met Thijs.") == ["Thijs"]


def test_the_school_names_come_from_the_protocol() -> None:
    analyzer = default_analyzer([])  # the default protocol: Kindcentrum De Marel
    assert _names(analyzer, "Welkom op De Marel, Daan!") == ["Daan"]


def test_another_schools_name_is_not_a_person_for_that_school() -> None:
    analyzer = default_analyzer([], schools=["Basisschool De Regenboog", "De Regenboog"])
    assert _names(analyzer, "Welkom op De Regenboog, Daan!") == ["Daan"]


@pytest.mark.parametrize("text", [
    "Lieve ouders, morgen is het feest.",
    "Beste ouders van groep 5, graag een lunchpakket meegeven.",
    "Hoi allemaal, ik ben de rest van de week afwezig.",
    "Hee ouders van groep 3, wie kan zaterdag rijden?",
    "Groetjes van het team",
])
def test_a_greeting_word_is_not_a_name(analyzer: PiiAnalyzer, text: str) -> None:
    assert _names(analyzer, text) == []


@pytest.mark.parametrize("text", [
    "Pas op: het plein is vanochtend spekglad.",
    "Pas op bij de glijbaan, hij is nat van de regen",
    "Jongens, wat een regen vanochtend!",
    "Jongens wie weet wat het huiswerk is?",
    "Top georganiseerd, die Koningsspelen!",
    "Tip: neem een regenjas mee.",
    "Groep 6 heeft gewonnen. Prijs: een extra pauze!",
])
def test_a_common_word_that_opens_a_sentence_is_not_a_name(analyzer: PiiAnalyzer, text: str) -> None:
    assert _names(analyzer, text) == []


@pytest.mark.parametrize(("text", "names"), [
    ("Roos wil je mijn vriendin zijn?", ["Roos"]),
    ("Noor, kom je ook?", ["Noor"]),
    ("Fleur en Sem hebben gewonnen", ["Fleur", "Sem"]),
    ("Daan is ziek", ["Daan"]),
    ("Hoi Sem, kom je?", ["Sem"]),
    ("Jan komt morgen", ["Jan"]),
    ("Welkom in groep 1, Mees en Liv!", ["Mees", "Liv"]),
    ("Dank aan Noor en Bram die vandaag voorlazen!", ["Noor", "Bram"]),
])
def test_first_names_that_are_also_words_stay_names_in_context(analyzer: PiiAnalyzer, text: str,
                                                                names: list[str]) -> None:
    assert _names(analyzer, text) == names


@pytest.mark.parametrize(("text", "name"), [
    ("juf Annemiek de Vries zei het", "Annemiek de Vries"),
    ("meester Jan van der Berg is ziek", "Jan van der Berg"),
    ("Kees van 't Hof gaat mee", "Kees van 't Hof"),
    ("Groetjes, Sanne ten Brink", "Sanne ten Brink"),
    ("mevrouw Van den Heuvel belt morgen", "Van den Heuvel"),
    ("juf Marieke Bakker is jarig", "Marieke Bakker"),
])
def test_a_full_name_with_particles_is_one_span(analyzer: PiiAnalyzer, text: str, name: str) -> None:
    assert _names(analyzer, text) == [name]


def test_a_title_name_stops_before_a_preposition(analyzer: PiiAnalyzer) -> None:
    found = {s.text: s.type for s in analyzer.analyze("ik weet dat juf Sandra op de Kastanjelaan 3 woont")}
    assert found == {"Sandra": "person_name", "Kastanjelaan 3": "street_address"}


@pytest.mark.parametrize(("text", "name"), [
    ("Lieve Daan, dank je wel voor de tekening.", "Daan"),
    ("Gefeliciteerd Lotte uit groep 6!", "Lotte"),
    ("Het team van Thijs, Ayoub en Roos. Super gedaan!", "Roos"),
])
def test_a_greeting_or_the_next_sentence_is_not_part_of_the_name(analyzer: PiiAnalyzer, text: str,
                                                                 name: str) -> None:
    assert name in _names(analyzer, text)
    assert all(" " not in n for n in _names(analyzer, text))


@pytest.mark.parametrize(("text", "names"), [
    ("hoi sem kom je morgen", ["sem"]),
    ("ik ga met noor naar huis", ["noor"]),
    ("sem en daan zijn cool", ["sem", "daan"]),
    ("romy is echt zo grappig", ["romy"]),
])
def test_a_lower_case_name_in_chat_is_a_name_in_context(analyzer: PiiAnalyzer, text: str, names: list[str]) -> None:
    assert _names(analyzer, text) == names


@pytest.mark.parametrize("text", [
    "de roos in de tuin is mooi",
    "ik heb een nieuwe fiets",
    "Mijn dochter wil het boek thuis ook lezen.",
    "Mijn zoon wil piraat zijn.",
])
def test_a_lower_case_word_without_name_context_is_not_a_name(analyzer: PiiAnalyzer, text: str) -> None:
    assert _names(analyzer, text) == []


def test_a_place_after_a_preposition_is_not_a_person(analyzer: PiiAnalyzer) -> None:
    assert _names(analyzer, "Wij zijn verhuisd naar Emmen, dus de kinderen gaan naar een andere school.") == []
    assert _names(analyzer, "meneer Hoogeveen komt morgen") == ["Hoogeveen"]


def test_a_name_deduce_does_not_know_is_found_in_context(analyzer: PiiAnalyzer) -> None:
    assert _names(analyzer, "We hebben een nieuwe klasgenoot! Hij heet Kacper Nowak.") == ["Kacper Nowak"]
    assert _names(analyzer, "Gefeliciteerd Luwam, Sem en Ghazal!") == ["Luwam", "Sem", "Ghazal"]
    assert _names(analyzer, "De inlogcodes voor Snappet krijgt uw kind morgen.") == []


def test_a_signature_after_a_greeting_is_the_authors_name(analyzer: PiiAnalyzer) -> None:
    spans = [s for s in analyzer.analyze("Tot morgen!\nGroetjes, Daan") if s.type == "person_name"]
    assert [(s.text, s.owner) for s in spans] == [("Daan", "author")]
