"""The recognizer registry: recognizers are declared in corpus/pii/recognizers.yaml, built by kind."""

from __future__ import annotations

import copy

import pytest
import yaml

from corpus.vocabulary import PII_TYPES
from model.pii.analyzer import PiiAnalyzer
from model.pii.base import RegistryError
from model.pii.registry import (
    KINDS,
    RECOGNIZERS_PATH,
    Registry,
    load_registry,
    read_registry,
    validate_registry,
)
from model.pii.validators import VALIDATORS


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(RECOGNIZERS_PATH.read_text(encoding="utf-8"))


def _registry(document: dict, entries: list[dict]) -> Registry:
    settings = {k: v for k, v in document.items() if k != "recognizers"}
    assert not validate_registry({**settings, "recognizers": entries})
    return Registry(tuple(entries), settings, "test")


def test_the_registry_file_is_valid_and_read_once_per_process() -> None:
    assert load_registry() is load_registry()
    assert validate_registry(yaml.safe_load(RECOGNIZERS_PATH.read_text(encoding="utf-8"))) == []


def test_every_recognizer_finds_a_pii_type_of_the_vocabulary(document: dict) -> None:
    for entry in document["recognizers"]:
        assert entry["entity"] in PII_TYPES
        assert entry["kind"] in KINDS
        assert not entry.get("validator") or entry["validator"] in VALIDATORS


def test_a_registry_with_an_unknown_kind_type_or_validator_is_refused(document: dict) -> None:
    bad = copy.deepcopy(document)
    bad["recognizers"][0]["kind"] = "crystal_ball"
    bad["recognizers"][1]["entity"] = "shoe_size"
    bad["recognizers"][2]["validator"] = "luhn_maybe"
    problems = validate_registry(bad)
    assert len(problems) == 3
    assert any("crystal_ball" in p for p in problems)
    assert any("shoe_size" in p for p in problems)
    assert any("luhn_maybe" in p for p in problems)


def test_a_registry_file_with_problems_cannot_be_read(tmp_path, document: dict) -> None:
    bad = copy.deepcopy(document)
    bad["recognizers"].append(dict(bad["recognizers"][0]))  # a duplicate name
    path = tmp_path / "recognizers.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="not unique"):
        read_registry(path)


def test_a_new_pattern_needs_only_a_registry_entry(document: dict) -> None:
    """A student number ("leerlingnummer 123456") added as data, no code."""
    entry = {"name": "student_number", "kind": "context_pattern", "entity": "credential", "priority": 6,
             "score": 0.8, "pattern": r"\b\d{6}\b", "context": ["leerlingnummer"], "window": [20, 0]}
    analyzer = PiiAnalyzer(_registry(document, [entry]).build())
    assert [(s.type, s.text) for s in analyzer.analyze("zijn leerlingnummer 123456 klopt")] == [
        ("credential", "123456")]
    assert analyzer.analyze("er waren 123456 bezoekers") == []


def test_a_validated_pattern_uses_its_validator_by_name(document: dict) -> None:
    entry = {"name": "bsn_test", "kind": "checksum_pattern", "entity": "bsn", "priority": 9,
             "pattern": r"\b\d{9}\b", "validator": "bsn_elfproef"}
    rec = _registry(document, [entry]).build()[0]
    assert [s.text for s in rec.analyze("908301662 en 908301663")] == ["908301662"]


def test_a_postcode_is_validated_by_stdnum() -> None:
    rec = load_registry().build(only=["postcode_nl"])[0]
    assert [s.text for s in rec.analyze("3514 AB, 3514ab, 3514 SS, 3514sa, 0123 AB")] == ["3514 AB", "3514ab"]


def test_a_fallback_mobile_number_is_found_where_libphonenumber_finds_none() -> None:
    """libphonenumber skips a number glued to other digits by hyphens; the fallback pattern does not."""
    rec = load_registry().build(only=["phonenumbers"])[0]
    assert [(s.text, s.recognizer) for s in rec.analyze("12-0612345678-")] == [("0612345678", "mobile_pattern")]
    assert [s.recognizer for s in rec.analyze("bel 06-41234567")] == ["phonenumbers"]
