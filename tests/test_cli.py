"""The command line: score prints Dutch or JSON; bad input exits non-zero with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_help_is_dutch_with_the_english_in_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    from postwacht.help_nl import COMMANDS

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("gebruik (usage): postwacht")
    assert "opties (options)" in out and "deze hulp tonen en stoppen (show this help and exit)" in out
    assert "positional arguments:" not in out.replace("(positional arguments)", "")
    flat = " ".join(out.split())
    for command in ("setup", "train", "batch", "models", "serve", "tokens", "reviews", "docs"):
        assert f" {command} " in flat
    # each command's line: the Dutch first, then the English from its module in brackets
    assert "modelversies tonen, activeren of terugzetten (list, show, promote or roll back model versions)" in flat
    assert COMMANDS["score"] in flat and "(score one draft" in flat


def test_subcommand_help_is_dutch_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["models", "--help"])
    flat = " ".join(capsys.readouterr().out.split())
    assert "een versie actief maken (make a version active)" in flat
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    flat = " ".join(capsys.readouterr().out.split())
    assert "werkprocessen (standaard: alle kernen)" in flat and "(worker processes" in flat


def test_argument_errors_are_dutch_with_the_english_in_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bestaatniet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "FOUT: OPDRACHT: ongeldige keuze 'bestaatniet'" in err and "(argument OPDRACHT: invalid choice" in err
    with pytest.raises(SystemExit):
        main(["models", "promote"])
    err = capsys.readouterr().err
    assert "deze argumenten ontbreken: version (the following arguments are required: version)" in err
    with pytest.raises(SystemExit):
        main(["serve", "--port", "zeventig"])
    err = capsys.readouterr().err
    assert "poortnummer van 1 tot en met 65535" in err and "(--port must be a port number" in err
    assert "ongeldige invoer" not in err  # already bilingual: not wrapped twice


def test_promoting_a_version_that_does_not_exist_answers_in_dutch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(tmp_path / "models"))
    (tmp_path / "models").mkdir()
    assert main(["models", "promote", "nope"]) == 1
    err = capsys.readouterr().err
    assert "FOUT: modelversie 'nope' bestaat niet" in err and "(Model version 'nope' does not exist" in err
    assert not (tmp_path / "models" / "ACTIVE").exists()


def _db_command(var_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POSTWACHT_VAR_DIR": str(var_dir)}
    env.pop("POSTWACHT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "postwacht.cli", *flags, "tokens", "list"], env=env,
                          capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[1])


def test_database_commands_are_quiet_unless_verbose(tmp_path: Path) -> None:
    quiet = _db_command(tmp_path / "quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert "Nog geen tokens" in quiet.stdout
    assert "alembic" not in quiet.stderr and "INFO" not in quiet.stderr
    assert (tmp_path / "quiet" / "postwacht.db").exists()  # the migrations did run
    verbose = _db_command(tmp_path / "verbose", "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert "Running upgrade" in verbose.stderr and "alembic" in verbose.stderr
