"""What a batch run found: counts per level, label, role and article, errors, highest-risk rows.

Workers summarise their own chunk; the main process merges chunk summaries in input order,
so the summary is the same whatever the engine or the number of workers. Everything here is
bounded (counters over fixed label/article sets and a fixed number of top rows), and the
state is plain JSON so that it can sit in the resume sidecar.

Top rows carry evidence for the coordinator's report with personal data replaced by its
placeholder ([TELEFOONNUMMER]); nothing here is ever logged.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from corpus.vocabulary import LABELS, LEVELS, PII_PLACEHOLDER, PII_TYPES
from serve.batch.limits import MAX_ERROR_KINDS, SCORE_BINS, TOP_EVIDENCE, TOP_EXCERPT_CHARS, TOP_ROWS

LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
OTHER_ERRORS = "overig (other)"


def error_kind(message: str) -> str:
    """The kind of an error, without values from the row (a bad role may hold draft text)."""
    if message.startswith("Onbekende rol"):
        return "Onbekende rol. (Unknown role.)"
    return message[:160]


def _top_key(row: dict[str, Any]) -> tuple[int, float, int]:
    return (-LEVEL_RANK.get(row["level"], 0), -float(row["risk"]), int(row["row"]))


def _evidence(result: dict[str, Any], flagged: list[str]) -> list[dict[str, str]]:
    findings = result.get("findings") or []
    pii = [(f["start"], f["end"]) for f in findings if f.get("type") in PII_TYPES]
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        if f.get("label") not in flagged:
            continue
        if f.get("type") in PII_TYPES:
            if f.get("severity") == "laag":
                continue  # the author's own details, or personal_info not flagged
            quote = f"[{PII_PLACEHOLDER.get(f['type'], f['type'].upper())}]"
        elif any(s < f["end"] and f["start"] < e for s, e in pii):
            quote = "[…]"
        else:
            quote = str(f.get("text", ""))[:80]
        key = (f["label"], quote)
        if key in seen:
            continue
        seen.add(key)
        out.append({"label": f["label"], "type": str(f.get("type")), "quote": quote,
                    "explanation": str(f.get("explanation", ""))})
        if len(out) >= TOP_EVIDENCE:
            break
    return out


def top_row(number: int, result: dict[str, Any]) -> dict[str, Any]:
    labels = result.get("labels") or {}
    flagged = [lab for lab in LABELS if (labels.get(lab) or {}).get("flagged")]
    return {
        "row": number, "id": result.get("id"), "role": result.get("role"), "level": result["level"],
        "risk": float(result["risk"]), "labels": flagged,
        "articles": [a["id"] for a in result.get("articles") or []],
        "evidence": _evidence(result, flagged),
        "excerpt": (result.get("redacted_text") or "")[:TOP_EXCERPT_CHARS],
    }


class Summary:
    """Running counts of a batch run; `merge` adds another (later) part of the same run."""

    def __init__(self) -> None:
        self.rows = 0
        self.errors = 0
        self.levels: Counter[str] = Counter()
        self.roles: Counter[str] = Counter()
        self.labels: Counter[str] = Counter()
        self.label_levels: dict[str, Counter[str]] = {lab: Counter() for lab in LABELS}
        self.score_hist: dict[str, list[int]] = {lab: [0] * SCORE_BINS for lab in LABELS}
        self.articles: Counter[str] = Counter()
        self.error_kinds: Counter[str] = Counter()
        self.model_versions: Counter[str] = Counter()
        self.top: list[dict[str, Any]] = []

    # ---- adding ------------------------------------------------------------------------------
    def add_result(self, number: int, result: dict[str, Any]) -> None:
        self.rows += 1
        if result.get("model_version"):
            self.model_versions[str(result["model_version"])] += 1
        if result.get("error"):
            self.errors += 1
            self._count_error(error_kind(str(result["error"])), 1)
            return
        level = str(result.get("level"))
        self.levels[level] += 1
        self.roles[str(result.get("role"))] += 1
        labels = result.get("labels") or {}
        for lab in LABELS:
            entry = labels.get(lab)
            if not entry:
                continue
            b = min(SCORE_BINS - 1, max(0, int(float(entry["score"]) * SCORE_BINS)))
            self.score_hist[lab][b] += 1
            if entry["flagged"]:
                self.labels[lab] += 1
                self.label_levels[lab][level] += 1
        for art in result.get("articles") or []:
            self.articles[art["id"]] += 1
        if level != "geen" and result.get("risk") is not None:
            self.top.append(top_row(number, result))
            if len(self.top) > 2 * TOP_ROWS:
                self._trim()

    def _count_error(self, kind: str, n: int) -> None:
        if kind not in self.error_kinds and len(self.error_kinds) >= MAX_ERROR_KINDS:
            kind = OTHER_ERRORS
        self.error_kinds[kind] += n

    def _trim(self) -> None:
        self.top.sort(key=_top_key)
        del self.top[TOP_ROWS:]

    def merge(self, other: Summary) -> None:
        self.rows += other.rows
        self.errors += other.errors
        self.levels.update(other.levels)
        self.roles.update(other.roles)
        self.labels.update(other.labels)
        for lab in LABELS:
            self.label_levels[lab].update(other.label_levels[lab])
            self.score_hist[lab] = [a + b for a, b in zip(self.score_hist[lab], other.score_hist[lab],
                                                           strict=True)]
        self.articles.update(other.articles)
        for kind, n in other.error_kinds.items():
            self._count_error(kind, n)
        self.model_versions.update(other.model_versions)
        self.top.extend(other.top)
        self._trim()

    # ---- reading -------------------------------------------------------------------------------
    @property
    def scored(self) -> int:
        return self.rows - self.errors

    def top_rows(self) -> list[dict[str, Any]]:
        self._trim()
        return list(self.top)

    def top_articles(self, n: int = 10) -> list[tuple[str, int]]:
        return sorted(self.articles.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    # ---- state ---------------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        self._trim()
        return {
            "rows": self.rows, "errors": self.errors, "levels": dict(self.levels), "roles": dict(self.roles),
            "labels": dict(self.labels), "label_levels": {k: dict(v) for k, v in self.label_levels.items()},
            "score_hist": self.score_hist, "articles": dict(self.articles),
            "error_kinds": dict(self.error_kinds), "model_versions": dict(self.model_versions),
            "top": self.top,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Summary:
        s = cls()
        s.rows = int(state["rows"])
        s.errors = int(state["errors"])
        s.levels = Counter(state["levels"])
        s.roles = Counter(state["roles"])
        s.labels = Counter(state["labels"])
        for lab in LABELS:
            s.label_levels[lab] = Counter(state["label_levels"].get(lab, {}))
            hist = state["score_hist"].get(lab)
            if hist and len(hist) == SCORE_BINS:
                s.score_hist[lab] = [int(x) for x in hist]
        s.articles = Counter(state["articles"])
        s.error_kinds = Counter(state["error_kinds"])
        s.model_versions = Counter(state.get("model_versions", {}))
        s.top = list(state["top"])
        return s


def render_text(summary: Summary, elapsed: float | None = None, new_rows: int | None = None) -> str:
    """The end-of-run summary for the terminal: counts only, never draft text."""
    from corpus.protocol import get_protocol

    protocol = get_protocol()
    lines = []
    head = f"Rijen: {summary.rows}   gescoord: {summary.scored}   fouten: {summary.errors}"
    if elapsed is not None and new_rows is not None:
        rate = new_rows / elapsed if elapsed > 0 else 0.0
        head += f"   (deze run: {new_rows} rijen in {elapsed:.1f} s, {rate:.0f} rijen/s)"
    lines.append(head)
    lines.append("Niveau:  " + "  ".join(f"{lvl} {summary.levels.get(lvl, 0)}" for lvl in LEVELS))
    lines.append("Labels (gemarkeerd):")
    width = max(len(protocol.label_name(lab)) for lab in LABELS)
    for lab in LABELS:
        by_level = summary.label_levels[lab]
        detail = ", ".join(f"{lvl} {by_level[lvl]}" for lvl in LEVELS if by_level.get(lvl))
        lines.append(f"  {protocol.label_name(lab):<{width}}  {lab:<15} {summary.labels.get(lab, 0):>8}"
                     + (f"   ({detail})" if detail else ""))
    top = summary.top_articles()
    if top:
        lines.append("Meest geraakte artikelen:")
        for art_id, n in top:
            art = protocol.articles.get(art_id)
            where = f"{art.section}, artikel {art.number}" if art else ""
            lines.append(f"  {art_id:<32} {n:>8}   {where}")
    if summary.error_kinds:
        lines.append("Fouten:")
        for kind, n in summary.error_kinds.most_common():
            lines.append(f"  {n:>8}  {kind}")
    return "\n".join(lines)
