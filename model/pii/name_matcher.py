"""A fast re-implementation of postwacht's names-only deduce (`deduce_names.get_deduce`).

`NameMatcher.annotations(text)` returns exactly the annotations of
`get_deduce().deidentify(text).annotations`, but without deduce's per-draft objects (documents,
token lists, linked tokens, annotation dataclasses, numpy masks): one regex pass tokenises the
draft and a single dict lookup per token finds the few tokens any name annotator can start at.

Everything is read from a deduce instance (`NameMatcher.from_deduce`): its tokenizer (pattern and
merge terms), its lookup structures (`lookup_structs`: prefix, initial, interfix,
interfix_surname, whitelist, and the first_name / surname / eponymous_disease tries) and the
configuration of its processors (token patterns, context patterns, tags, skip tokens, overlap,
the adjacent-annotation slack). deduce stays the data and the reference; nothing is copied here.

What is reproduced, in deduce's order:

- DeduceTokenizer: `\\w+|[\\n\\r\\t]| {4,}|[^ ]` (the `regex` module's `\\w`, rebuilt as a
  character class for the faster `re` engine), then the longest merge term at every merge start
  word ("van der", "Dr.", "de heer");
- TokenPatternAnnotator: lookup / neg_lookup (with each LookupSet's matching pipeline, e.g. the
  whitelist's casefold), like_name, is_initials, equal, re_match, and / or, skip tokens;
- MultiTokenLookupAnnotator: the longest trie item at every start token (overlapping or not);
- ContextAnnotator: every pattern in order and direction, iterating on the changed annotations;
- PersonAnnotationConverter: overlap resolution by (pseudo < patient < other, longest first),
  leftovers of overlapped annotations kept, pseudo and blank annotations dropped, tags mapped to
  `patient` / `persoon`;
- post-processing: the overlap resolver (a no-op on the converter's non-overlapping output) and
  DeduceMergeAdjacentAnnotations with the configured slack.

The PatientNameAnnotator is skipped: it does nothing without patient metadata, which postwacht
never passes. Annotations are returned in the iteration order of deduce's final AnnotationSet
(a Python set, so that order depends on string hashing, as deduce's does).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import accumulate, compress
from operator import or_
from typing import Any, Protocol

Predicate = Callable[[str], bool]
Annotation = tuple[int, int, str, str]  # start_char, end_char, text, tag
_Span = tuple[int, int, str]  # first token index, last token index, tag

_DEDUCE_TOKEN_PATTERN = r"\w+|[\n\r\t]| {4,}|[^ ]"
_PSEUDO, _PATIENT, _PERSON = "pseudo", "patient", "persoon"


# ---------------------------------------------------------------------------------------------
# tokenizer


def _code_point_ranges(code_points: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted code points as inclusive (first, last) ranges."""
    ranges: list[tuple[int, int]] = []
    for cp in code_points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return ranges


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """An `re` character class for inclusive code point ranges."""
    body = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return f"[{body}]"


def _word_char_ranges(word_pattern: Any) -> list[tuple[int, int]]:
    """The code points a (`regex` module) `\\w` pattern matches, as ranges."""
    every_char = "".join(map(chr, range(sys.maxunicode + 1)))
    return _code_point_ranges(ord(c) for c in word_pattern.findall(every_char))


def _gaps(ranges: Sequence[tuple[int, int]], low: int, high: int, min_size: int) -> list[tuple[int, int]]:
    """The gaps of at least min_size code points between ranges, within [low, high]."""
    gaps, prev = [], low - 1
    for a, b in ranges:
        if a - prev - 1 >= min_size:
            gaps.append((prev + 1, a - 1))
        prev = max(prev, b)
    if high - prev >= min_size:
        gaps.append((prev + 1, high))
    return gaps


