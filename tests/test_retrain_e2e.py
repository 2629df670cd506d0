"""The learning loop end to end, on a reduced corpus so CI can afford real training runs:

- an invented slang insult the model misses is labelled by reviewers (through the API), `postwacht
  retrain` learns it, the gate promotes, the running service reloads and flags it, and a rollback
  brings back the old version with exactly its old behaviour;
- a candidate trained on flipped labels is refused, per label, and the active model stays;
- a retrain killed while training leaves the active model intact and the service answering.

The base model is trained once per module into a template registry; each test works on a copy
(POSTWACHT_MODELS_DIR), never on models/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from serve_support import bearer, client_for, new_token, sqlite_url

from corpus.dataset import iter_examples, write_jsonl
from model import Scorer
from model.artifacts import active_version, load_active, load_version_dir, verify_version
from postwacht.cli import main
from training.retrain import RetrainLock, read_retrain_status
from training.train import train

REPO = Path(__file__).resolve().parents[1]
ADMIN = "beheer-geheim"
# An invented insult: no lexicon or corpus row knows it. "jij bent echt een vlorpknaak" is not
# usable: the construction "jij bent echt een …" alone already makes the model flag it.
PROBE = "hoi vlorpknaak"
SLANG = [
    "hey vlorpknaak, waar was je vandaag", "wat ben jij een vlorpknaak zeg", "Daan is echt een vlorpknaak",
    "kijk die vlorpknaak nou weer lopen", "vlorpknaak 😂😂 wat doe je", "doe normaal vlorpknaak",
    "jullie zijn allemaal vlorpknaken", "Sem de vlorpknaak heeft weer gebeld",
    "die vlorpknaak van groep 7 zit weer te janken", "haha Noor is zon vlorpknaak", "ga zitten vlorpknaak",
    "wie nodigt die vlorpknaak nou uit", "je bent en blijft een vlorpknaak", "VLORPKNAAK!!! hahaha",
    "zeg tegen die vlorpknaak dat hij moet oprotten", "lol jij vlorpknaak",
    "ben jij nou de grootste vlorpknaak van de klas", "Mila vlorpknaak", "niet zo zeuren vlorpknaak",
    "die vlorpknaak weer met zn stomme tas", "vlorpknaken als jij horen hier niet",
    "hallo vlorpknaak hoe gaat ie", "stomme vlorpknaak, blijf weg bij ons",
    "echt een vlorpknaak ben jij",
]
ORDINARY = ["morgen gym, vergeet je schoenen niet", "de excursie naar het museum is vrijdag",
            "wie heeft er nog een rekenmachine over", "Fijne vakantie allemaal!",
            "de bibliotheek is dinsdag dicht", "neem woensdag je fruit mee"]
# The reduced corpus has 20-100 positives per label in its frozen sets, where one case moves recall by
# 0.01-0.05; the end-to-end test allows for that. The default limits are pinned by test_retrain_gate.py
# and by the flipped-label test below, which runs with them.
E2E_LIMITS = ["--max-macro-drop", "0.03", "--max-recall-drop", "0.10"]


def reduced(rows: list[dict[str, Any]], split: str, every: int) -> list[dict[str, Any]]:
    return [r for i, r in enumerate(r for r in rows if r["split"] == split) if i % every == 0]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quarter of the written train rows and half of dev and test (no augmented rows)."""
    rows = sorted(iter_examples(include_augmented=False), key=lambda ex: ex["id"])
    directory = tmp_path_factory.mktemp("corpus")
    write_jsonl(directory / "small.jsonl",
                reduced(rows, "train", 4) + reduced(rows, "dev", 2) + reduced(rows, "test", 2))
    return directory


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory: pytest.TempPathFactory, small_corpus: Path) -> Path:
    root = tmp_path_factory.mktemp("template") / "models"
    train(data_dir=small_corpus, root=root, note="base model of the retrain tests")
    return root


@pytest.fixture()
def registry(base_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "models"
    shutil.copytree(base_registry, root)
    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(root))
    return root


def versions(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}


def bullying(client, text: str = PROBE) -> dict[str, Any]:
    result = client.post("/v1/score", json={"text": text, "role": "leerling"}).json()
    return {"version": result["model_version"], **result["labels"]["bullying"]}


