"""corpus/protocol.yaml holds the seed's 35 articles verbatim and labels.md's label table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus.protocol import get_protocol
from corpus.settings import REPO_ROOT
from corpus.vocabulary import AUTHOR_ROLES, LABELS

SHARED = REPO_ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_60629c431a77804c.txt"
LABELS_MD = SHARED / "guide" / "labels.md"
SECTION_IDS = {
    "Uitgangspunten": "uitgangspunten",
    "Voor alle betrokkenen": "alle-betrokkenen",
    "Voor medewerkers": "medewerkers",
    "Sancties voor medewerkers": "sancties-medewerkers",
    "Voor ouders/verzorgers": "ouders",
    "Voor leerlingen": "leerlingen",
    "Sancties voor ouders/verzorgers en leerlingen": "sancties-ouders-leerlingen",
}


def _norm(text: str) -> str:
    return " ".join(text.split())


def seed_articles() -> dict[str, str]:
    articles, section = {}, None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped in SECTION_IDS:
            section = SECTION_IDS[stripped]
            continue
        m = re.match(r"^(?:- )?(\d+)\.(?:\*\*)?\s+(.*)$", stripped)
        if m and section:
            articles[f"{section}.{m.group(1)}"] = m.group(2)
    return articles


@pytest.mark.skipif(not SEED.exists(), reason="shared/ seed not beside the repo")
def test_every_seed_article_is_present_verbatim() -> None:
    seed = seed_articles()
    protocol = get_protocol()
    assert len(seed) == 35
    assert set(protocol.articles) == set(seed)
    for art_id, text in seed.items():
        assert _norm(protocol.articles[art_id].text) == _norm(text), art_id


def test_every_label_maps_to_existing_articles() -> None:
    protocol = get_protocol()
    for label in LABELS:
        table = protocol.labels[label]["articles"]
        for ids in table.values():
            for art_id in ids:
                assert art_id in protocol.articles, (label, art_id)
        assert protocol.advice_for(label, "medewerker")
    for ids in protocol.sanctions.values():
        assert all(a in protocol.articles for a in ids)


@pytest.mark.skipif(not LABELS_MD.exists(), reason="shared/ guide not beside the repo")
def test_label_table_matches_the_annotation_guide() -> None:
    protocol = get_protocol()
    guide = LABELS_MD.read_text(encoding="utf-8").split("### Which articles", 1)[1]
    rows = [line for line in guide.split("## Hard cases")[0].splitlines() if line.startswith("| `")]
    seen = set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        label = cells[0].strip("`")
        if label not in LABELS:
            continue
        seen.add(label)
        expected = {"every": cells[1], "medewerker": cells[2], "ouder": cells[3], "leerling": cells[4]}
        for key, cell in expected.items():
            ids = re.findall(r"`([a-z-]+\.\d)`", cell)
            assert sorted(ids) == sorted(protocol.labels[label]["articles"].get(key, [])), (label, key)
    assert seen == set(LABELS)


def test_unknown_role_gets_the_articles_of_every_role() -> None:
    protocol = get_protocol()
    union = set()
    for role in AUTHOR_ROLES:
        union.update(protocol.article_ids_for("bullying", role))
    assert set(protocol.article_ids_for("bullying", "onbekend")) == union


def test_protocol_file_lives_in_corpus() -> None:
    assert Path(REPO_ROOT / "corpus" / "protocol.yaml").exists()
