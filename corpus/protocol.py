"""A school's social media protocol as data: articles, label -> article table, sanctions, advice.

The default is the De Marel protocol in `corpus/protocol.yaml`. A school that adapted the
Digiwijzer template supplies its own file with the same shape: `POSTWACHT_PROTOCOL` names it, and
`POSTWACHT_PROTOCOL_DIR` names a directory of `<school>.yaml` files when one install serves several
schools (a request then names its `school`). `validate_protocol` lists every problem of a file in
Dutch with English in brackets; `load_protocol_file` refuses a file that has any.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from corpus.settings import PROTOCOL_PATH
from corpus.vocabulary import AUTHOR_ROLES, DEFAULT_ROLE, LABEL_SPECS, LABELS, ROLES

_ARTICLE_ID = re.compile(r"^[a-z][a-z-]*\.\d+$")
_SCHOOL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ProtocolError(ValueError):
    """A protocol file that cannot be used; `problems` lists every reason (Dutch, English)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class UnknownSchoolError(LookupError):
    """A request named a school this install has no protocol for."""

    def __init__(self, school: str, known: list[str]) -> None:
        super().__init__(
            f"Onbekende school {school!r}; bekend: {', '.join(known) or '-'}. "
            f"(Unknown school {school!r}; known: {', '.join(known) or '-'}.)"
        )
        self.school = school
        self.known = known


@dataclass(frozen=True)
class Article:
    id: str
    section: str
    number: int
    text: str
    roles: tuple[str, ...]


def validate_protocol(data: object) -> list[str]:
    """Every problem of a protocol document: ids unique and well-formed, every label mapped for
    every author role (an empty list is a deliberate "no article"), every referenced article
    exists, Dutch advice present for every label and role that can be flagged."""
    if not isinstance(data, dict):
        return ["Het bestand is geen YAML-object. (The file is not a YAML mapping.)"]
    problems: list[str] = []
    articles = data.get("articles")
    ids: list[str] = []
    if not isinstance(articles, list) or not articles:
        problems.append("'articles' ontbreekt of is leeg. ('articles' is missing or empty.)")
        articles = []
    for n, art in enumerate(articles, 1):
        if not isinstance(art, dict):
            problems.append(f"Artikel {n} is geen object. (Article {n} is not a mapping.)")
            continue
        aid = str(art.get("id", ""))
        if not _ARTICLE_ID.match(aid):
            problems.append(f"Artikel {n}: id {aid!r} heeft niet de vorm sectie.nummer. "
                            f"(Article {n}: id {aid!r} is not of the form section.number.)")
        for key in ("section", "number", "text"):
            if not art.get(key):
                problems.append(f"Artikel {aid or n}: '{key}' ontbreekt. (Article {aid or n}: '{key}' is missing.)")
        ids.append(aid)
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"Artikel-id {dup!r} komt meer dan eens voor. (Article id {dup!r} is not unique.)")
    known = set(ids)

    def refs(where: str, value: object) -> None:
        if not isinstance(value, list):
            problems.append(f"{where}: verwacht een lijst artikel-ids. ({where}: expected a list of article ids.)")
            return
        for ref in value:
            if ref not in known:
                problems.append(f"{where}: artikel {ref!r} bestaat niet. ({where}: article {ref!r} does not exist.)")

    sanctions = data.get("sanctions")
    if not isinstance(sanctions, dict):
        problems.append("'sanctions' ontbreekt. ('sanctions' is missing.)")
    else:
        for role in AUTHOR_ROLES:
            refs(f"sanctions.{role}", sanctions.get(role, []))
    labels = data.get("labels")
    if not isinstance(labels, dict):
        return [*problems, "'labels' ontbreekt. ('labels' is missing.)"]
    for label in LABELS:
        body = labels.get(label)
        if not isinstance(body, dict):
            problems.append(f"Label {label!r} ontbreekt. (Label {label!r} is missing.)")
            continue
        table = body.get("articles")
        if not isinstance(table, dict):
            problems.append(f"labels.{label}.articles ontbreekt. (labels.{label}.articles is missing.)")
            continue
        refs(f"labels.{label}.articles.every", table.get("every", []))
        spec = LABEL_SPECS[label]
        for role in AUTHOR_ROLES:
            if role not in table and not table.get("every"):
                problems.append(f"labels.{label}.articles: geen artikelen voor rol {role!r}. "
                                f"(labels.{label}.articles: no articles for role {role!r}.)")
            refs(f"labels.{label}.articles.{role}", table.get(role, []))
        advice = body.get("advice") if isinstance(body.get("advice"), dict) else {}
        for role in (*spec.author_roles, DEFAULT_ROLE):
            if not str(advice.get(role) or "").strip():
                problems.append(f"labels.{label}.advice.{role}: Nederlands advies ontbreekt. "
                                f"(labels.{label}.advice.{role}: Dutch advice is missing.)")
        if spec.sub_articles:
            subs = body.get("sub_articles")
            if not isinstance(subs, dict):
                subs = {}
            for kind in spec.sub_kinds:
                entry = subs.get(kind)
                if not isinstance(entry, dict) or "article" not in entry:
                    problems.append(f"labels.{label}.sub_articles.{kind}: artikel ontbreekt. "
                                    f"(labels.{label}.sub_articles.{kind}: article is missing.)")
                else:
                    refs(f"labels.{label}.sub_articles.{kind}", [entry["article"]])
    for extra in sorted(set(labels) - set(LABELS)):
        problems.append(f"Onbekend label {extra!r}. (Unknown label {extra!r}.)")
    return problems


