"""The shared vocabulary, read from data: label ids and specs, roles, levels, PII types.

The ground floor of postwacht. Label ids and everything a label *is* come from the specs in
`corpus/labels/<label>.yaml` (one file per label, ordered by their `order` field); roles, levels,
severities and PII types from `corpus/vocabulary.yaml`. Article ids belong to the school's protocol
file (`corpus/protocol.py`). Every other module imports these names from here; this module
imports nothing of ours except the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from corpus.settings import CORPUS_DIR

VOCABULARY_PATH = CORPUS_DIR / "vocabulary.yaml"
LABEL_SPEC_DIR = CORPUS_DIR / "labels"


@dataclass(frozen=True)
class LabelSpec:
    """One label as declared in corpus/labels/<id>.yaml."""

    id: str
    order: int
    name: str
    severity: str
    definition: str
    author_roles: tuple[str, ...]
    # prefixes of evidence feature names this label's model may use (besides the common ones)
    evidence: tuple[str, ...]
    # lexicon category -> Dutch explanation, for hits shown as evidence of this label
    shown_evidence: dict[str, str] = field(default_factory=dict)
    # PII spans are findings of this label (personal_info)
    pii_findings: bool = False
    # a sub-model chooses which of the label's articles apply (staff_boundary)
    sub_articles: bool = False
    sub_kinds: tuple[str, ...] = ()
    # a flagged label asks someone besides the author to act (see `escalation` in the protocol)
    escalates: bool = False
    # ... or only at level hoog
    escalates_at_high: bool = False
    # evidence before a flag: without one of these evidence features (prefixes) the label's margin
    # is penalised, so n-grams alone rarely flag it
    requires_evidence: tuple[str, ...] = ()
    # the threshold maximises F-beta on dev: beta > 1 when a miss costs more than a false alarm
    threshold_beta: float = 1.0

    def applies_to(self, role: str) -> bool:
        """Whether the label can be flagged for this author role (`onbekend`: always)."""
        return role not in AUTHOR_ROLES or role in self.author_roles


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _load_specs(directory: Path) -> dict[str, LabelSpec]:
    specs: list[LabelSpec] = []
    for path in sorted(directory.glob("*.yaml")):
        raw = _read_yaml(path) or {}
        if raw.get("id") != path.stem:
            raise ValueError(f"{path}: id {raw.get('id')!r} must equal the file name {path.stem!r}")
        specs.append(LabelSpec(
            id=raw["id"], order=int(raw["order"]), name=raw["name"], severity=raw["severity"],
            definition=raw.get("definition", ""), author_roles=tuple(raw["author_roles"]),
            evidence=tuple(raw.get("evidence", ())), shown_evidence=dict(raw.get("shown_evidence") or {}),
            pii_findings=bool(raw.get("pii_findings", False)), sub_articles=bool(raw.get("sub_articles", False)),
            sub_kinds=tuple(raw.get("sub_kinds", ())),
            escalates=bool(raw.get("escalates", False)), escalates_at_high=bool(raw.get("escalates_at_high", False)),
            threshold_beta=float(raw.get("threshold_beta", 1.0)),
            requires_evidence=tuple(raw.get("requires_evidence", ())),
        ))
    specs.sort(key=lambda s: (s.order, s.id))
    return {s.id: s for s in specs}


_VOCAB = _read_yaml(VOCABULARY_PATH)

AUTHOR_ROLES: tuple[str, ...] = tuple(_VOCAB["roles"]["author"])
DEFAULT_ROLE: str = _VOCAB["roles"]["default"]
ROLES: tuple[str, ...] = (*AUTHOR_ROLES, DEFAULT_ROLE)
LEVELS: tuple[str, ...] = tuple(_VOCAB["levels"])
LEVEL_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}
FINDING_SEVERITIES: tuple[str, ...] = tuple(_VOCAB["finding_severities"])
SEVERITIES: tuple[str, ...] = tuple(_VOCAB["severities"])
PII_TYPES: tuple[str, ...] = tuple(_VOCAB["pii_types"])
PII_PLACEHOLDER: dict[str, str] = {t: v["placeholder"] for t, v in _VOCAB["pii_types"].items()}
PII_NAME_NL: dict[str, str] = {t: v["name"] for t, v in _VOCAB["pii_types"].items()}
COMMON_EVIDENCE: tuple[str, ...] = tuple(_VOCAB["common_evidence"])

LABEL_SPECS: dict[str, LabelSpec] = _load_specs(LABEL_SPEC_DIR)
LABELS: tuple[str, ...] = tuple(LABEL_SPECS)

for _spec in LABEL_SPECS.values():
    if _spec.severity not in SEVERITIES:
        raise ValueError(f"label {_spec.id}: severity {_spec.severity!r} not in {SEVERITIES}")
    if set(_spec.author_roles) - set(AUTHOR_ROLES):
        raise ValueError(f"label {_spec.id}: unknown author roles {_spec.author_roles}")


def label_spec(label: str) -> LabelSpec:
    return LABEL_SPECS[label]


def labels_with(flag: str) -> tuple[str, ...]:
    """Labels whose spec sets a boolean flag (`pii_findings`, `sub_articles`, `escalates`)."""
    return tuple(lab for lab, spec in LABEL_SPECS.items() if getattr(spec, flag))


class InvalidRoleError(ValueError):
    """A role outside ROLES. The message lists the valid roles."""

    def __init__(self, role: object) -> None:
        super().__init__(
            f"Onbekende rol {role!r}; kies uit: {', '.join(ROLES)}. "
            f"(Unknown role {role!r}; valid roles: {', '.join(ROLES)}.)"
        )
        self.role = role


def check_role(role: object) -> str:
    """Return the role if valid (None means the default), else raise InvalidRoleError."""
    if role is None or role == "":
        return DEFAULT_ROLE
    if not isinstance(role, str) or role.strip().lower() not in ROLES:
        raise InvalidRoleError(role)
    return role.strip().lower()
