"""Recognizer kinds: one small class per *kind* of recognizer; the recognizers themselves (patterns,
context words, scores, priorities, validators) are declared in corpus/pii/recognizers.yaml.

Libraries built for the job do the validation (phonenumbers, python-stdnum for the BSN elfproef,
IBAN mod 97 and postcodes, deduce for names); each kind's `from_spec` builds it from its registry
entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers

from model.pii.base import BuildContext, PiiSpan
from model.pii.deduce_names import first_names
from model.pii.names import zipf

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SubPattern:
    """One regex of a pattern recognizer (group `value` or the whole match)."""

    regex: re.Pattern[str]
    score: float
    min_length: int = 1
    requires: re.Pattern[str] | None = None  # the raw value must contain this
    needs: str = ""  # the regex runs only on a text holding one of these characters (a cheap test)

    def may_match(self, text: str) -> bool:
        """False when the text holds none of the characters the pattern needs (no regex run)."""
        return not self.needs or any(c in text for c in self.needs)

    @property
    def group(self) -> str | int:
        return "value" if "value" in self.regex.groupindex else 0


def _sub_patterns(spec: Mapping[str, Any], ctx: BuildContext) -> list[SubPattern]:
    entries = spec.get("patterns") or [{"pattern": spec["pattern"]}]
    out = []
    for entry in entries:
        ignore_case = bool(entry.get("ignore_case", spec.get("ignore_case", False)))
        requires = entry.get("requires")
        out.append(SubPattern(
            regex=ctx.regex(entry["pattern"], ignore_case),
            score=float(entry.get("score", spec.get("score", 0.85))),
            min_length=int(entry.get("min_length", spec.get("min_length", 1))),
            requires=ctx.regex(requires) if requires else None,
            needs=str(entry.get("needs", spec.get("needs", ""))),
        ))
    return out


class PatternRecognizer:
    """One or more regexes with an optional validator; trailing punctuation is cut from a value.

    A later pattern's match that starts inside an already found span of this recognizer is dropped.
    """

    def __init__(self, name: str, entity: str, patterns: Sequence[SubPattern], priority: int = 5,
                 validator: Callable[[str], bool] | None = None, exclude: Iterable[str] = (),
                 trim: str = "") -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.patterns = list(patterns)
        self.validator = validator
        self.exclude = frozenset(w.lower() for w in exclude)
        self.trim = trim

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> PatternRecognizer:
        validator = ctx.validators[spec["validator"]] if spec.get("validator") else None
        return cls(spec["name"], spec["entity"], _sub_patterns(spec, ctx), int(spec["priority"]),
                   validator, spec.get("exclude") or (), ctx.trim_trailing)

    def analyze(self, text: str) -> list[PiiSpan]:
        spans: list[PiiSpan] = []
        for pattern in self.patterns:
            if not pattern.may_match(text):
                continue
            for m in pattern.regex.finditer(text):
                start, end = m.span(pattern.group)
                raw = text[start:end]
                if pattern.requires is not None and not pattern.requires.search(raw):
                    continue
                value = raw.rstrip(self.trim)
                end = start + len(value)
                if len(value) < pattern.min_length or value.lower() in self.exclude:
                    continue
                if self.validator is not None and not self.validator(value):
                    continue
                if any(s.start <= start < s.end for s in spans):
                    continue
                spans.append(PiiSpan(self.entity, start, end, value, self.name, pattern.score))
        return spans


class ChecksumPatternRecognizer(PatternRecognizer):
    """A pattern whose match must pass a checksum. With `cut_back`, a failed match is retried cut
    back at each earlier space: the pattern may swallow a following word ("NL.. 00 ABCD")."""

    def __init__(self, *args: Any, cut_back: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.validator is None:
            raise ValueError(f"{self.name}: a checksum pattern needs a validator")
        self.cut_back = cut_back

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> ChecksumPatternRecognizer:
        return cls(spec["name"], spec["entity"], _sub_patterns(spec, ctx), int(spec["priority"]),
                   ctx.validators[spec["validator"]], spec.get("exclude") or (), ctx.trim_trailing,
                   cut_back=bool(spec.get("cut_back", False)))

    def analyze(self, text: str) -> list[PiiSpan]:
        assert self.validator is not None
        spans: list[PiiSpan] = []
        for pattern in self.patterns:
            if not pattern.may_match(text):
                continue
            for m in pattern.regex.finditer(text):
                start, end = m.span(pattern.group)
                value = text[start:end].rstrip(self.trim)
                while value:
                    if self.validator(value):
                        if not any(s.start <= start < s.end for s in spans):
                            spans.append(PiiSpan(self.entity, start, start + len(value), value, self.name,
                                                 pattern.score))
                        break
                    if not self.cut_back:
                        break
                    cut = value.rstrip().rfind(" ")
                    value = value[:cut].rstrip() if cut > 4 else ""
        return spans


class PhoneRecognizer:
    """Phone numbers via Google's libphonenumber port, in the registry's default region; an optional
    fallback regex adds numbers the matcher does not find (its spans have their own priority)."""

    def __init__(self, name: str, entity: str, priority: int, score: float, region: str,
                 leniency: Any, requires: re.Pattern[str] | None = None,
                 fallback: tuple[str, re.Pattern[str], float, int] | None = None) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.region = region
        self.leniency = leniency
        self.requires = requires
        self.fallback = fallback
        # priorities of spans this recognizer names after something else than itself
        self.span_priorities = {fallback[0]: fallback[3]} if fallback else {}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> PhoneRecognizer:
        fb = spec.get("fallback")
        fallback = ((fb["name"], ctx.regex(fb["pattern"]), float(fb.get("score", 0.85)), int(fb.get("priority", 0)))
                    if fb else None)
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.95)),
                   str(spec.get("region", "NL")), getattr(phonenumbers.Leniency, spec.get("leniency", "POSSIBLE")),
                   ctx.regex(spec["requires"]) if spec.get("requires") else None, fallback)

    def analyze(self, text: str) -> list[PiiSpan]:
        if self.requires is not None and not self.requires.search(text):
            return []
        spans = [PiiSpan(self.entity, match.start, match.end, match.raw_string, self.name, self.score)
                 for match in phonenumbers.PhoneNumberMatcher(text, self.region, leniency=self.leniency)]
        if self.fallback:
            name, regex, score, _ = self.fallback
            for m in regex.finditer(text):
                if not any(s.start < m.end() and m.start() < s.end for s in spans):
                    spans.append(PiiSpan(self.entity, m.start(), m.end(), m.group(), name, score))
        return spans


class ContextPatternRecognizer:
    """A pattern that counts only with a context word within `window` characters before or after
    (a date near "geboren", "jarig", "verjaardag")."""

    def __init__(self, name: str, entity: str, priority: int, score: float, pattern: re.Pattern[str],
                 context: re.Pattern[str], before: int, after: int) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.pattern = pattern
        self.context = context
        self.before = before
        self.after = after

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> ContextPatternRecognizer:
        ignore_case = bool(spec.get("ignore_case", False))
        before, after = spec.get("window", (80, 25))
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.85)),
                   ctx.regex(spec["pattern"], ignore_case), ctx.alternatives(spec["context"], ignore_case),
                   int(before), int(after))

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        for m in self.pattern.finditer(text):
            window = text[max(0, m.start() - self.before): m.start()] + " " + text[m.end(): m.end() + self.after]
            if self.context.search(window):
                spans.append(PiiSpan(self.entity, m.start(), m.end(), m.group(), self.name, self.score))
        return spans


class CueValueRecognizer:
    """A password, pincode or login code: the first secret-looking word after its cue word,
    within the same sentence ("het wachtwoord van Sem zijn snappet is Voetbal2014")."""

    def __init__(self, name: str, entity: str, priority: int, score: float, cue: re.Pattern[str],
                 value: re.Pattern[str], sentence_end: re.Pattern[str], window: int, quotes: str,
                 pin_digits: tuple[int, int], not_secret: Iterable[str], trim: str) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.cue = cue
        self.value = value
        self.sentence_end = sentence_end
        self.window = window
        self.quotes = quotes
        self.pin_digits = pin_digits
        self.not_secret = frozenset(not_secret)
        self.trim = trim

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> CueValueRecognizer:
        ignore_case = bool(spec.get("ignore_case", False))
        low, high = spec.get("pin_digits", (4, 8))
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.85)),
                   ctx.regex(spec["cue"], ignore_case), ctx.regex(spec["value"]),
                   ctx.regex(spec["sentence_end"]), int(spec.get("window", 60)), str(spec["quotes"]),
                   (int(low), int(high)), spec.get("not_secret") or (), ctx.trim_trailing)

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        low, high = self.pin_digits
        for cue in self.cue.finditer(text):
            window_end = cue.end() + self.window
            stop = self.sentence_end.search(text[cue.end():window_end])
            if stop:
                window_end = cue.end() + stop.start()
            colon = False
            for m in self.value.finditer(text, cue.end(), window_end):
                value = m.group(1).rstrip(self.trim)
                between = text[cue.end():m.start()]
                colon = colon or ":" in between or "=" in between
                quoted = m.group(0)[:1] in self.quotes and m.group(0)[-1:] in self.quotes
                if value.lower() in self.not_secret or not value:
                    continue
                has_digit = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
                pin = value.isdigit() and low <= len(value) <= high
                if has_digit or pin or quoted or (colon and len(between.split()) <= 1):
                    s = m.start(1)
                    spans.append(PiiSpan(self.entity, s, s + len(value), value, self.name, self.score))
                    break
        return spans


class TermRecognizer:
    """Whole-word lexicon terms (health and diagnosis words) as spans; longer single-word terms
    also end a Dutch compound ("notenallergie", "hartoperatie")."""

    def __init__(self, name: str, entity: str, terms: Iterable[str], priority: int = 4,
                 compound_min: int = 7, score: float = 0.8) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        alternatives = sorted({t for t in terms if t}, key=len, reverse=True)
        body = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in alternatives) or r"(?!x)x"
        heads = [re.escape(t) for t in alternatives if " " not in t and len(t) >= compound_min]
        compound = rf"|(?<![\w])[a-zà-ÿ]{{3,}}(?:{'|'.join(heads)})" if heads else ""
        # whole words only: the closing (?![\w]) applies to the plain terms and the compounds alike
        # ("ass" is a diagnosis, not the start of "associatief" or "Assen")
        self.pattern = re.compile(rf"(?:(?<![\w])(?:{body}){compound})(?![\w])", re.IGNORECASE)
        # a cheap test first: a term can match only where a word of the text is the first word of a
        # term, or ends with the first word of a compound head after at least three letters (the big
        # alternation costs more than the rest of the PII pass; most drafts hold no health term)
        # first word -> the second words it takes (an empty string: a one-word term)
        self.next_words: dict[str, set[str]] = {}
        for t in alternatives:
            words = _WORD.findall(t.lower())
            if words:
                self.next_words.setdefault(words[0], set()).add(words[1] if len(words) > 1 else "")
        heads = [t.lower() for t in alternatives if " " not in t and len(t) >= compound_min]
        self.head_words = frozenset(h for h in heads if _WORD.fullmatch(h))
        self.head_lengths = sorted({len(w) for w in self.head_words})
        self.odd_heads = tuple(h for h in heads if not _WORD.fullmatch(h))  # "pinda-allergie"

    def _may_match(self, text: str) -> bool:
        lowered = text.lower()
        if any(h in lowered for h in self.odd_heads):
            return True
        nexts, heads, lengths = self.next_words, self.head_words, self.head_lengths
        words = _WORD.findall(lowered)
        for i, word in enumerate(words):
            follow = nexts.get(word)
            if follow is not None and ("" in follow or (i + 1 < len(words) and words[i + 1] in follow)):
                return True
            for n in lengths:
                if len(word) < n + 3:
                    break
                if word[-n:] in heads:
                    return True
        return False

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> TermRecognizer:
        return cls(spec["name"], spec["entity"], ctx.terms.get(spec["terms"], ()), int(spec["priority"]),
                   int(spec.get("compound_min", 7)), float(spec.get("score", 0.8)))

    def analyze(self, text: str) -> list[PiiSpan]:
        if not self._may_match(text):
            return []
        return [PiiSpan(self.entity, m.start(), m.end(), m.group(), self.name, self.score)
                for m in self.pattern.finditer(text)]


class TitledNameRecognizer:
    """Names after a title or kinship word, also in lower case ('juf marieke', 'moeder van daan');
    a capitalised first name takes its surname along ("juf Annemiek de Vries").

    Lower-case chat names are only accepted if the word is in deduce's first-name list (and, with
    a name judge, not a very frequent Dutch word such as "wil" or "ben").
    """

    def __init__(self, name: str, entity: str, priority: int, score: float, pattern: re.Pattern[str],
                 first_names: frozenset[str], not_names: frozenset[str], judge: Any = None,
                 full_names: bool = False) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.pattern = pattern
        self.first_names = first_names
        self.not_names = not_names
        self.judge = judge
        self.full_names = full_names and judge is not None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> TitledNameRecognizer:
        titles = "|".join(ctx.source(t) for t in spec["titles"])
        pattern = ctx.regex(rf"\b(?:{titles})\s+(?P<value>{ctx.source(spec['name_pattern'])})",
                            bool(spec.get("ignore_case", True)))
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.7)), pattern,
                   first_names(ctx.not_names), ctx.not_names, ctx.judge, bool(spec.get("full_names", False)))

    def _lowercase_name(self, value: str) -> bool:
        if self.judge is not None:
            return self.judge.lowercase_name(value, strong=True)
        return value.lower() in self.first_names

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        for m in self.pattern.finditer(text):
            start, end = m.span("value")
            value = text[start:end]
            if self.judge is not None:  # "'Mees Kees'": the closing quote is not part of the name
                value = value.rstrip("'’-")
                end = start + len(value)
            if len(value) < 2:
                continue
            if value[0].isupper() or self._lowercase_name(value):
                if value.lower() in self.not_names:
                    continue
                if self.full_names and value[0].isupper():
                    end = self.judge.extend_surname(text, end)
                spans.append(PiiSpan(self.entity, start, end, text[start:end], self.name, self.score))
        return spans


class ChatNameRecognizer:
    """Lower-case first names in chat ("hoi sem", "met noor", "sem en daan", "romy is ..."), only where
    the context makes the word a name; the name judge knows the first names, greetings and verbs."""

    _word = re.compile(r"(?<![\w@#])[a-zà-ÿ][a-zà-ÿ'’-]*[a-zà-ÿ](?![\w@])")

    def __init__(self, name: str, entity: str, priority: int, score: float, judge: Any,
                 before: Iterable[str] = ()) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.judge = judge
        self.before = tuple(sorted({tuple(w.lower().split()) for w in before}, key=len, reverse=True))

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> ChatNameRecognizer:
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.6)), ctx.judge,
                   spec.get("before") or ())

    def _candidate(self, word: str) -> bool:
        return bool(word) and (self.judge.lowercase_name(word, strong=False)
                               or (word[0].isupper() and self.judge.is_first_name(word)
                                   and not self.judge.is_wordlike(word)))

    def analyze(self, text: str) -> list[PiiSpan]:
        if self.judge is None:
            return []
        judge = self.judge
        first = judge.lists.first
        # a writer who capitalises names elsewhere would have capitalised this one: then only a
        # greeting makes a lower-case word a name
        weak_ok: bool | None = None  # computed when first needed
        spans = []
        for m in self._word.finditer(text):
            word = m.group()
            if word not in first or not judge.lowercase_name(word, strong=True):
                continue  # (the loosest test: a greeting before it)
            start, end = m.span()
            prev_words = re.findall(r"[^\W\d_]+", text[max(0, start - 30):start].lower())
            gap = re.search(r"[^\W\d_]+([^\w]*)$", text[max(0, start - 30):start])
            plain_gap = gap is None or not any(c in gap.group(1) for c in ".!?:;\n")
            prev = prev_words[-1] if prev_words and plain_gap else ""
            found = False
            if plain_gap and judge.greeting_before(text, start):
                found = judge.lowercase_name(word, strong=True)
            elif judge.lowercase_name(word, strong=False) and (
                    weak_ok if weak_ok is not None else (weak_ok := not judge.capitalises_names(text))):
                if prev == "en" or (prev_words and text[:start].rstrip().endswith(",")):
                    before = re.search(r"([^\W\d_][\w'’-]*)\s*(?:,|\ben)\s*$", text[max(0, start - 40):start])
                    found = bool(before and self._candidate(before.group(1)))
                elif any(tuple(prev_words[-len(p):]) == p for p in self.before if len(prev_words) >= len(p)):
                    found = plain_gap
                if not found:
                    after = re.match(r"\s*(?:,\s*|\s+en\s+)([^\W\d_][\w'’-]*)", text[end:])
                    found = bool(after and self._candidate(after.group(1)))
                if not found and judge.starts_sentence(text, start):
                    nxt = re.match(r"\s+([^\W\d_][\w'’-]*)", text[end:])
                    found = bool(nxt and (nxt.group(1).lower() in judge.verbs
                                          or nxt.group(1).lower() in judge.followers))
            if found:
                spans.append(PiiSpan(self.entity, start, end, word, self.name, self.score))
        return spans


class ContextNameRecognizer:
    """Capitalised names deduce's lists do not know ("Kacper", "Dawit", "Luwam"), only where the
    context makes the word a name: a cue before it ("heet Kacper", "met Dex"), a greeting ("Hoi
    Lot"), a list with a known name ("Luwam, Sem en Ghazal") or a following verb ("Bohdan zegt")."""

    _word = re.compile(r"(?<![\w@#'’-])[A-ZÀ-Ý][a-zà-ÿ]{2,}(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?(?![\w@'’-])")

    def __init__(self, name: str, entity: str, priority: int, score: float, judge: Any,
                 before: Iterable[str] = (), max_zipf: float = 3.0, not_after: Iterable[str] = ()) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.judge = judge
        self.before = frozenset(w.lower() for w in before)
        self.max_zipf = max_zipf
        self.not_after = frozenset(w.lower() for w in not_after)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> ContextNameRecognizer:
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.6)), ctx.judge,
                   spec.get("before") or (), float(spec.get("max_zipf", 3.0)), spec.get("not_after") or ())

    def _known(self, word: str, found: set[str] | frozenset[str] = frozenset()) -> bool:
        return word[:1].isupper() and (word in found or (self.judge.is_first_name(word)
                                                         and not self.judge.is_wordlike(word)))

    def _first_name_before(self, text: str, start: int) -> int:
        """Where the name starts if a first name (or another rare capitalised word) stands right
        before the surname found at `start` ("Gerolf Annemans")."""
        judge = self.judge
        left = re.search(r"(?<![\w@#'’-])([A-ZÀ-Ý][a-zà-ÿ]+) $", text[max(0, start - 30):start])
        if not left:
            return start
        word = left.group(1)
        low = word.lower()
        if low in judge.greetings or low in judge.not_names or judge.is_wordlike(word):
            return start
        if self._known(word) or (low not in judge.lists.surnames and zipf(low) < self.max_zipf):
            return start - len(word) - 1
        return start

    def analyze(self, text: str) -> list[PiiSpan]:
        judge = self.judge
        if judge is None or not any(c.isupper() for c in text):
            return []
        school = judge.school_spans(text)
        spans: list[PiiSpan] = []
        found_words: set[str] = set()
        for _ in range(2):  # a second pass for lists of unknown names ("Roos, Luwam en Ghazal")
            before = len(found_words)
            spans = self._find(text, school, found_words)
            if len(found_words) == before:
                break
        return spans

    def _find(self, text: str, school: list[tuple[int, int]], found_words: set[str]) -> list[PiiSpan]:
        judge = self.judge
        lists = judge.lists
        spans = []
        for m in self._word.finditer(text):
            word, (start, end) = m.group(), m.span()
            low = word.lower()
            if (low in lists.first or low in lists.surnames or low in lists.places or low in judge.not_names
                    or low in judge.greetings or zipf(low) >= self.max_zipf or re.search(r"(.)\1\1", low)
                    or any(s < end and start < e for s, e in school)):
                continue
            prev = re.search(r"([^\W\d_][\w'’-]*)\s+$", text[max(0, start - 30):start])
            prev_word = prev.group(1).lower() if prev else ""
            if prev_word in judge.determiners:
                continue
            found = prev_word in self.before or judge.greeting_before(text, start)
            if not found:
                other = (re.search(r"([^\W\d_][\w'’-]*)\s*(?:,|\s+en)\s*$", text[max(0, start - 40):start])
                         or re.match(r"\s*(?:,|\s+en)\s+([^\W\d_][\w'’-]*)", text[end:]))
                found = bool(other and self._known(other.group(1), found_words))
            if not found and not judge.starts_sentence(text, start) and prev_word not in self.not_after:
                nxt = re.match(r"\s+([^\W\d_][\w'’-]*)", text[end:])
                found = bool(nxt and nxt.group(1).lower() in judge.verbs)
            if found:
                found_words.add(word)
                start = self._first_name_before(text, start)
                end = judge.extend_surname(text, end)  # and a surname after it
                spans.append(PiiSpan(self.entity, start, end, text[start:end], self.name, self.score))
        return spans