@dataclass(frozen=True, slots=True)
class _TokenPatterns:
    """`re` equivalents of deduce's tokenizer pattern, each with one capturing group (for
    `split`).

    deduce's pattern uses the `regex` module, whose `\\w` differs from `re`'s (combining marks,
    emoji modifiers, some digits): the word class is rebuilt from the `regex` pattern itself, so
    tokens are identical. `re` checks astral ranges of a class one by one, which is slow, so
    drafts without an astral word character (nearly all: emoji are not word characters) use the
    pattern without them.
    """

    fast: re.Pattern[str]  # word characters of the BMP only
    full: re.Pattern[str]  # all word characters
    astral_word: re.Pattern[str]  # finds an astral word character

    @classmethod
    def from_deduce(cls, deduce_pattern: Any) -> _TokenPatterns:
        if getattr(deduce_pattern, "pattern", None) != _DEDUCE_TOKEN_PATTERN:
            raise NotImplementedError(f"unknown deduce tokenizer pattern {deduce_pattern!r}")
        import regex  # deduce's own dependency

        ranges = _word_char_ranges(regex.compile(r"\w", flags=deduce_pattern.flags))
        bmp = _char_class((a, min(b, 0xFFFF)) for a, b in ranges if a <= 0xFFFF)
        astral_ranges = [(max(a, 0x10000), b) for a, b in ranges if b > 0xFFFF]
        empty = _gaps(astral_ranges, 0x10000, sys.maxunicode, 1024)  # e.g. the emoji blocks
        astral = (f"(?=[\\U00010000-\\U{sys.maxunicode:08x}])(?!{_char_class(empty)})"
                  f"{_char_class(astral_ranges)}")
        rest = r"|[\n\r\t]| {4,}|[^ ]"
        return cls(re.compile(f"({bmp}+{rest})"),
                   re.compile(f"({bmp}+(?:{astral}{bmp}*)*|(?:{astral}{bmp}*)+{rest})"),
                   re.compile(astral))

    def split(self, text: str) -> list[str]:
        """[gap, token, gap, token, ..., gap] as deduce's tokenizer (before merging) splits."""
        if text.isascii() or self.astral_word.search(text) is None:
            return self.fast.split(text)
        return self.full.split(text)


# ---------------------------------------------------------------------------------------------
# lookup structures


class _SequenceLookup:
    """A deduce LookupTrie (token sequences) as plain sets: the longest item at a token."""

    __slots__ = ("lengths", "pairs", "sequences", "single")

    def __init__(self, items: Iterable[tuple[str, ...]]) -> None:
        single: set[str] = set()
        sequences: set[tuple[str, ...]] = set()
        lengths: dict[str, set[int]] = {}
        for item in items:
            if len(item) == 1:
                single.add(item[0])
            elif item:
                sequences.add(item)
                lengths.setdefault(item[0], set()).add(len(item))
        self.single = frozenset(single)
        self.sequences = frozenset(sequences)
        self.lengths = {word: tuple(sorted(ls, reverse=True)) for word, ls in lengths.items()}
        self.pairs = frozenset(item[:2] for item in sequences)  # quick rejection

    @classmethod
    def from_trie(cls, trie: Any) -> _SequenceLookup:
        """Read every item of a docdeid LookupTrie (without matching pipeline)."""
        if trie.matching_pipeline:
            raise NotImplementedError("LookupTrie with a matching pipeline")
        interned: dict[str, str] = {}
        items: list[tuple[str, ...]] = []
        stack: list[tuple[Any, tuple[str, ...]]] = [(trie, ())]
        while stack:
            node, path = stack.pop()
            if node.is_terminal and path:
                items.append(path)
            for key, child in node.children.items():
                stack.append((child, (*path, interned.setdefault(key, key))))
        return cls(items)

    def single_only_words(self) -> set[str]:
        """The words that are an item and start no longer item."""
        return set(self.single).difference(self.lengths)

    def multi_start_words(self) -> set[str]:
        """The words longer items start with."""
        return set(self.lengths)

    def longest(self, toks: Sequence[str], i: int) -> int:
        """The number of tokens of the longest item starting at token i (0: none)."""
        word = toks[i]
        lengths = self.lengths.get(word)
        if lengths is not None:
            n = len(toks)
            if i + 1 < n and (word, toks[i + 1]) in self.pairs:
                for length in lengths:
                    if i + length <= n and tuple(toks[i:i + length]) in self.sequences:
                        return length
        return 1 if word in self.single else 0


def _set_items(lookup_set: Any) -> frozenset[str]:
    return frozenset(lookup_set.items())


