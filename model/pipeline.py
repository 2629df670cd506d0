"""TextAnalyzer: text -> Analysis, shared by training and scoring."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.settings import MAX_SCORE_CHARS
from model.analysis import Analysis, compute_features
from model.lexicons import Lexicon
from model.nlp import build_pipeline
from model.normalize import normalize
from model.pii.analyzer import PiiAnalyzer, default_analyzer


class TextAnalyzer:
    """Holds the spaCy pipeline, the PII recognizers and the lexicon (built once)."""

    def __init__(self, lexicon: Lexicon, pii: PiiAnalyzer | None = None,
                 glue_vocab: frozenset[str] = frozenset()) -> None:
        self.lexicon = lexicon
        self.nlp = build_pipeline(lexicon, glue_vocab)
        health = lexicon["health"].terms if "health" in lexicon else ()
        self.pii = pii or default_analyzer(health)

    def analyze_many(self, texts: Sequence[str], roles: Sequence[str], batch_size: int = 256) -> list[Analysis]:
        """Analyse drafts; text beyond MAX_SCORE_CHARS is not looked at (offsets stay valid)."""
        clipped = [t[:MAX_SCORE_CHARS] for t in texts]
        normalized = [normalize(t) for t in clipped]
        docs = self.nlp.pipe((n.text for n in normalized), batch_size=batch_size)
        out = []
        for text, role, norm, doc in zip(clipped, roles, normalized, docs, strict=True):
            an = Analysis(text=text, role=role, normalized=norm, doc=doc, pii=self.pii.analyze(text))
            compute_features(an, self.lexicon)
            out.append(an)
        return out

    def analyze(self, text: str, role: str) -> Analysis:
        return self.analyze_many([text], [role])[0]
