"""Deciding whether a capitalised (or chat lower-case) word is a person's name.

deduce proposes every token in its name lists; in school posts most of those proposals are the
school's own name, a greeting ("Lieve ouders", "Hoi allemaal") or an ordinary word that starts a
sentence ("Pas op", "Jongens, ...", "Top georganiseerd"). The `NameJudge` cuts and filters the
proposals with deduce's own name lists, the Dutch word frequencies of `wordfreq` and the context
words of the registry's `names` section (corpus/pii/recognizers.yaml):

- the school's own name (the protocol's `school.names`) is never a person's name;
- a leading title or greeting is cut off ("juf Annemiek de Vries" -> "Annemiek de Vries",
  "Lieve Daan" -> "Daan"), and a span is split at sentence punctuation ("Roos. Super" -> "Roos");
- a very frequent Dutch word at the start of a sentence (or right after a greeting) is not a name
  unless its context makes it one: a title, a vocative comma or question, a following verb, "en"
  between two names;
- a place name after a preposition ("verhuisd naar Emmen") is not a person's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from model.normalize import zipf
from model.pii.deduce_names import import_deduce

_TOKEN = re.compile(r"\S+")
_EDGE = "\"'“”‘’()[]{}«»*_,;:!?…"
_SENTENCE_END = ".!?:;…\n"
_INITIAL = re.compile(r"^[A-Za-zÀ-ÿ]{1,2}\.(?:[A-Za-zÀ-ÿ]\.)*$")




def _read_list(path: Path) -> frozenset[str]:
    if not path.exists():  # pragma: no cover - deduce layout changed
        return frozenset()
    return frozenset(w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines() if w.strip())


@dataclass(frozen=True)
class NameLists:
    """deduce's word lists, lower-cased: first names, surnames, common words, stop words, places."""

    first: frozenset[str]
    surnames: frozenset[str]
    common: frozenset[str]
    stop: frozenset[str]
    places: frozenset[str]


@lru_cache(maxsize=1)
def name_lists() -> NameLists:
    src = Path(import_deduce().__file__).parent / "data" / "lookup" / "src"
    places: set[str] = set()
    for sub in ("lst_municipality", "lst_residence", "lst_province", "lst_region"):
        places |= _read_list(src / "locations" / "lst_placename" / sub / "items.txt")
    return NameLists(
        first=_read_list(src / "names" / "lst_first_name" / "items.txt"),
        surnames=_read_list(src / "names" / "lst_surname" / "items.txt"),
        common=_read_list(src / "whitelist" / "lst_common_word" / "items.txt"),
        stop=_read_list(src / "whitelist" / "lst_stop_word" / "items.txt"),
        places=frozenset(places),
    )


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str  # without surrounding quotes and punctuation

    @property
    def low(self) -> str:
        return self.text.lower()


def tokens(text: str, start: int, end: int) -> list[Token]:
    """Whitespace tokens of text[start:end], trimmed of quotes and punctuation (an initial keeps
    its full stop)."""
    out = []
    for m in _TOKEN.finditer(text, start, end):
        s, e = m.span()
        word = text[s:e]
        lead = len(word) - len(word.lstrip(_EDGE))
        word = word[lead:]
        if not _INITIAL.match(word):
            word = word.rstrip(_EDGE + ".")
        if word:
            out.append(Token(s + lead, s + lead + len(word), word))
    return out


Phrases = dict[str, tuple[tuple[str, ...], ...]]


def _phrases(words: Iterable[str]) -> Phrases:
    """Word lists as tuples of lower-case words without full stops, by first word, longest first
    ("van der" before "van")."""
    by_first: dict[str, set[tuple[str, ...]]] = {}
    for w in words:
        phrase = tuple(p.rstrip(".") for p in str(w).lower().split())
        if phrase:
            by_first.setdefault(phrase[0], set()).add(phrase)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


