"""The learning loop end to end, on a reduced corpus so CI can afford real training runs:

- a realistic mixed review session (false alarms and misses over every label, labelled by the
  guide, plus a few agreeing reviews) is stored through the API; the reviewed drafts are answered
  as reviewed at once (the review memory), `postwacht retrain` with the default gate promotes the
  candidate, the candidate alone gets the reviewed cases right and no longer flags unseen variants
  of a reviewed false alarm, the running service reloads it, `--if-new` sees nothing new, and a
  rollback brings back the old version with exactly its old behaviour;
- a candidate trained on flipped labels is refused, per label, with advice; it is kept, cannot be
  promoted without --force, and a forced promotion writes its reason to the audit;
- a retrain killed while training leaves the active model intact and the service answering.

The base model is trained once per module into a template registry; each test works on a copy
(POSTWACHT_MODELS_DIR), never on models/. Two retrains in all (about a minute each on 2 cores).
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
from sqlalchemy import select

from corpus.dataset import iter_examples, write_jsonl
from corpus.vocabulary import LABELS
from model import Scorer
from model.artifacts import active_version, load_active, load_version_dir, verify_version
from postwacht.cli import main
from serve.store.database import Database
from serve.store.models_db import AuditEvent
from training.retrain import RetrainLock, read_retrain_status
from training.train import train

REPO = Path(__file__).resolve().parents[1]
ADMIN = "beheer-geheim"
# One working session of a reviewer, labelled by shared/guide/labels.md: 16 corrections (false alarms
# of ordinary reluctance read as a safeguarding signal, an invitation and an address question; misses
# over every label) and 4 agreements (one of them a real wellbeing signal in the same words).
CORRECTIONS = [
    ("leerling", "ik wil niet meer naar zwemles", []),
    ("leerling", "ik hoef niet meer naar pianoles", []),
    ("leerling", "ik wil echt niet meer naar ballet, het is saai", []),
    ("leerling", "mag ik stoppen met hockey? ik wil niet meer", []),
    ("leerling", "kom je morgen buitenspelen?", []),
    ("ouder", "Weet iemand het nieuwe adres van de moeder van Sem? Ze woont nu bij haar vriend op de Kerkstraat",
     ["personal_info"]),
    ("leerling", "jij bent een sukkel", ["bullying"]),
    ("leerling", "wie Fleur nog gedag zegt hoort niet meer bij onze groep", ["bullying"]),
    ("leerling", "als je morgen niet betaalt dan weet je wat er gebeurt", ["threat"]),
    ("ouder", "Ik heb de klassenfoto even in de buurtapp gezet, leuk toch", ["media_consent"]),
    ("ouder", "Juf zei op de ouderavond dat Lieke waarschijnlijk naar het speciaal onderwijs moet",
     ["report_meeting"]),
    ("ouder", "Die nieuwe directeur weet er niks van, onze kinderen leren hier helemaal niks", ["reputation"]),
    ("ouder", "Juf Petra heeft mijn zoon voor de hele klas uitgelachen, wat een vreselijk mens",
     ["bullying", "reputation"]),
    ("leerling", "je bent zo mooi, wil je mijn vriendinnetje zijn? niet aan je moeder vertellen hoor", ["sexual"]),
    ("medewerker", "Gezellig, de moeder van Luuk en ik gaan vrijdag samen uit eten, dan bespreken we zijn rapport",
     ["staff_boundary"]),
    ("ouder", "Mijn dochter zegt dat ze thuis niet meer durft te slapen omdat papa zo boos wordt", ["wellbeing"]),
]
AGREEMENTS = [
    ("leerling", "ga toch weg met je stomme kop, niemand wil jou hier", ["bullying"]),
    ("medewerker", "Morgen is de sportdag, neem allemaal een bidon mee.", []),
    ("ouder", "Wat een mooie schoolmusical, complimenten aan alle leerkrachten!", []),
    ("leerling", "ik wil niet meer leven, niemand zou me missen", ["wellbeing"]),
]
SESSION = CORRECTIONS + AGREEMENTS
# Unseen variants of the reviewed reluctance false alarm (none is a near-duplicate of a reviewed text:
# character 5-gram Jaccard at most 0.62 against the 0.8 of the review memory). The laughter false
# alarm ("haha", "haha lol") this test used before is gone from the base model since the slices aa-af.
VARIANTS = ["ik wil niet meer naar judo", "ik wil niet meer naar turnen", "ik wil niet meer naar de tandarts",
            "ik wil niet meer naar de kapper", "ik mag niet meer gamen van mama"]
PROBE = "ik wil niet meer naar judo"


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


def flags(result: dict[str, Any]) -> list[str]:
    return [lab for lab in LABELS if result["labels"][lab]["flagged"]]


def right(scorer: Scorer, cases: list[tuple[str, str, list[str]]]) -> int:
    """How many cases the model alone (no review memory) flags exactly as labelled."""
    results = scorer.score_many([{"text": text, "role": role} for role, text, _ in cases])
    return sum(flags(r) == [lab for lab in LABELS if lab in labels] for r, (_, _, labels) in zip(results, cases,
                                                                                                   strict=True))


def flagged_variants(scorer: Scorer) -> int:
    return sum(bool(flags(r)) for r in scorer.score_many([{"text": t, "role": "leerling"} for t in VARIANTS]))


def served(client, text: str = PROBE, role: str = "leerling") -> dict[str, Any]:
    result = client.post("/v1/score", json={"text": text, "role": role}).json()
    return {"version": result["model_version"], "flags": flags(result), "reviewed": "reviewed" in result,
            "scores": {lab: v["score"] for lab, v in result["labels"].items()}}


def reload(client) -> dict[str, Any]:
    response = client.post("/v1/admin/reload", headers=bearer(ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_mixed_review_session_lands_is_promoted_served_and_rolled_back(registry, small_corpus, tmp_path,
                                                                         monkeypatch, capsys):
    base = active_version(registry)
    base_scorer = Scorer(load_version_dir(registry / base))
    # preconditions: the base model gets a good share of the corrections wrong (at least 4 of 16; it
    # got 8 right before the slices aa-af, 12 since: they taught it more harmless chat and exclusion)
    # and flags most variants (5 of 5 before the wellbeing slices y and z, 3 of 5 since)
    assert right(base_scorer, CORRECTIONS) <= 12
    assert flagged_variants(base_scorer) >= 3
    # the probe: an unseen variant the base model flags
    probe = next(v for v in VARIANTS if flags(base_scorer.score(v, role="leerling")))
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", url)
    with client_for(base_scorer, url, admin_token=ADMIN) as client:
        before = served(client, probe)
        assert before["flags"] and not before["reviewed"]

        _, token = new_token(url, "juf Anna")
        for role, text, labels in SESSION:
            response = client.post("/v1/reviews", json={"text": text, "role": role, "labels": labels},
                                   headers=bearer(token))
            assert response.status_code == 201, response.text
        # the same day, before any retrain: every reviewed draft is answered with the reviewer's labels
        for role, text, labels in SESSION:
            result = client.post("/v1/score", json={"text": text, "role": role}).json()
            assert result["reviewed"]["note"] == "beoordeeld door een reviewer"
            assert flags(result) == [lab for lab in LABELS if lab in labels], text
        assert served(client, probe) == before  # an unseen variant is the model's business

        # the default gate: a session this size holds nothing back (too few to gate), and promotes
        assert main(["retrain", "--corpus", str(small_corpus)]) == 0, capsys.readouterr()
        out = capsys.readouterr().out
        candidate = active_version(registry)
        assert candidate != base and f"GEPROMOVEERD: actief model is nu {candidate}" in out
        assert "recall" in out and "positief" in out and "interval" in out  # per label: change, interval, n
        data = json.loads((registry / candidate / "retrain.json").read_text())
        assert data["promoted"] and data["baseline"] == base and data["source"].startswith("reviewstore")
        assert data["counts"]["reviewed_loaded"] == len(SESSION) and data["counts"]["held_back"] == 0
        assert not data["counts"]["held_back_gates"]
        assert len(data["reviewed_ids"]) == len(SESSION)
        corpus_test = data["gate"]["deltas"]["corpus_test"]
        assert corpus_test["gating"] and all("interval" in corpus_test["labels"][lab]["recall"]
                                             for lab in LABELS if corpus_test["labels"][lab]["support"])
        report = (registry / candidate / "retrain_report.md").read_text()
        assert "**Gepromoveerd**" in report and "McNemar" in report and "Oud fout, nieuw goed" in report
        assert not any(text in report for _, text, _ in SESSION)  # ids and labels only

        # the candidate alone (no memory) has learned the session and generalises the false alarm
        new_scorer = Scorer(load_version_dir(registry / candidate))
        assert right(new_scorer, CORRECTIONS) >= 14
        assert right(new_scorer, AGREEMENTS) == len(AGREEMENTS)
        assert flagged_variants(new_scorer) <= 1

        # nothing new since this retrain: a scheduled run has nothing to do
        assert main(["retrain", "--if-new", "1", "--corpus", str(small_corpus)]) == 0
        assert "Niets te doen: 0 nieuwe beoordeling(en)" in capsys.readouterr().out
        assert active_version(registry) == candidate

        # the service picks the new version up without a restart
        assert served(client, probe)["version"] == base  # still the old one until reloaded
        assert reload(client) == {"model_version": candidate, "previous_version": base, "changed": True}
        after = served(client, probe)
        assert after["version"] == candidate and after["flags"] == []
        assert client.get("/readyz").json()["model_version"] == candidate
        assert f'postwacht_model_info{{version="{candidate}"}} 1.0' in client.get("/metrics").text

        # rollback restores the old version and its behaviour
        assert main(["models", "rollback"]) == 0
        assert active_version(registry) == base
        assert reload(client)["model_version"] == base
        assert served(client, probe) == before


def flipped_reviews(small_corpus: Path, path: Path) -> Path:
    """Every train row of the corpus as a 'reviewed' case with bullying and threat flipped."""
    rows = [r for r in iter_examples(small_corpus, include_augmented=False) if r["split"] == "train"]
    with path.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            labels = sorted(set(r["labels"]) ^ {"bullying", "threat"})
            fh.write(json.dumps({"id": f"r-flip-{i:04d}", "text": r["text"], "role": r["role"], "labels": labels,
                                 "source": "reviewed"}, ensure_ascii=False) + "\n")
    return path


def test_a_candidate_trained_on_flipped_labels_is_refused(registry, small_corpus, tmp_path, capsys,
                                                           monkeypatch):
    base = active_version(registry)
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", url)
    reviews = flipped_reviews(small_corpus, tmp_path / "flipped.jsonl")
    assert main(["retrain", "--reviews", str(reviews), "--corpus", str(small_corpus)]) == 3  # default limits
    out = capsys.readouterr().out
    assert f"NIET GEPROMOVEERD: actief model blijft {base}" in out
    assert "corpus_test: recall van " in out and "McNemar p = " in out  # the reasons, per label, with statistics
    assert "Wat nu:" in out and "beoordeel nog ongeveer" in out  # advice
    assert active_version(registry) == base

    [candidate] = versions(registry) - {base}  # kept for inspection
    data = json.loads((registry / candidate / "retrain.json").read_text())
    assert not data["promoted"] and data["refusal"] and data["advice"]
    # calibration on the (correct) dev split undoes part of the damage, but not all of it
    violated = {(v["frozen_set"], v["label"]) for v in data["gate"]["violations"]}
    # macro-F1 falls credibly on a frozen set (on both before the wellbeing slices y and z; since then the
    # corpus test split's interval reaches zero on the reduced corpus while the functional suite's does not)
    assert {("corpus_test", None), ("functional", None)} & violated
    assert any(label not in (None, "pooled") for _, label in violated)  # and a label's recall, per label
    flipped = data["gate"]["deltas"]["corpus_test"]["labels"]["bullying"]
    assert flipped["lost"] > flipped["gained"] and flipped["recall"]["delta"] < 0  # shown with its figures
    assert all(v["p_value"] < 0.05 for v in data["gate"]["violations"] if v["metric"] == "recall")
    assert data["counts"]["held_back"] >= 30 and data["counts"]["held_back_gates"]  # enough to gate
    assert data["counts"]["corpus_rows_overridden"] > 500  # the reviewer labels replaced the corpus's
    assert "**Niet gepromoveerd**" in (registry / candidate / "retrain_report.md").read_text()
    assert main(["models", "list"]) == 0
    assert "geweigerd door de gate" in capsys.readouterr().out

    # a refused candidate is promoted only on purpose, with a reason that goes to the audit
    assert main(["models", "promote", candidate]) == 1
    assert "--force" in capsys.readouterr().err and active_version(registry) == base
    assert main(["models", "promote", candidate, "--force"]) == 2
    assert active_version(registry) == base
    reason = "proef: de directie wil de kandidaat een dag bekijken"
    assert main(["models", "promote", candidate, "--force", "--reason", reason]) == 0
    assert active_version(registry) == candidate
    note = json.loads((registry / candidate / "promotion.json").read_text())
    assert note["reason"] == reason and note["previous"] == base and note["gate"] == "refused"
    database = Database(url)
    with database.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "model.promote_forced")).all()
        assert event.detail["reason"] == reason and event.detail["version"] == candidate
    database.dispose()


def test_a_retrain_killed_while_training_leaves_the_active_model_and_the_service_intact(
        registry, small_corpus, tmp_path):
    base = active_version(registry)
    before_versions = versions(registry)
    reviews = tmp_path / "slang.jsonl"
    reviews.write_text("".join(json.dumps({"id": f"r-{i}", "text": t, "role": "leerling", "labels": ["bullying"]})
                               + "\n" for i, t in enumerate(t for _, t, _ in SESSION)), encoding="utf-8")
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
