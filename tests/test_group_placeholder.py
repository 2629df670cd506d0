"""A group term alone is not evidence: the group placeholder's own columns carry no weight in any
label model, and the length of a text is no feature (both were shortcuts the corpus taught)."""

from __future__ import annotations

import numpy as np

from model.classifier import is_bare_placeholder


def test_bare_placeholder_columns_are_the_placeholders_own() -> None:
    for name in ("words__xgroepx", "words__neg_xgroepx", "words__q_xgroepx", "chars__ xgr", "chars__oepx ",
                 "chars__XGRO", "chars__x "):
        assert is_bare_placeholder(name), name
    # what is said about the group still counts, and ordinary words keep their n-grams
    for name in ("words__xgroepx zijn", "words__vieze xgroepx", "chars__groep", "chars__box ", "chars__ xbox",
                 "chars__thx ", "evidence__ev:lex=protected_groups"):
        assert not is_bare_placeholder(name), name


def test_trained_models_give_the_placeholder_no_weight(scorer) -> None:  # type: ignore[no-untyped-def]
    model = scorer.model
    names = model.features.get_feature_names_out()
    cols = [i for i, n in enumerate(names) if is_bare_placeholder(n)]
    assert cols, "the placeholder has columns in the vocabulary"
    for lab, lm in model.label_models.items():
        assert np.all(lm.coef[cols] == 0.0), lab
    assert not any(n.endswith("log_length") for n in names)


def test_a_group_term_alone_does_not_move_a_neutral_sentence(scorer) -> None:  # type: ignore[no-untyped-def]
    groups = ["moslims", "joden", "Polen", "homo's", "vluchtelingen", "Friezen", "mensen met een beperking"]
    results = scorer.score_many([{"id": i, "text": f"Bij ons in de straat wonen ook {g}.", "role": "ouder"}
                                 for i, g in enumerate(groups)])
    for res in results:
        assert not [lab for lab, v in res["labels"].items() if v["flagged"]], res
    spread = max(max(r["labels"][lab]["score"] for r in results) - min(r["labels"][lab]["score"] for r in results)
                 for lab in results[0]["labels"])
    assert spread <= 0.1