class Protocol:
    """Read-only view of one school's protocol file."""

    def __init__(self, data: dict[str, Any], source: str = "protocol") -> None:
        problems = validate_protocol(data)
        if problems:
            raise ProtocolError(source, problems)
        self.raw = data
        self.source = source
        self.title: str = str(data.get("title", ""))
        school = data.get("school") or {}
        self.school_name: str = str(school.get("name", ""))
        self.school_names: tuple[str, ...] = tuple(school.get("names") or ([self.school_name] if self.school_name else []))
        self.role_names: dict[str, str] = {r: str((data.get("roles") or {}).get(r, r)) for r in ROLES}
        self.articles: dict[str, Article] = {
            a["id"]: Article(a["id"], a["section"], int(a["number"]), a["text"], tuple(a.get("roles", AUTHOR_ROLES)))
            for a in data["articles"]
        }
        self.labels: dict[str, dict[str, Any]] = data["labels"]
        self.sanctions: dict[str, list[str]] = data["sanctions"]
        self.escalation: dict[str, str] = dict(data.get("escalation") or {})

    # what a label is comes from its spec; the protocol only decides articles and advice
    @staticmethod
    def label_name(label: str) -> str:
        return LABEL_SPECS[label].name

    @staticmethod
    def severity(label: str) -> str:
        return LABEL_SPECS[label].severity

    def article_ids_for(self, label: str, role: str) -> list[str]:
        """Primary articles for a flagged label and author role (onbekend: every role)."""
        table = self.labels[label]["articles"]
        ids = list(table.get("every", []))
        roles = AUTHOR_ROLES if role not in AUTHOR_ROLES else (role,)
        for r in roles:
            for art in table.get(r, []):
                if art not in ids:
                    ids.append(art)
        return ids

    def sub_article_by_kind(self, label: str) -> dict[str, str]:
        """Kind -> article id for a label with sub-articles (staff_boundary: mixed_profiles ->
        medewerkers.2, ...), in the order of the label spec's kinds."""
        subs = self.labels[label].get("sub_articles", {})
        return {kind: subs[kind]["article"] for kind in LABEL_SPECS[label].sub_kinds if kind in subs}

    def sub_article_ids(self, label: str) -> list[str]:
        return list(self.sub_article_by_kind(label).values())

    def sub_article_kind(self, label: str, article_id: str) -> str | None:
        return next((k for k, a in self.sub_article_by_kind(label).items() if a == article_id), None)

    def consequence_ids_for(self, role: str) -> list[str]:
        roles = AUTHOR_ROLES if role not in AUTHOR_ROLES else (role,)
        ids: list[str] = []
        for r in roles:
            for art in self.sanctions.get(r, []):
                if art not in ids:
                    ids.append(art)
        return ids

    def advice_for(self, label: str, role: str) -> str:
        advice = self.labels[label].get("advice", {})
        return advice.get(role) or advice.get(DEFAULT_ROLE, "")

    def escalation_for(self, role: str) -> str:
        return self.escalation.get(role) or self.escalation.get(DEFAULT_ROLE, "")


def read_protocol_document(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise ProtocolError(str(path), [f"Kan het bestand niet lezen: {exc.strerror}. "
                                        f"(Cannot read the file: {exc.strerror}.)"]) from exc
    except yaml.YAMLError as exc:
        raise ProtocolError(str(path), [f"Geen geldige YAML: {exc}. (Not valid YAML: {exc}.)"]) from exc


def load_protocol_file(path: Path) -> Protocol:
    data = read_protocol_document(path)
    if not isinstance(data, dict):
        raise ProtocolError(str(path), validate_protocol(data))
    return Protocol(data, source=str(path))


def protocol_path() -> Path:
    """The default school's protocol file: POSTWACHT_PROTOCOL, else the De Marel protocol."""
    return Path(os.environ.get("POSTWACHT_PROTOCOL") or PROTOCOL_PATH)


def protocol_dir() -> Path | None:
    value = os.environ.get("POSTWACHT_PROTOCOL_DIR")
    return Path(value) if value else None


def school_ids() -> list[str]:
    """Schools served by this install: the stems of POSTWACHT_PROTOCOL_DIR's files (may be empty)."""
    directory = protocol_dir()
    if directory is None or not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.yaml") if _SCHOOL_ID.match(p.stem))


@lru_cache(maxsize=64)
def _load_cached(path: str) -> Protocol:
    return load_protocol_file(Path(path))


def get_protocol(school: str | None = None) -> Protocol:
    """The protocol of `school` (a file in POSTWACHT_PROTOCOL_DIR), or the default one; loaded once
    per process. Raises UnknownSchoolError for a school without a file."""
    if school:
        known = school_ids()
        directory = protocol_dir()
        if school not in known or directory is None:
            raise UnknownSchoolError(school, known)
        return _load_cached(str(directory / f"{school}.yaml"))
    return _load_cached(str(protocol_path()))


def annotation_protocol() -> Protocol:
    """The De Marel protocol in the repository: the corpus is annotated with its article ids
    (labels.md), whichever protocol a deployment serves."""
    return _load_cached(str(PROTOCOL_PATH))


def load_all_protocols() -> dict[str | None, Protocol]:
    """The default protocol and every school's: used at service start so a bad file stops it."""
    out: dict[str | None, Protocol] = {None: get_protocol()}
    for school in school_ids():
        out[school] = get_protocol(school)
    return out