class NameJudge:
    """Cuts and filters person-name proposals; one per analyzer, built from the registry's `names`."""

    def __init__(self, rules: Mapping[str, Any], school_names: Iterable[str] = (),
                 not_names: Iterable[str] = (), lists: NameLists | None = None) -> None:
        self.lists = lists or name_lists()
        zipf_rules = rules.get("word_zipf") or {}
        self.zipf_first_name = float(zipf_rules.get("first_name", 4.5))
        self.zipf_other = float(zipf_rules.get("other", 4.3))
        self.zipf_rare = float(zipf_rules.get("rare", 3.0))
        low_rules = rules.get("lowercase_zipf") or {}
        self.zipf_lower_strong = float(low_rules.get("strong_context", 5.0))
        self.zipf_lower_weak = float(low_rules.get("weak_context", 4.0))
        self.titles = _phrases(rules.get("titles") or ())
        self.greetings = frozenset(str(w).lower() for w in rules.get("greetings") or ())
        self.start_greetings = frozenset(str(w).lower() for w in rules.get("sentence_start_greetings") or ())
        self.particles = _phrases(rules.get("particles") or ())
        self.dropped_particles = frozenset(str(w) for w in rules.get("dropped_leading_particles") or ())
        self.verbs = frozenset(str(w).lower() for w in rules.get("verbs") or ())
        self.followers = frozenset(str(w).lower() for w in rules.get("followers") or ())
        self.determiners = frozenset(str(w).lower() for w in rules.get("determiners") or ())
        self.place_prepositions = frozenset(str(w).lower() for w in rules.get("place_prepositions") or ())
        self.not_names = frozenset(w.lower() for w in not_names)
        names = sorted({n.strip() for n in school_names if n and n.strip()}, key=len, reverse=True)
        self.school = (re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
                                  + r")(?!\w)", re.IGNORECASE) if names else None)

    # --- words -------------------------------------------------------------------------------

    def is_first_name(self, word: str) -> bool:
        return word.lower() in self.lists.first

    def is_wordlike(self, word: str) -> bool:
        """A frequent Dutch word: capitalised at a sentence start it says nothing about a name. The
        bar is higher for words deduce knows as first names ("Jan", "Kim") than for others."""
        if _INITIAL.match(word):
            return False
        low = word.lower()
        if low in self.greetings or low in self.not_names:
            return True
        limit = self.zipf_first_name if low in self.lists.first else self.zipf_other
        return zipf(low) >= limit

    def lowercase_name(self, word: str, strong: bool) -> bool:
        """A lower-case chat word that is a first name given its context (`strong`: a greeting
        before it; otherwise "met", a list with another name, a following verb)."""
        low = word.lower()
        if (low not in self.lists.first or low in self.lists.stop or low in self.not_names
                or low in self.greetings or len(low) < 3 or not low.isalpha()):
            return False
        if not strong and low in self.lists.common:
            return False
        return zipf(low) < (self.zipf_lower_strong if strong else self.zipf_lower_weak)

    def school_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self.school.finditer(text)] if self.school else []

    @staticmethod
    def _match(toks: list[Token], i: int, phrases: Phrases) -> int:
        """Length of the longest phrase starting at toks[i] (0 if none)."""
        if i >= len(toks):
            return 0
        for phrase in phrases.get(toks[i].low.rstrip("."), ()):
            n = len(phrase)
            if tuple(t.low.rstrip(".") for t in toks[i:i + n]) == phrase:
                return n
        return 0

    def particle_length(self, toks: list[Token], i: int) -> int:
        return self._match(toks, i, self.particles)

    def title_length(self, toks: list[Token], i: int) -> int:
        return self._match(toks, i, self.titles)

    # --- context -----------------------------------------------------------------------------

    def _previous_word(self, text: str, pos: int) -> str:
        m = re.search(r"([^\W\d_][\w'’-]*)[,!]?\s*$", text[max(0, pos - 40):pos])
        return m.group(1) if m else ""

    def is_greeting(self, text: str, tok: Token) -> bool:
        low = tok.low
        return low in self.greetings and (low not in self.start_greetings
                                          or self.starts_sentence(text, tok.start, False))

    def greeting_before(self, text: str, pos: int) -> bool:
        """A greeting right before `pos` ("Hoi Sem", "Lieve Daan"; "lieve", "beste" only when they
        open a sentence: not "mijn beste vriend")."""
        m = re.search(r"([^\W\d_][\w'’-]*)[,!/\-–]*\s*$", text[max(0, pos - 40):pos])
        if not m or m.group(1).lower() not in self.greetings:
            return False
        word_start = max(0, pos - 40) + m.start(1)
        return m.group(1).lower() not in self.start_greetings or self.starts_sentence(text, word_start, False)

    def starts_sentence(self, text: str, pos: int, greetings: bool = True) -> bool:
        """Only a sentence end, an emoji, a quote or a greeting before `pos`: capitals say nothing."""
        before = text[:pos].rstrip(" \t")
        if not before:
            return True
        last = before[-1]
        if last in _SENTENCE_END or last in "\"'“‘(-•*>" or (not last.isalnum() and last not in ",&/"):
            return True
        return greetings and self.greeting_before(text, pos)

    def title_before(self, text: str, pos: int) -> bool:
        before = tokens(text, max(0, pos - 30), pos)
        if before and text[before[-1].end:pos].strip():
            return False
        return any(len(before) >= n and self.title_length(before[-n:], 0) == n for n in range(1, 4))

    def name_context(self, text: str, start: int, end: int) -> bool:
        """Context that makes a frequent word a first name: a greeting before it ("Hoi Kim"), a
        vocative ("Kim, ..." / "Kim?"), a following verb ("Jan komt") or vocative pronoun ("Thomas jij
        bent"), "en" with another name ("Kim en Sam")."""
        if self.greeting_before(text, start):
            return True
        m = re.match(r"\s*([,?!])?\s*([^\W\d_][\w'’-]*)?", text[end:])
        punct, nxt = (m.group(1) or "", m.group(2) or "") if m else ("", "")
        if punct or re.match(r"[ \t]*(?:$|\n|/|\))", text[end:]):
            return True  # "Kim, ...", "Kim?", a name ending its line or the text (a signature, a list)
        if nxt.lower() in self.verbs or nxt.lower() in self.followers:
            return True
        other = re.match(r"\s*(?:,|\s+en)\s+([^\W\d_][\w'’-]*)", text[end:])
        if other and other.group(1)[0].isupper() and not self.is_wordlike(other.group(1)):
            return True
        other = re.search(r"([^\W\d_][\w'’-]*)\s*(?:,|\s+en)\s*$", text[:start])
        return bool(other and other.group(1)[0].isupper() and not self.is_wordlike(other.group(1)))

    def capitalises_names(self, text: str) -> bool:
        """Whether the writer capitalises names: a capitalised first name inside a sentence."""
        for m in re.finditer(r"(?<![\w@#])[A-ZÀ-Ý][a-zà-ÿ]+", text):
            if m.group().lower() in self.lists.first and not self.starts_sentence(text, m.start()):
                return True
        return False

    def after_preposition(self, text: str, start: int) -> bool:
        return self._previous_word(text, start).lower() in self.place_prepositions

    # --- proposals ---------------------------------------------------------------------------

    def _cut_school(self, text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
        """Parts of [start, end) outside the school's name; `True` marks a part that touched it."""
        pieces = [(start, end, False)]
        for s, e in self.school_spans(text):
            kept = []
            for a, b, touched in pieces:
                if e <= a or s >= b:
                    kept.append((a, b, touched))
                    continue
                if a < s:
                    kept.append((a, s, True))
                if e < b:
                    kept.append((e, b, True))
            pieces = kept
        return pieces

    @staticmethod
    def _split_sentences(text: str, toks: list[Token]) -> list[list[Token]]:
        """Split at punctuation between tokens ("Roos. Super" -> "Roos" | "Super"), not after an
        initial ("J. de Wit")."""
        groups: list[list[Token]] = [[]]
        for i, tok in enumerate(toks):
            groups[-1].append(tok)
            if i + 1 < len(toks):
                gap = text[tok.end:toks[i + 1].start]
                if any(c in gap for c in ",;:!?\n…()") or ("." in gap and not _INITIAL.match(tok.text)):
                    groups.append([])
        return [g for g in groups if g]

    def refine(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """The person-name spans in a proposal [start, end): none, one, or more after a split."""
        out: list[tuple[int, int]] = []
        for a, b, touched_school in self._cut_school(text, start, end):
            for group in self._split_sentences(text, tokens(text, a, b)):
                span = self._judge(text, group, touched_school)
                if span:
                    out.append(span)
        return out

    def _judge(self, text: str, toks: list[Token], touched_school: bool) -> tuple[int, int] | None:
        initial = self.starts_sentence(text, toks[0].start)
        has_title = self.title_before(text, toks[0].start)
        i = 0
        while i < len(toks) and (n := self.title_length(toks, i)):  # "mevrouw Van den Heuvel", "Meester Hans"
            i += n
            has_title = True
        stripped = False
        # leading greetings and ordinary words: "Lieve Daan", "Gefeliciteerd Lotte", "Tip van Isa"
        while i < len(toks) - 1 and not self.particle_length(toks, i) and not _INITIAL.match(toks[i].text) and (
                self.is_greeting(text, toks[i])
                or (not self.is_first_name(toks[i].text) and self.is_wordlike(toks[i].text))):
            i += 1
            stripped = True
            while i < len(toks) - 1 and toks[i].text.islower() and (n := self.particle_length(toks, i)):
                i += n
        # "de moeder van Bas": a lower-case "van" before a name is not part of it
        while i < len(toks) - 1 and toks[i].text in self.dropped_particles:
            i += 1
        toks = toks[i:]
        while (len(toks) > 1 and toks[-1].low in self.not_names and not self.particle_length(toks, len(toks) - 1)
               and not self.particle_length(toks, len(toks) - 2)):
            toks = toks[:-1]  # "Lieve Ik haal ...": a pronoun after a name is not part of it
        if not toks or not any(c.isupper() for t in toks for c in t.text):
            return None
        head, start, end = toks[0], toks[0].start, toks[-1].end
        if all(t.low in self.not_names for t in toks) or (len(toks) == 1 and self.is_greeting(text, head)):
            return None
        if has_title:
            return start, end
        if re.match(r"-[^\W\d_]", text[end:end + 2]) and text[end + 1].islower():
            return None  # a compound: "Roma-kinderen", "Marel-feest"
        if self._previous_word(text, start).lower() in self.determiners and text[:start].rstrip()[-1:].isalpha():
            return None  # "het Sophia", "een Pool", "het Carmel College"
        if touched_school and (not self.is_first_name(head.text) or self.is_wordlike(head.text)):
            return None
        phrase = " ".join(t.low for t in toks)
        if (phrase in self.lists.places and not self.is_first_name(head.text)
                and (self.after_preposition(text, start) or phrase not in self.lists.surnames)):
            return None  # "verhuisd naar Emmen", "in Assen"
        if len(toks) > 1 and (self.particle_length(toks, 0) or self.is_first_name(head.text)):
            return start, end  # "De Boer", "Thomas van der Meer": a surname or a full name
        if (initial or stripped) and self.is_wordlike(head.text):
            if len(toks) > 1 and not all(self.is_wordlike(t.text) for t in toks[1:]):
                return start, end
            if not self.is_first_name(head.text) or not self.name_context(text, start, end):
                return None  # "Pas op", "Jongens, ...", "Top georganiseerd"
        return start, end

    def extend_surname(self, text: str, end: int) -> int:
        """Where a full name ends whose first name ends at `end`: surname particles and a capitalised
        surname on the same line ("Annemiek| de Vries", "Jan| van der Berg", "Sjoerd| Hoekstra")."""
        toks = tokens(text, end, min(len(text), end + 60))
        n = self.particle_length(toks, 0)
        if len(toks) <= n:
            return end
        for k in range(n + 1):  # only single spaces up to the surname: no punctuation, no line break
            gap = text[(toks[k - 1].end if k else end):toks[k].start]
            if not gap or gap.strip(" "):
                return end
        surname = toks[n]
        word = surname.text
        if not word[0].isupper() or not re.fullmatch(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", word):
            return end
        known = surname.low in self.lists.surnames
        rare = zipf(surname.low) < self.zipf_rare and surname.low not in self.lists.first
        if n:
            ok = known or not self.is_wordlike(word)
        else:  # "Sjoerd Hoekstra", "Kacper Nowak"; not "Bas Geeft", not a second first name
            ok = (known and not self.is_wordlike(word) and not self.is_first_name(word)) or rare
        ok = ok and surname.low not in self.not_names
        return surname.end if ok else end
