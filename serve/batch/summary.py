"""What a batch run found: counts per level, label, role and article, errors, highest-risk rows.

Workers summarise their own chunk; the main process merges chunk summaries in input order,
so the summary is the same whatever the engine or the number of workers. Everything here is
bounded (counters over fixed label/article sets and a fixed number of top rows), and the
state is plain JSON so that it can sit in the resume sidecar.

Top rows carry evidence for the coordinator's report with personal data replaced by its
placeholder ([TELEFOONNUMMER]); nothing here is ever logged.

Escalations (results with `escalate`: a care signal, or a serious threat or sexual message at
level hoog) are counted, and the first ESCALATION_LIST_ROWS of them are kept in input order as a
work list for the coordinator (row, id, role, level, labels and the redacted text only).
The terminal summary shows that list without any text; the HTML report shows the redacted text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from corpus.settings import (
    BATCH_MAX_ERROR_KINDS,
    BATCH_SCORE_BINS,
    BATCH_TOP_EVIDENCE,
    BATCH_TOP_EXCERPT_CHARS,
    BATCH_TOP_ROWS,
)
from corpus.vocabulary import LABELS, LEVELS, PII_PLACEHOLDER, PII_TYPES

LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
OTHER_ERRORS = "overig (other)"
# the coordinator's work list: at most this many escalated rows (all of them: --escalations FILE)
ESCALATION_LIST_ROWS = 500
ESCALATION_EXCERPT_CHARS = 1_000
# the terminal shows at most this many of them
ESCALATION_PRINT_ROWS = 50


def error_kind(message: str) -> str:
    """The kind of an error, without values from the row (a bad role may hold draft text)."""
    if message.startswith("Onbekende rol"):
        return "Onbekende rol. (Unknown role.)"
    if message.startswith("Onbekende school"):
        return "Onbekende school. (Unknown school.)"
    return message[:160]


def _top_key(row: dict[str, Any]) -> tuple[int, float, int]:
    return (-LEVEL_RANK.get(row["level"], 0), -float(row["risk"]), int(row["row"]))


def evidence_of(result: dict[str, Any], flagged: list[str]) -> list[dict[str, str]]:
    """The findings behind the flagged labels, personal data as its placeholder, at most BATCH_TOP_EVIDENCE."""
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
        if len(out) >= BATCH_TOP_EVIDENCE:
            break
    return out


def top_row(number: int, result: dict[str, Any]) -> dict[str, Any]:
    labels = result.get("labels") or {}
    flagged = [lab for lab in LABELS if (labels.get(lab) or {}).get("flagged")]
    return {
        "row": number, "id": result.get("id"), "role": result.get("role"), "level": result["level"],
        "risk": float(result["risk"]), "labels": flagged,
        "articles": [a["id"] for a in result.get("articles") or []],
        "evidence": evidence_of(result, flagged),
        "excerpt": (result.get("redacted_text") or "")[:BATCH_TOP_EXCERPT_CHARS],
    }


def escalation_row(number: int, result: dict[str, Any]) -> dict[str, Any]:
    """One line of the coordinator's escalation list: never the raw text, only the redacted one."""
    labels = result.get("labels") or {}
    return {
        "row": number, "id": result.get("id"), "role": result.get("role"), "level": result.get("level"),
        "risk": float(result["risk"]) if result.get("risk") is not None else None,
        "labels": [lab for lab in LABELS if (labels.get(lab) or {}).get("flagged")],
        "excerpt": (result.get("redacted_text") or "")[:ESCALATION_EXCERPT_CHARS],
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
        self.score_hist: dict[str, list[int]] = {lab: [0] * BATCH_SCORE_BINS for lab in LABELS}
        self.articles: Counter[str] = Counter()
        self.error_kinds: Counter[str] = Counter()
        self.model_versions: Counter[str] = Counter()
        self.top: list[dict[str, Any]] = []
        self.escalations = 0
        self.escalation_labels: Counter[str] = Counter()  # flagged labels of escalated rows
        self.escalated: list[dict[str, Any]] = []          # the first ESCALATION_LIST_ROWS, in input order

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
            b = min(BATCH_SCORE_BINS - 1, max(0, int(float(entry["score"]) * BATCH_SCORE_BINS)))
            self.score_hist[lab][b] += 1
            if entry["flagged"]:
                self.labels[lab] += 1
                self.label_levels[lab][level] += 1
        for art in result.get("articles") or []:
            self.articles[art["id"]] += 1
        if result.get("escalate") is True:
            entry = escalation_row(number, result)
            self.escalations += 1
            self.escalation_labels.update(entry["labels"])
            if len(self.escalated) < ESCALATION_LIST_ROWS:
                self.escalated.append(entry)
        if level != "geen" and result.get("risk") is not None:
            self.top.append(top_row(number, result))
            if len(self.top) > 2 * BATCH_TOP_ROWS:
                self._trim()

    def _count_error(self, kind: str, n: int) -> None:
        if kind not in self.error_kinds and len(self.error_kinds) >= BATCH_MAX_ERROR_KINDS:
            kind = OTHER_ERRORS
        self.error_kinds[kind] += n

    def _trim(self) -> None:
        self.top.sort(key=_top_key)
        del self.top[BATCH_TOP_ROWS:]

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
        self.escalations += other.escalations
        self.escalation_labels.update(other.escalation_labels)
        self.escalated.extend(other.escalated[: max(0, ESCALATION_LIST_ROWS - len(self.escalated))])

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
            "top": self.top, "escalations": self.escalations,
            "escalation_labels": dict(self.escalation_labels), "escalated": self.escalated,
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
            if hist and len(hist) == BATCH_SCORE_BINS:
                s.score_hist[lab] = [int(x) for x in hist]
        s.articles = Counter(state["articles"])
        s.error_kinds = Counter(state["error_kinds"])
        s.model_versions = Counter(state.get("model_versions", {}))
        s.top = list(state["top"])
        s.escalations = int(state.get("escalations", 0))
        s.escalation_labels = Counter(state.get("escalation_labels", {}))
        s.escalated = list(state.get("escalated", []))
        return s


def _escalation_lines(summary: Summary, label_name: Any) -> list[str]:
    """The escalations first: how many, and which rows (id, role, level, labels; never text)."""
    if not summary.escalations:
        return ["Escalaties: 0 (geen zorgsignalen of ernstige bedreigingen)"]
    lines = [f"ESCALATIES: {summary.escalations} bericht(en) vragen actie van iemand anders dan de schrijver "
             "(zorgsignaal, of bedreiging/seksueel op niveau hoog). Eerst afhandelen:"]
    by_label = ", ".join(f"{label_name(lab)} {summary.escalation_labels[lab]}" for lab in LABELS
                         if summary.escalation_labels.get(lab))
    if by_label:
        lines.append(f"  per label: {by_label}")
    for entry in summary.escalated[:ESCALATION_PRINT_ROWS]:
        labels = ", ".join(entry["labels"]) or "-"
        lines.append(f"  rij {entry['row']:>6}  id {str(entry['id'])[:40]:<12}  rol {entry['role']!s:<10}  "
                     f"niveau {entry['level']!s:<6}  labels: {labels}")
    rest = summary.escalations - min(len(summary.escalated), ESCALATION_PRINT_ROWS)
    if rest > 0:
        lines.append(f"  ... en nog {rest}: alle escalaties staan in --escalations BESTAND"
                     + (" en in het rapport" if summary.escalations <= ESCALATION_LIST_ROWS else ""))
    lines.append("  (de tekst staat niet hier: zie het rapport (--report) of --escalations)")
    return lines


def render_text(summary: Summary, elapsed: float | None = None, new_rows: int | None = None) -> str:
    """The end-of-run summary for the terminal: escalations first, then counts; never draft text."""
    from corpus.protocol import get_protocol

    protocol = get_protocol()
    lines = _escalation_lines(summary, protocol.label_name)
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