def _pipeline(lookup_set: Any) -> Callable[[str], str] | None:
    """A LookupSet's matching pipeline as one function (None: exact matching)."""
    steps = list(lookup_set.matching_pipeline or ())
    if not steps:
        return None
    if len(steps) == 1 and type(steps[0]).__name__ == "LowercaseString":
        return str.casefold  # docdeid's LowercaseString.process is str.casefold
    processes = [step.process for step in steps]

    def apply(text: str) -> str:
        for process in processes:
            text = process(text)
        return text

    return apply


# ---------------------------------------------------------------------------------------------
# token predicates (deduce.annotator._PatternPositionMatcher)


def _is_like_name(text: str) -> bool:
    return len(text) >= 3 and text.istitle() and (text.isalpha() or not any(map(str.isdigit, text)))


def _is_initials(text: str) -> bool:
    return len(text) <= 4 and text.isupper()


def _lookup_predicate(lookup_set: Any, negate: bool) -> Predicate:
    items, pipe = _set_items(lookup_set), _pipeline(lookup_set)
    if pipe is None:
        return (lambda t: t not in items) if negate else items.__contains__
    if negate:
        return lambda t: pipe(t) not in items
    return lambda t: pipe(t) in items


def _equals(predicate: Predicate, value: bool) -> Predicate:
    return predicate if value else (lambda t: not predicate(t))


