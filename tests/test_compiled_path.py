"""The scorer's fast path computes what scikit-learn's fitted estimators compute: the compiled
feature union gives the same matrix as FeatureUnion.transform, the stacked margins those of each
label model, the Platt probabilities those of CalibratedClassifierCV.predict_proba; and a sentence
window cut from the draft's analysis decides as a window analysed on its own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from corpus.dataset import load_split
from model.windows import sentence_windows, window_analysis

TEXTS = [
    "Hoi Daan, kom je morgen voetballen na school? 😀",
    "jij bent echt een sukkel en niemand wil jou in de groep haha",
    "Juf Annemiek de Vries stuurde de foto's van groep 7b door naar alle ouders.",
    "a",
    "",
    "kankerrrr mongool!!! ga gewoon dood",
    "Mijn nummer is 06-12345678, bel me maar.",
    "漢字漢字 ꙮꙮ",  # words without a single known n-gram
]


@pytest.fixture(scope="module")
def analyses(scorer):
    rows = [ex for ex in load_split("test")][:300]
    texts = TEXTS + [ex["text"] for ex in rows]
    roles = ["ouder"] * len(TEXTS) + [ex["role"] for ex in rows]
    return scorer.analyzer.analyze_many(texts, roles)


def test_compiled_features_equal_the_fitted_union(scorer, analyses):
    expected = sparse.csr_matrix(scorer.model.features.transform(analyses))
    got = scorer.model.transform(analyses)
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-12
    # and a second time, from the per-word cache
    assert abs(scorer.model.transform(analyses) - expected).max() < 1e-12


def test_stacked_margins_equal_each_label_model(scorer, analyses):
    X = scorer.model.transform(analyses)
    stacked = scorer.model.margins(X)
    for j, lab in enumerate(scorer.model.labels):
        np.testing.assert_allclose(stacked[:, j], scorer.model.label_models[lab].margin(X), atol=1e-12)


def test_platt_probabilities_equal_calibrated_classifier(scorer):
    margins = np.linspace(-8, 8, 101)
    for lab, lm in scorer.model.label_models.items():
        if lm.calibrator is None:
            continue
        expected = lm.calibrator.predict_proba(margins.reshape(-1, 1))[:, 1]
        np.testing.assert_allclose(lm.probability(margins), expected, atol=1e-12, err_msg=lab)


def test_a_window_cut_from_the_draft_decides_as_the_window_analysed_alone(scorer):
    long_texts = [ex["text"] for ex in load_split("test") if len(ex["text"]) > 400][:40]
    assert long_texts
    cut, alone = [], []
    for an in scorer.analyzer.analyze_many(long_texts, ["ouder"] * len(long_texts)):
        for s, e in sentence_windows(an.text):
            sub = window_analysis(an, s, e, scorer.analyzer.lexicon)
            assert sub.text == an.text[s:e]
            for span in sub.pii:  # offsets are the window's own
                assert sub.text[span.start:span.end] == span.text
            cut.append(sub)
            alone.append(scorer.analyzer.analyze(an.text[s:e], "ouder"))
    margins_cut = scorer.model.margins(scorer.model.transform(cut))
    margins_alone = scorer.model.margins(scorer.model.transform(alone))
    thresholds = np.array([scorer.model.label_models[lab].threshold for lab in scorer.model.labels])
    flags_cut = np.column_stack([scorer.model.label_models[lab].probability(margins_cut[:, j])
                                 for j, lab in enumerate(scorer.model.labels)]) >= thresholds
    flags_alone = np.column_stack([scorer.model.label_models[lab].probability(margins_alone[:, j])
                                   for j, lab in enumerate(scorer.model.labels)]) >= thresholds
    # the two differ only where the draft's context decides (a name's owner, a quote opened
    # before the window): at most a few windows in a hundred
    assert (flags_cut != flags_alone).any(axis=1).mean() <= 0.03


def test_array_lemmatizer_gives_spacys_lookup_lemmas(scorer):
    import spacy

    reference = spacy.blank("nl")
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    texts = TEXTS + [ex["text"] for ex in load_split("test")][:200]
    ours = scorer.analyzer.nlp
    for text in texts:
        doc = ours.make_doc(text)
        for _, proc in ours.pipeline:
            if proc.__class__.__name__ == "LookupLemmatizer":
                doc = proc(doc)
        assert [t.lemma_ for t in doc] == [t.lemma_ for t in reference(text)]


def test_name_matcher_finds_exactly_deduces_annotations():
    import json

    from corpus.settings import REPO_ROOT
    from model.pii.deduce_names import get_deduce, get_name_matcher

    texts = TEXTS + [ex["text"] for ex in load_split("test")][:400]
    realnl = REPO_ROOT.parent / "shared" / "data" / "realnl-dev.jsonl"
    if realnl.exists():
        with realnl.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh][:300]
    deduce, matcher = get_deduce(), get_name_matcher()
    found = 0
    for text in texts:
        expected = sorted((int(a.start_char), int(a.end_char), a.text, a.tag) for a in deduce.deidentify(text).annotations)
        got = sorted(matcher.annotations(text))
        assert got == expected, text
        found += len(got)
    assert found > 50  # the texts do hold names


def test_all_labels_probabilities_equal_each_label_model(scorer):
    margins = np.random.default_rng(0).normal(0, 4, size=(50, len(scorer.model.labels)))
    together = scorer.model.probabilities(margins)
    for j, lab in enumerate(scorer.model.labels):
        np.testing.assert_allclose(together[:, j], scorer.model.label_models[lab].probability(margins[:, j]),
                                   atol=1e-12, err_msg=lab)