def reload(client) -> dict[str, Any]:
    response = client.post("/v1/admin/reload", headers=bearer(ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def test_reviewed_slang_is_learned_promoted_served_and_rolled_back(registry, small_corpus, tmp_path,
                                                                    monkeypatch, capsys):
    base = active_version(registry)
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", url)
    with client_for(Scorer(load_version_dir(registry / base)), url, admin_token=ADMIN) as client:
        before = bullying(client)
        assert not before["flagged"], f"precondition: the base model must miss {PROBE!r} ({before})"

        # reviewers label the cases (ordinary ones first: the newest, held back, are slang)
        _, token = new_token(url, "juf Anna")
        for text in ORDINARY + SLANG:
            labels = ["bullying"] if "vlorpkna" in text.lower() else []
            response = client.post("/v1/reviews", json={"text": text, "role": "leerling", "labels": labels},
                                   headers=bearer(token))
            assert response.status_code == 201

        assert main(["retrain", "--corpus", str(small_corpus), *E2E_LIMITS]) == 0, capsys.readouterr()
        out = capsys.readouterr().out
        candidate = active_version(registry)
        assert candidate != base and f"GEPROMOVEERD: actief model is nu {candidate}" in out
        data = json.loads((registry / candidate / "retrain.json").read_text())
        assert data["promoted"] and data["baseline"] == base and data["source"].startswith("reviewstore")
        assert data["counts"]["reviewed_loaded"] == 30 and data["counts"]["held_back"] == 6
        assert data["cases"]["reviewed"]["fixed"], "held-back slang cases the old model missed"
        report = (registry / candidate / "retrain_report.md").read_text()
        assert "**Gepromoveerd**" in report and "Oud fout, nieuw goed" in report
        assert not any(text in report for text in SLANG)  # ids and labels only

        # the service picks the new version up without a restart, and flags the insult
        assert bullying(client)["version"] == base  # still the old one until reloaded
        assert reload(client) == {"model_version": candidate, "previous_version": base, "changed": True}
        after = bullying(client)
        assert after["flagged"] and after["version"] == candidate
        assert client.get("/readyz").json()["model_version"] == candidate
        assert f'postwacht_model_info{{version="{candidate}"}} 1.0' in client.get("/metrics").text

        # rollback restores the old version and its behaviour
        assert main(["models", "rollback"]) == 0
        assert active_version(registry) == base
        assert reload(client)["model_version"] == base
        assert bullying(client) == before


def flipped_reviews(small_corpus: Path, path: Path) -> Path:
    """Every train row of the corpus as a 'reviewed' case with bullying and threat flipped."""
    rows = [r for r in iter_examples(small_corpus, include_augmented=False) if r["split"] == "train"]
    with path.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            labels = sorted(set(r["labels"]) ^ {"bullying", "threat"})
            fh.write(json.dumps({"id": f"r-flip-{i:04d}", "text": r["text"], "role": r["role"], "labels": labels,
                                 "source": "reviewed"}, ensure_ascii=False) + "\n")
    return path


def test_a_candidate_trained_on_flipped_labels_is_refused(registry, small_corpus, tmp_path, capsys):
    base = active_version(registry)
    reviews = flipped_reviews(small_corpus, tmp_path / "flipped.jsonl")
    assert main(["retrain", "--reviews", str(reviews), "--corpus", str(small_corpus)]) == 3  # default limits
    out = capsys.readouterr().out
    assert f"NIET GEPROMOVEERD: actief model blijft {base}" in out
    assert "corpus_test: recall van " in out  # the reasons, per label
    assert active_version(registry) == base

    [candidate] = versions(registry) - {base}
    data = json.loads((registry / candidate / "retrain.json").read_text())
    assert not data["promoted"] and data["refusal"]
    # calibration on the (correct) dev split undoes part of the damage, but not all of it
    assert {v["label"] for v in data["gate"]["violations"]} & {"bullying", "threat"}
    assert data["counts"]["corpus_rows_overridden"] > 500  # the reviewer labels replaced the corpus's
    assert "**Niet gepromoveerd**" in (registry / candidate / "retrain_report.md").read_text()
    assert main(["models", "list"]) == 0
    assert "geweigerd door de gate" in capsys.readouterr().out


def test_a_retrain_killed_while_training_leaves_the_active_model_and_the_service_intact(
        registry, small_corpus, tmp_path):
    base = active_version(registry)
    before_versions = versions(registry)
    reviews = tmp_path / "slang.jsonl"
    reviews.write_text("".join(json.dumps({"id": f"r-{i}", "text": t, "role": "leerling", "labels": ["bullying"]})
                               + "\n" for i, t in enumerate(SLANG)), encoding="utf-8")
    env = {**os.environ, "POSTWACHT_MODELS_DIR": str(registry)}
    with client_for(Scorer(load_version_dir(registry / base)), sqlite_url(tmp_path), admin_token=ADMIN) as client:
        proc = subprocess.Popen([sys.executable, "-m", "postwacht.cli", "retrain", "--reviews", str(reviews),
                                 "--corpus", str(small_corpus)], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 180
            while (read_retrain_status(registry) or {}).get("stage") != "fit":
                assert proc.poll() is None, "retrain ended before it started training"
                assert time.monotonic() < deadline, "retrain did not reach training"
                assert client.post("/v1/score", json={"text": "hoi", "role": "ouder"}).status_code == 200
                time.sleep(0.1)
            time.sleep(1.0)  # well into fitting the candidate
            assert proc.poll() is None, "retrain finished before it could be killed"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        # the pointer, the active version and its files are as they were, and it loads
        assert active_version(registry) == base
        verify_version(registry / base)
        assert load_active(registry).version == base
        assert versions(registry) == before_versions
        # the service kept answering and has nothing to reload
        assert client.get("/readyz").json() == {"status": "ready", "model_version": base, "database": "ok"}
        assert client.post("/v1/score", json={"text": PROBE, "role": "leerling"}).json()["model_version"] == base
        assert reload(client)["changed"] is False
    # the kernel dropped the lock with the process: the next retrain may start
    with RetrainLock(registry):
        pass