def _all(predicates: Sequence[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        p0, p1 = predicates
        return lambda t: p0(t) and p1(t)
    if len(predicates) == 3:
        p0, p1, p2 = predicates
        return lambda t: p0(t) and p1(t) and p2(t)

    def every(text: str) -> bool:
        return all(p(text) for p in predicates)

    return every


def _any(predicates: Sequence[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]

    def some(text: str) -> bool:
        return any(p(text) for p in predicates)

    return some


def _predicate(position: Mapping[str, Any], ds: Any) -> Predicate:
    """One pattern position (a dict with one key) as a predicate on the token text."""
    if len(position) != 1:
        raise ValueError(f"pattern position {position} must have one key")
    func, value = next(iter(position.items()))
    if func == "lookup":
        return _lookup_predicate(ds[value], negate=False)
    if func == "neg_lookup":
        return _lookup_predicate(ds[value], negate=True)
    if func == "like_name":
        return _equals(_is_like_name, bool(value))
    if func == "is_initials":
        return _equals(_is_initials, bool(value))
    if func == "equal":
        return lambda t: t == value
    if func == "re_match":
        compiled = re.compile(value)
        return lambda t: compiled.match(t) is not None
    if func == "and":
        return _all([_predicate(p, ds) for p in value])
    if func == "or":
        return _any([_predicate(p, ds) for p in value])
    raise NotImplementedError(f"no logic for pattern {func}")


def _match_after(toks: Sequence[str], i: int, predicates: Sequence[Predicate], skip: frozenset[str],
                 step: int) -> int:
    """deduce's `_match_sequence` from the first token after token i (in direction step: +1
    right, -1 left) that is not in skip, with the predicates in matching order and skip tokens
    passed over between them: the last matched token index, or -1."""
    n = len(toks)
    end = -1
    for predicate in predicates:
        i += step
        while 0 <= i < n and toks[i] in skip:
            i += step
        if i < 0 or i >= n or not predicate(toks[i]):
            return -1
        end = i
    return end


def _match_at(toks: Sequence[str], i: int, predicates: Sequence[Predicate], skip: frozenset[str]) -> int:
    """deduce's `_match_sequence` to the right from token i itself (not skipped)."""
    if not predicates[0](toks[i]):
        return -1
    return _match_after(toks, i, predicates[1:], skip, 1) if len(predicates) > 1 else i


# ---------------------------------------------------------------------------------------------
# annotators


class _Annotator(Protocol):
    tag: str
    bit: int

    def end_at(self, toks: Sequence[str], i: int) -> int: ...


@dataclass(frozen=True, slots=True)
class _TokenPattern:
    """deduce's TokenPatternAnnotator (matching to the right from its start tokens)."""

    tag: str
    bit: int  # tokens with this code bit match the first position; 0: try every token
    predicates: tuple[Predicate, ...]
    skip: frozenset[str]

    def end_at(self, toks: Sequence[str], i: int) -> int:
        if not self.bit:
            return _match_at(toks, i, self.predicates, self.skip)
        if len(self.predicates) == 1:
            return i  # the code bit is the first position's lookup
        return _match_after(toks, i, self.predicates[1:], self.skip, 1)


@dataclass(frozen=True, slots=True)
class _TrieLookup:
    """docdeid's MultiTokenLookupAnnotator over a LookupTrie."""

    tag: str
    bit: int  # words that start a multi-token item
    single_bit: int  # words that are an item and start no longer one
    lookup: _SequenceLookup
    overlapping: bool

    def end_at(self, toks: Sequence[str], i: int) -> int:
        return i + self.lookup.longest(toks, i) - 1


@dataclass(frozen=True, slots=True)
class _ContextPattern:
    """One pattern of deduce's ContextAnnotator."""

    right: bool
    pre_tag: frozenset[str]
    tag: str
    skip: frozenset[str]
    predicates: tuple[Predicate, ...]  # in matching order (reversed for left)

    def extend(self, toks: Sequence[str], spans: set[_Span]) -> None:
        """Extend every span in spans this pattern applies to (in place)."""
        right, pre_tag, tag_format, skip, predicates = (
            self.right, self.pre_tag, self.tag, self.skip, self.predicates)
        for span in list(spans):
            first, last, tag = span
            if right:
                if tag.rpartition("+")[2] not in pre_tag:
                    continue
                end = _match_after(toks, last, predicates, skip, 1)
                if end < 0:
                    continue
                extended = (first, end, tag_format.format(tag=tag))
            else:
                if tag.partition("+")[0] not in pre_tag:
                    continue
                end = _match_after(toks, first, predicates, skip, -1)
                if end < 0:
                    continue
                extended = (end, last, tag_format.format(tag=tag))
            spans.remove(span)
            spans.add(extended)


@dataclass(frozen=True, slots=True)
class _Context:
    """deduce's ContextAnnotator: extends annotations left or right, optionally iterating on
    the annotations that changed."""

    patterns: tuple[_ContextPattern, ...]
    iterative: bool

    def apply(self, toks: Sequence[str], spans: set[_Span]) -> set[_Span]:
        original = set(spans)
        for pattern in self.patterns:
            pattern.extend(toks, spans)
        if not self.iterative:
            return spans
        changed = spans - original
        kept = spans & original
        if changed:
            kept |= self.apply(toks, changed)
        return kept


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the annotators of a lookup stage do at a token with a given code."""

    single_tags: tuple[str, ...]  # one-token trie items: (i, i, tag) without matching
    annotators: tuple[_Annotator, ...]  # to match from the token


@dataclass(frozen=True, slots=True)
class _Lookups:
    """A run of consecutive lookup-based annotators, all adding to the annotation set."""

    plans: Mapping[int, _Plan]  # token code -> plan
    bits: int  # all code bits of this stage's annotators
    any_token: tuple[_Annotator, ...]  # annotators without start words
    sequential: tuple[_TrieLookup, ...]  # non-overlapping trie lookups (skip ahead)

    def apply(self, toks: Sequence[str], codes: Sequence[int | None], hits: Sequence[int],
              spans: set[_Span]) -> None:
        plans = self.plans
        for i in hits:
            plan = plans.get(codes[i])  # type: ignore[arg-type]
            if plan is None:
                continue
            for tag in plan.single_tags:
                spans.add((i, i, tag))
            for annotator in plan.annotators:
                end = annotator.end_at(toks, i)
                if end >= i:
                    spans.add((i, end, annotator.tag))
        for annotator in self.any_token:
            for i in range(len(toks)):
                end = annotator.end_at(toks, i)
                if end >= i:
                    spans.add((i, end, annotator.tag))
        for trie in self.sequential:
            self._apply_sequential(trie, toks, codes, hits, spans)

    @staticmethod
    def _apply_sequential(trie: _TrieLookup, toks: Sequence[str], codes: Sequence[int | None],
                          hits: Sequence[int], spans: set[_Span]) -> None:
        min_i, bits = 0, trie.bit | trie.single_bit
        for i in hits:
            if i < min_i or not (codes[i] or 0) & bits:
                continue
            end = trie.end_at(toks, i)
            if end >= i:
                spans.add((i, end, trie.tag))
                min_i = end + 1


# ---------------------------------------------------------------------------------------------
# the matcher


def _tag_priority(tag: str) -> int:
    """PersonAnnotationConverter's order: pseudo names first, then patient, then the rest."""
    if _PSEUDO in tag:
        return 0
    if _PATIENT in tag:
        return 1
    return 2


def _free_runs(mask: bytearray, start: int, end: int) -> list[tuple[int, int]]:
    """The runs of [start, end) not yet covered in mask (OverlapResolver's zero runs)."""
    seg = mask[start:end]
    if 1 not in seg:
        return [(start, end)]
    runs = []
    j = seg.find(0)
    while j != -1:
        k = seg.find(1, j)
        if k == -1:
            k = len(seg)
        runs.append((start + j, start + k))
        j = seg.find(0, k)
    return runs


class NameMatcher:
    """deduce's names-only annotations (see the module docstring), fast."""

    def __init__(self, tokens: _TokenPatterns,
                 merge: _SequenceLookup | None, codes: dict[str, int], merge_bit: int,
                 stages: tuple[_Lookups | _Context, ...], slack: re.Pattern[str] | None) -> None:
        self._tokens = tokens
        self._merge = merge
        self._codes = codes
        self._merge_bit = merge_bit
        self._stages = stages
        self._slack = slack

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_deduce(cls, deduce_instance: Any) -> NameMatcher:
        """Build from a deduce instance: its tokenizer, lookup structures and processors."""
        tokenizer = deduce_instance.tokenizers["default"]
        tokens = _TokenPatterns.from_deduce(tokenizer._pattern)
        merge = _SequenceLookup.from_trie(tokenizer._trie) if tokenizer._trie is not None else None
        builder = _StageBuilder(deduce_instance.lookup_structs)
        slack = builder.read(deduce_instance.processors)
        merge_bit = builder.add_start_words(merge.multi_start_words()) if merge is not None else 0
        codes = builder.codes()
        stages = builder.stages(set(codes.values()))
        return cls(tokens, merge, codes, merge_bit, stages, slack)

    # -- matching -------------------------------------------------------------------------

    def annotations(self, text: str) -> list[Annotation]:
        """(start_char, end_char, text, tag) of deduce's final annotations for text."""
        if not text:
            return []
        parts = self._tokens.split(text)  # gap, token, gap, token, ..., gap
        toks = parts[1::2]
        codes = list(map(self._codes.get, toks))
        hits = list(compress(range(len(codes)), codes))
        if not hits:
            return []
        present = reduce(or_, map(codes.__getitem__, hits))
        if present & self._merge_bit and self._merge_terms(parts, toks, codes, hits):
            hits = list(compress(range(len(codes)), codes))
            present = reduce(or_, map(codes.__getitem__, hits), 0)
        spans: set[_Span] = set()
        for stage in self._stages:
            if isinstance(stage, _Lookups):
                if present & stage.bits or stage.any_token:
                    stage.apply(toks, codes, hits, spans)
            elif spans:
                spans = stage.apply(toks, spans)
        if not spans:
            return []
        cum = list(accumulate(map(len, parts)))  # token i spans cum[2i]:cum[2i+1]
        chars = [(cum[2 * first], cum[2 * last + 1], tag) for first, last, tag in spans]
        return self._finish(text, self._convert(text, chars))

    def _merge_terms(self, parts: list[str], toks: list[str], codes: list[int | None],
                     hits: list[int]) -> bool:
        """Join deduce's merge terms into single tokens, in place (DeduceTokenizer._merge):
        the longest term at every start word, left to right. Whether any was joined."""
        merge = self._merge
        assert merge is not None
        bit, pairs, last = self._merge_bit, merge.pairs, len(toks) - 1
        joins = []
        i = 0
        for h in hits:
            if h < i or not (codes[h] or 0) & bit or h == last or (toks[h], toks[h + 1]) not in pairs:
                continue
            length = merge.longest(toks, h)
            if length > 1:
                joins.append((h, length))
                i = h + length
        get = self._codes.get
        for h, length in reversed(joins):  # right to left: earlier indices stay valid
            joined = "".join(parts[2 * h + 1:2 * (h + length)])
            parts[2 * h + 1:2 * (h + length)] = [joined]
            toks[h:h + length] = [joined]
            codes[h:h + length] = [get(joined)]
        return bool(joins)

    @staticmethod
    def _convert(text: str, chars: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """PersonAnnotationConverter: resolve overlap (pseudo, patient, others; longest first),
        drop pseudo names and blank leftovers, map the tags; sorted by start."""
        if len(chars) == 1:  # the common case: nothing to resolve
            start, end, tag = chars[0]
            if _PSEUDO in tag or not text[start:end].strip():
                return []
            return [(start, end, _PATIENT if _PATIENT in tag else _PERSON)]
        chars.sort(key=lambda c: (_tag_priority(c[2]), c[0] - c[1], c[1], c[0], c[2]))
        mask = bytearray(max(end for _, end, _ in chars))
        out = []
        for start, end, tag in chars:
            runs = _free_runs(mask, start, end)
            mask[start:end] = b"\x01" * (end - start)
            if _PSEUDO in tag:
                continue
            new_tag = _PATIENT if _PATIENT in tag else _PERSON
            out += [(s, e, new_tag) for s, e in runs if text[s:e].strip()]
        out.sort()
        return out

    def _finish(self, text: str, spans: list[tuple[int, int, str]]) -> list[Annotation]:
        """DeduceMergeAdjacentAnnotations, then the annotations in deduce's set order."""
        if not spans:
            return []
        final: set[tuple[str, int, int, str, int]] = set()  # hashes like docdeid's Annotation
        start, end, tag = spans[0]
        for next_start, next_end, next_tag in spans[1:]:
            if self._adjacent(text, end, next_start, tag, next_tag):
                end = next_end
                tag = tag if tag == next_tag else _PATIENT
            else:
                final.add((text[start:end], start, end, tag, end - start))
                start, end, tag = next_start, next_end, next_tag
        final.add((text[start:end], start, end, tag, end - start))
        return [(s, e, t, g) for t, s, e, g, _ in final]

    def _adjacent(self, text: str, end: int, next_start: int, tag: str, next_tag: str) -> bool:
        if tag != next_tag and {tag, next_tag} != {_PATIENT, _PERSON}:
            return False
        between = text[end:next_start]
        if self._slack is None:
            return between == ""
        return self._slack.fullmatch(between) is not None


class _StageBuilder:
    """Reads deduce's processors into the matcher's stages and token codes."""

    _IGNORED = frozenset({"PatientNameAnnotator", "DeduceRedactor", "SimpleRedactor"})

    def __init__(self, ds: Any) -> None:
        self.ds = ds
        self._groups: list[list[_Annotator] | _Context] = []
        self._start_words: dict[int, set[str]] = {}
        self._converted = False

    def read(self, processors: Any) -> re.Pattern[str] | None:
        """Walk the processor groups in order; returns the adjacent-annotation slack."""
        import deduce.annotator as dan
        import docdeid as dd

        slack: re.Pattern[str] | None = None
        for _, proc in self._walk(processors):
            name = type(proc).__name__
            if isinstance(proc, dan.ContextAnnotator):
                self._groups.append(self._context(proc))
            elif isinstance(proc, dan.TokenPatternAnnotator):
                self._add(self._token_pattern(proc))
            elif isinstance(proc, dd.process.MultiTokenLookupAnnotator):
                self._add(self._trie_lookup(proc))
            elif name == "PersonAnnotationConverter":
                self._converted = True
            elif isinstance(proc, dd.process.MergeAdjacentAnnotations):
                self._check_converted(name)
                slack = re.compile(proc.slack_regexp) if proc.slack_regexp is not None else None
            elif isinstance(proc, dd.process.OverlapResolver):
                self._check_converted(name)  # a no-op on the converter's non-overlapping output
            elif name in ("RemoveAnnotations", "CleanAnnotationTag"):
                self._check_tag_processor(proc)
            elif name in self._IGNORED:
                continue  # needs patient metadata / writes the redacted text only
            else:
                raise NotImplementedError(f"deduce processor {name} is not reproduced")
        if not self._converted:
            raise NotImplementedError("deduce without PersonAnnotationConverter")
        return slack

    @staticmethod
    def _walk(group: Any) -> Iterable[tuple[str, Any]]:
        for name, proc in group:
            if hasattr(proc, "get_names"):
                yield from _StageBuilder._walk(proc)
            else:
                yield name, proc

    def _check_converted(self, name: str) -> None:
        if not self._converted:
            raise NotImplementedError(f"{name} before PersonAnnotationConverter")

    @staticmethod
    def _check_tag_processor(proc: Any) -> None:
        tags = set(getattr(proc, "tags", ())) | set(getattr(proc, "tag_map", {}))
        if tags & {_PERSON, _PATIENT}:
            raise NotImplementedError(f"{type(proc).__name__} on person tags")

    def _add(self, annotator: _Annotator) -> None:
        if self._converted:
            raise NotImplementedError("name annotator after PersonAnnotationConverter")
        if not self._groups or isinstance(self._groups[-1], _Context):
            self._groups.append([])
        group = self._groups[-1]
        assert isinstance(group, list)
        group.append(annotator)

    def add_start_words(self, words: set[str]) -> int:
        """A new code bit for tokens with one of these texts."""
        bit = 1 << len(self._start_words)
        self._start_words[bit] = words
        return bit

    def _token_pattern(self, proc: Any) -> _TokenPattern:
        pattern = list(proc.pattern)
        bit = 0
        first = pattern[0] if pattern else {}
        if "lookup" in first and _pipeline(self.ds[first["lookup"]]) is None:
            bit = self.add_start_words(set(_set_items(self.ds[first["lookup"]])))
        predicates = tuple(_predicate(p, self.ds) for p in pattern)
        return _TokenPattern(proc.tag, bit, predicates, frozenset(proc.skip))

    def _trie_lookup(self, proc: Any) -> _TrieLookup:
        if proc._matching_pipeline:
            raise NotImplementedError("MultiTokenLookupAnnotator with a matching pipeline")
        lookup = _SequenceLookup.from_trie(proc._trie)
        bit = self.add_start_words(lookup.multi_start_words())
        single_bit = self.add_start_words(lookup.single_only_words())
        return _TrieLookup(proc.tag, bit, single_bit, lookup, bool(proc.overlapping))

    def _context(self, proc: Any) -> _Context:
        if self._converted:
            raise NotImplementedError("ContextAnnotator after PersonAnnotationConverter")
        patterns = []
        for cp in proc.pattern:
            right = cp["direction"] == "right"
            predicates = [_predicate(p, self.ds) for p in cp["pattern"]]
            patterns.append(_ContextPattern(
                right, frozenset(cp["pre_tag"]), cp["tag"], frozenset(cp.get("skip", ())),
                tuple(predicates if right else reversed(predicates))))
        return _Context(tuple(patterns), bool(proc.iterative))

    def codes(self) -> dict[str, int]:
        """Token text -> bit set of the annotators that can start at it."""
        codes: dict[str, int] = {}
        for bit, words in self._start_words.items():
            for word in words:
                codes[word] = codes.get(word, 0) | bit
        return codes

    def stages(self, code_values: Iterable[int]) -> tuple[_Lookups | _Context, ...]:
        """The stages, each lookup group with its plan per token code."""
        values = set(code_values)
        stages: list[_Lookups | _Context] = []
        for group in self._groups:
            if isinstance(group, _Context):
                stages.append(group)
                continue
            sequential = tuple(a for a in group if isinstance(a, _TrieLookup) and not a.overlapping)
            started = [a for a in group if a.bit and a not in sequential]
            singles = [a for a in group if isinstance(a, _TrieLookup) and a.overlapping]
            plans = {}
            for v in values:
                plan = _Plan(tuple(a.tag for a in singles if a.single_bit & v),
                             tuple(a for a in started if a.bit & v))
                if plan.single_tags or plan.annotators:
                    plans[v] = plan
            any_token = tuple(a for a in group if not a.bit and not isinstance(a, _TrieLookup))
            bits = 0
            for a in group:
                bits |= a.bit | getattr(a, "single_bit", 0)
            stages.append(_Lookups(plans, bits, any_token, sequential))
        return tuple(stages)
