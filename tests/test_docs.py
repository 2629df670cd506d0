"""The project carries its own definitions: docs/labels.md and docs/protocol.md are generated from
the label specs and the protocol and must be up to date; docs/interface.md matches the code; the
README links inside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus.protocol import annotation_protocol
from corpus.vocabulary import LABEL_SPECS, LABELS, PII_TYPES
from model import Scorer
from model.result import ScoreResult
from postwacht.cli import main
from postwacht.commands.docs import GENERATED, render_all, render_labels, stale

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_committed_generated_docs_are_up_to_date() -> None:
    assert stale() == [], "run `postwacht docs build` and commit docs/"


def test_docs_check_notices_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "build", "--dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GENERATED)
    assert main(["docs", "check", "--dir", str(tmp_path)]) == 0
    labels = tmp_path / "labels.md"
    labels.write_text(labels.read_text(encoding="utf-8").replace("Zorgsignaal", "Iets anders"), encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "labels.md" in err and "postwacht docs build" in err and "(Run `postwacht docs build`" in err


def test_labels_doc_follows_the_specs_and_the_protocol() -> None:
    protocol = annotation_protocol()
    text = render_labels(protocol)
    for spec in LABEL_SPECS.values():
        assert f"| `{spec.id}` | {spec.name} | {spec.severity} |" in text
    # the label -> article table of the shared annotation guide, from the protocol file
    assert ("| `bullying` | `alle-betrokkenen.3` | `medewerkers.1`, `medewerkers.5` | `ouders.4`, `ouders.6` "
            "| `leerlingen.1` |") in text
    assert "| `wellbeing` | `alle-betrokkenen.4` |  |  | `leerlingen.5` |" in text
    for pii in PII_TYPES:
        assert f"| `{pii}` |" in text
    # a change in the data shows up in the generated text
    protocol.labels["bullying"]["articles"]["ouder"].append("ouders.7")
    try:
        changed = render_labels(protocol)
    finally:
        protocol.labels["bullying"]["articles"]["ouder"].remove("ouders.7")
    assert changed != text and "`ouders.4`, `ouders.6`, `ouders.7`" in changed


def test_protocol_doc_has_every_article_verbatim() -> None:
    protocol = annotation_protocol()
    text = render_all()["protocol.md"]
    flat = " ".join(text.split())
    for article in protocol.articles.values():
        assert f"**`{article.id}`**" in text
        assert " ".join(article.text.split()) in flat
    for role, message in protocol.escalation.items():
        assert " ".join(message.split()) in flat, role


def test_interface_example_is_a_valid_result_and_names_every_field(scorer: Scorer) -> None:
    text = (DOCS / "interface.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)\n```", text, re.S).group(1))
    ScoreResult.model_validate(example)
    assert set(example["labels"]) == set(LABELS)
    real = scorer.score("Jij bent een sukkel, bel 0612345678", role="leerling")
    for field in real:
        assert f"`{field}`" in text, f"docs/interface.md does not describe `{field}`"
    assert set(real) <= set(example)


def test_interface_lists_every_http_path(scorer: Scorer) -> None:
    from serve.http.app import create_app

    text = (DOCS / "interface.md").read_text(encoding="utf-8")
    paths = create_app(scorer=scorer).openapi()["paths"]
    for path in paths:
        documented = re.sub(r"\{[^}]+\}", "{id}", path)
        assert re.search(re.escape(documented) + r"[`\s]", text), f"{path} is not in docs/interface.md"


def test_readme_links_stay_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "shared/guide" not in readme
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), f"README links to {target}, which the repository does not have"
    for doc in ("docs/labels.md", "docs/protocol.md", "docs/interface.md"):
        assert f"({doc})" in readme


def test_docs_link_to_files_that_exist() -> None:
    for doc in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_the_lexicon_readme_gives_each_categorys_true_size():
    import re

    from model.lexicons import load_lexicon

    lexicon = load_lexicon()
    rows = 0
    for line in (ROOT / "corpus" / "lexicons" / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `[^`]+` \| `([^`]+)` \| [^|]* \| (\d+) \|", line)
        if m and m.group(1) in lexicon:
            rows += 1
            assert int(m.group(2)) == len(lexicon[m.group(1)].terms), m.group(1)
    assert rows >= 10
