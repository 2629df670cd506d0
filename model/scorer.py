"""The Python API every way in uses (CLI, batch, HTTP): draft -> result object.

    from model import load_scorer
    scorer = load_scorer()                       # active model, loaded once
    result = scorer.score("tekst", role="ouder")  # dict as in shared/guide/interface.md
    results = scorer.score_many([{"id": "1", "text": "...", "role": "leerling"}])
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.protocol import Protocol, UnknownSchoolError, annotation_protocol, get_protocol
from corpus.settings import (
    FILLER_MAX_TYPES,
    FILLER_MIN_TOKENS,
    FLAG_LEVEL,
    LEVEL_CUTS,
    NEAR_THRESHOLD,
    SEVERITY_WEIGHT,
)
from corpus.vocabulary import (
    LABEL_SPECS,
    LABELS,
    PII_PLACEHOLDER,
    InvalidRoleError,
    check_role,
    labels_with,
)
from model.analysis import Analysis
from model.artifacts import ModelBundle, load_active, load_version_dir
from model.classifier import MultiLabelModel
from model.explain import Explainer
from model.explanations import MODEL_EVIDENCE, TARGETED_INSULT, pii_explanation
from model.inference import calibrated, label_margins
from model.lexicons import categories_of_kind
from model.pii.deduce_names import get_deduce
from model.pipeline import TextAnalyzer

log = logging.getLogger("postwacht.scorer")


class ScoringError(ValueError):
    """A draft that cannot be scored (not text, bad role). Message is safe to show users."""


def _round(x: float) -> float:
    return float(round(float(x), 4))


class Scorer:
    """A loaded model plus everything needed to turn drafts into result objects."""

    def __init__(self, bundle: ModelBundle, protocol: Protocol | None = None) -> None:
        self.bundle = bundle
        self.model: MultiLabelModel = bundle.model
        self.version = bundle.version
        self.protocol = protocol or get_protocol()
        self.analyzer = TextAnalyzer(bundle.lexicon, glue_vocab=bundle.glue_vocab)
        self.explainer = Explainer(self.model)
        # result columns are every label of the specs; a label the model was not trained on (an
        # older model after a label was added) scores 0 and is never flagged
        self.label_index = {lab: j for j, lab in enumerate(LABELS)}
        self.thresholds = np.array([self.model.label_models[lab].threshold if lab in self.model.label_models
                                    else np.inf for lab in LABELS])
        self.insult_categories = categories_of_kind(self.analyzer.lexicon, "insult")
        # the label whose PII spans are findings (personal_info), the one with a sub-article model
        self.pii_label = next(iter(labels_with("pii_findings")), None)
        self.sub_label = next(iter(labels_with("sub_articles")), None)

    # ---- public API -------------------------------------------------------------------
    def score(self, text: object, role: object = None, id: object = None, school: str | None = None
              ) -> dict[str, Any]:
        """Score one draft. Raises ScoringError for input that is not a draft."""
        result = self.score_many([{"id": id, "text": text, "role": role, "school": school}])[0]
        if result["error"]:
            raise ScoringError(result["error"])
        return result

    def score_many(self, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Score many drafts; one result per item, in order. A bad item gets `error` set."""
        items = list(items)
        results: list[dict[str, Any] | None] = [None] * len(items)
        ok_idx, texts, roles, protocols = [], [], [], []
        for i, item in enumerate(items):
            try:
                text, role = self._validate(item)
                protocol = self._protocol_for(item)
            except ScoringError as exc:
                results[i] = error_result(item.get("id") if isinstance(item, dict) else None,
                                          item.get("role") if isinstance(item, dict) else None,
                                          str(exc), self.version)
                continue
            ok_idx.append(i)
            texts.append(text)
            roles.append(role)
            protocols.append(protocol)
        if ok_idx:
            t0 = time.perf_counter()
            for i, res in zip(ok_idx, self._score_valid(texts, roles, protocols), strict=True):
                res["id"] = _id_value(items[i].get("id"))
                results[i] = res
            log.debug("scored n=%d chars=%d in %.1f ms", len(texts), sum(map(len, texts)),
                      (time.perf_counter() - t0) * 1000)
        return [r for r in results if r is not None]

    # ---- internals --------------------------------------------------------------------
    @staticmethod
    def _validate(item: object) -> tuple[str, str]:
        if not isinstance(item, dict):
            raise ScoringError("Invoer moet een object met 'text' zijn. (Input must be an object with 'text'.)")
        text = item.get("text")
        if text is None:
            raise ScoringError("Tekst ontbreekt. (Missing 'text'.)")
        if not isinstance(text, str):
            raise ScoringError("Tekst moet een string zijn. ('text' must be a string.)")
        try:
            role = check_role(item.get("role"))
        except InvalidRoleError as exc:
            raise ScoringError(str(exc)) from exc
        # lone surrogates cannot be encoded; replace them so offsets stay the same length
        if any("\ud800" <= c <= "\udfff" for c in text):
            text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
        return text, role

    def _protocol_for(self, item: dict[str, Any]) -> Protocol:
        school = item.get("school")
        if school in (None, ""):
            return self.protocol
        if not isinstance(school, str):
            raise ScoringError("'school' moet een tekst zijn. ('school' must be a string.)")
        try:
            return get_protocol(school)
        except UnknownSchoolError as exc:
            raise ScoringError(str(exc)) from exc

    def analyses(self, texts: Sequence[str], roles: Sequence[str]) -> list[Analysis]:
        return self.analyzer.analyze_many(texts, roles)

    def probabilities(self, analyses: Sequence[Analysis]) -> tuple[np.ndarray, Any]:
        """Calibrated probabilities (n, len(LABELS)) in the order of LABELS, and the feature rows."""
        margins, X = label_margins(self.model, self.analyzer, analyses)
        model_probs = calibrated(self.model, margins, analyses)
        if tuple(self.model.labels) == LABELS:
            return model_probs, X
        probs = np.zeros((len(analyses), len(LABELS)))
        for j, lab in enumerate(self.model.labels):
            if lab in self.label_index:
                probs[:, self.label_index[lab]] = model_probs[:, j]
        return probs, X

    def _score_valid(self, texts: Sequence[str], roles: Sequence[str], protocols: Sequence[Protocol]
                     ) -> list[dict[str, Any]]:
        analyses = self.analyses(texts, roles)
        probs, X = self.probabilities(analyses)
        for i, an in enumerate(analyses):
            if self.is_filler(an):
                probs[i] = 0.0
        sub_kinds: dict[int, list[str]] = {}
        if self.sub_label is not None and self.model.boundary is not None:
            j = self.label_index[self.sub_label]
            flagged_any = [i for i in range(len(analyses))
                           if probs[i, j] >= self.thresholds[j]]
            if flagged_any:
                # the sub-model predicts article ids of the annotation protocol; keep their kinds
                annotation = annotation_protocol()
                for i, ids in zip(flagged_any, self.model.boundary.predict(X[flagged_any]), strict=True):
                    sub_kinds[i] = [k for k in (annotation.sub_article_kind(self.sub_label, a) for a in ids) if k]
        return [self._result(an, probs[i], sub_kinds.get(i), protocols[i])
                for i, an in enumerate(analyses)]

    def is_filler(self, an: Analysis) -> bool:
        """No message at all: no word, or many words (or letters: "xxxx…", "hahaha…") of one or two
        kinds without any lexicon hit that belongs to a label (corpus/settings.py FILLER_*)."""
        words = [an.tok_text[i] for i in an.word_tokens]
        if not words:
            return True
        letters = "".join(words).lower()
        few_words = len(words) < FILLER_MIN_TOKENS or len(set(words)) > FILLER_MAX_TYPES
        few_letters = len(letters) < FILLER_MIN_TOKENS or len(set(letters)) > FILLER_MAX_TYPES
        if few_words and few_letters:
            return False
        lex = self.analyzer.lexicon
        return not any((cat := lex.get(ev.category)) is not None and cat.label in LABELS
                       for ev in an.doc._.evidence or [])

    def _result(self, an: Analysis, prob: np.ndarray, sub_kinds: list[str] | None,
                protocol: Protocol) -> dict[str, Any]:
        labels: dict[str, dict[str, Any]] = {}
        flagged: list[str] = []
        for lab in LABELS:
            p = float(prob[self.label_index[lab]])
            is_flagged = p >= self.thresholds[self.label_index[lab]]
            labels[lab] = {"score": _round(p), "flagged": bool(is_flagged)}
            if is_flagged:
                flagged.append(lab)

        findings = self._pii_findings(an, self.pii_label in flagged)
        for lab in flagged:
            findings.extend(self._label_findings(an, lab))
        findings.sort(key=lambda f: (f["start"], f["end"]))

        articles = self._articles(flagged, an.role, sub_kinds, protocol)
        consequences = []
        if flagged:
            for art_id in protocol.consequence_ids_for(an.role):
                art = protocol.articles[art_id]
                consequences.append({"id": art.id, "section": art.section, "number": art.number,
                                     "text": art.text})
        advice = [a for a in (protocol.advice_for(lab, an.role) for lab in flagged) if a]
        risk, level = self._risk_level(prob, flagged, findings)
        # someone besides the author must act (alle-betrokkenen.4): a flagged label whose spec
        # escalates (wellbeing), or one that escalates at level hoog (threat, sexual)
        escalate = any(LABEL_SPECS[lab].escalates or (LABEL_SPECS[lab].escalates_at_high and level == "hoog")
                       for lab in flagged)
        return {
            "id": None,
            "role": an.role,
            "risk": _round(risk),
            "level": level,
            "labels": labels,
            "escalate": escalate,
            "escalation": protocol.escalation_for(an.role) if escalate else None,
            "findings": findings,
            "articles": articles,
            "consequences": consequences,
            "advice": advice,
            "redacted_text": redact(an.text, an.pii),
            "model_version": self.version,
            "error": None,
        }

    def _pii_findings(self, an: Analysis, personal_info_flagged: bool) -> list[dict[str, Any]]:
        """Every PII span is a finding, so the redacted copy can hide it. It supports the PII label
        only when that label is flagged and the data is someone else's; the author's own data is a
        low-severity finding, and anything else (a bare first name in a harmless post) is
        informational: `label: null`, `severity: info`, and it never raises the level."""
        out = []
        for span in an.pii:
            if span.owner == "author":
                label, severity = None, "laag"
            elif personal_info_flagged:
                label, severity = self.pii_label, "midden" if span.type == "person_name" else "hoog"
            else:
                label, severity = None, "info"
            out.append({
                "label": label, "type": span.type, "start": int(span.start), "end": int(span.end),
                "text": an.text[span.start:span.end], "explanation": pii_explanation(span.type, span.owner),
                "owner": span.owner, "severity": severity, "source": span.recognizer,
            })
        return out

    def _label_findings(self, an: Analysis, label: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        taken: list[tuple[int, int]] = []
        lex = self.analyzer.lexicon
        targeted = an.features.get("insult_plain_targeted", 0.0) > 0
        shown = LABEL_SPECS[label].shown_evidence
        severity = FLAG_LEVEL[LABEL_SPECS[label].severity]  # a lexicon hit weighs like its label
        for ev in an.doc._.evidence or []:
            cat = lex.get(ev.category)
            if cat is None or cat.label != label or ev.category not in shown:
                continue
            if any(t in an.negated_tokens for t in range(ev.start, ev.end)):
                continue
            s, e = an.token_spans[ev.start][0], an.token_spans[ev.end - 1][1]
            if e <= s or any(not (e <= ts or s >= te) for ts, te in taken):
                continue
            explanation = shown[ev.category]
            if ev.category in self.insult_categories and targeted:
                explanation = TARGETED_INSULT
            out.append({"label": label, "type": ev.category, "start": int(s), "end": int(e), "text": an.text[s:e],
                        "explanation": explanation, "severity": severity, "source": "lexicon"})
            taken.append((s, e))
        lm = self.model.label_models[label]
        name = LABEL_SPECS[label].name
        for s, e, w in self.explainer.top_spans(an, lm):
            if any(not (e <= ts or s >= te) for ts, te in taken):
                continue
            out.append({"label": label, "type": "model", "start": int(s), "end": int(e), "text": an.text[s:e],
                        "severity": "laag",
                        "explanation": MODEL_EVIDENCE.format(label=name.lower()), "weight": _round(w),
                        "source": "model"})
            taken.append((s, e))
        return out

    def _articles(self, flagged: list[str], role: str, sub_kinds: list[str] | None, protocol: Protocol
                  ) -> list[dict[str, Any]]:
        by_id: dict[str, list[str]] = {}
        for lab in flagged:
            if LABEL_SPECS[lab].sub_articles:
                by_kind = protocol.sub_article_by_kind(lab)
                kinds = [k for k in (sub_kinds or []) if k in by_kind] or list(by_kind)[:1]
                ids = [by_kind[k] for k in kinds]
            else:
                ids = protocol.article_ids_for(lab, role)
            for art_id in ids:
                by_id.setdefault(art_id, []).append(lab)
        order = list(protocol.articles)
        out = []
        for art_id in sorted(by_id, key=order.index):
            art = protocol.articles[art_id]
            out.append({"id": art.id, "section": art.section, "number": art.number, "text": art.text,
                        "labels": by_id[art_id]})
        return out

    def _risk_level(self, prob: np.ndarray, flagged: list[str], findings: list[dict[str, Any]]
                    ) -> tuple[float, str]:
        """`risk` and `level` agree by construction: the level is the band of the risk
        (corpus/settings.py LEVEL_CUTS). A flagged label lifts the risk at least to its severity's
        floor band; with nothing flagged the level is `geen`, or `laag` when a label came close
        to its threshold. Findings never raise the level on their own."""
        weighted = {lab: float(prob[self.label_index[lab]]) * SEVERITY_WEIGHT[LABEL_SPECS[lab].severity]
                    for lab in LABELS}
        if flagged:
            risk = max(weighted[lab] for lab in flagged)
            floor = "hoog" if any(FLAG_LEVEL[LABEL_SPECS[lab].severity] == "hoog" for lab in flagged) \
                or len(flagged) >= 2 else "midden"
            risk = max(risk, band_floor(floor))
        else:
            risk = max(weighted.values()) if weighted else 0.0
            near = bool((prob >= NEAR_THRESHOLD * self.thresholds).any())
            top = band_floor("midden") - 0.001 if near else band_floor("laag") - 0.001
            risk = min(risk, top)
        return risk, level_for_risk(risk)


def band_floor(level: str) -> float:
    """The lowest risk of a level's band."""
    return dict(LEVEL_CUTS).get(level, 0.0)


def level_for_risk(risk: float) -> str:
    """The fixed bands: geen < 0.2 <= laag < 0.45 <= midden < 0.75 <= hoog (corpus/settings.py)."""
    for name, cut in LEVEL_CUTS:
        if risk >= cut:
            return name
    return "geen"


def _id_value(value: object) -> object:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def error_result(id_: object, role: object, message: str, version: str | None) -> dict[str, Any]:
    """The result row for input that could not be scored: no scores, error set."""
    return {
        "id": _id_value(id_), "role": role if isinstance(role, str) else None, "risk": None, "level": None,
        "labels": None, "escalate": False, "escalation": None, "findings": [], "articles": [], "consequences": [], "advice": [],
        "redacted_text": None, "model_version": version, "error": message,
    }


def redact(text: str, spans: Sequence[Any]) -> str:
    """Replace every PII span with [TYPE] (Dutch placeholder)."""
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < last:
            continue
        out.append(text[last:span.start])
        out.append(f"[{PII_PLACEHOLDER.get(span.type, span.type.upper())}]")
        last = span.end
    out.append(text[last:])
    return "".join(out)


_SCORERS: dict[str, Scorer] = {}


def load_scorer(version_dir: Path | None = None) -> Scorer:
    """The scorer for a model version directory (default: the active one), loaded once per process."""
    key = str(version_dir) if version_dir else "<active>"
    if key not in _SCORERS:
        get_deduce()  # loads and freezes deduce's lookup structures first
        enabled = gc.isenabled()
        gc.disable()
        try:
            bundle = load_version_dir(version_dir) if version_dir else load_active()
            _SCORERS[key] = Scorer(bundle)
        finally:
            if enabled:
                gc.enable()
        gc.freeze()  # long-lived model objects: keep them out of every later GC pass
    return _SCORERS[key]
