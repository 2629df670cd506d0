"""Dutch explanations shown to users for findings. Texts for lexicon evidence live in the label
specs (`shown_evidence` in corpus/labels/<label>.yaml); these are the generic ones."""

from __future__ import annotations

from corpus.vocabulary import PII_NAME_NL

TARGETED_INSULT = "Scheldwoord gericht aan een persoon"
MODEL_EVIDENCE = "Woorden die voor het model op {label} wijzen"


def pii_explanation(pii_type: str, owner: str) -> str:
    name = PII_NAME_NL.get(pii_type, pii_type)
    if owner == "author":
        return f"{name} (lijkt van jezelf; delen mag als je dat wilt)"
    return f"{name} van een ander"
