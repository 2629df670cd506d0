"""The command line: score prints Dutch or JSON; bad input exits non-zero with a clear message."""

from __future__ import annotations

import json

import pytest

from model import Scorer
from postwacht.cli import main


def test_score_json_prints_the_result_object(scorer: Scorer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "jij bent een sukkel", "--role", "leerling", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["role"] == "leerling"
    assert set(result["labels"]) >= {"bullying", "threat"}


def test_score_summary_is_dutch(scorer: Scorer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "Morgen sportdag, neem je gymtas mee!", "--role", "medewerker"]) == 0
    out = capsys.readouterr().out
    assert "RISICO" in out


def test_wrong_role_exits_with_the_valid_roles(scorer: Scorer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "hoi", "--role", "conciërge"]) == 2
    err = capsys.readouterr().err
    assert "medewerker" in err and "leerling" in err


def test_a_draft_over_the_command_line_limit_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.settings import MAX_CHARS_CLI

    assert main(["score", "a" * (MAX_CHARS_CLI + 1)]) == 2
    err = capsys.readouterr().err
    assert "te lang" in err and str(MAX_CHARS_CLI) in err and "(Text too long" in err
