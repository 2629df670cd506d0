"""Recognizers for Dutch personal data.

Libraries built for the job do the validation (phonenumbers, python-stdnum BSN elfproef and
IBAN mod 97, deduce for names and locations); the school-specific recognizers (handles,
credentials, health terms, names in chat after "juf"/"meester") sit on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from model.pii.base import PiiSpan

_TRAILING = ".,;:!?)]}'\"»"


class RegexRecognizer:
    """A pattern (group `value` or the whole match) with an optional validator."""

    def __init__(self, name: str, entity: str, pattern: str, priority: int = 5,
                 score: float = 0.85, flags: int = 0) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.pattern = re.compile(pattern, flags)

    def validate(self, value: str) -> bool:
        return True

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        for m in self.pattern.finditer(text):
            group = "value" if "value" in self.pattern.groupindex else 0
            start, end = m.span(group)
            value = text[start:end]
            while value and value[-1] in _TRAILING:
                value, end = value[:-1], end - 1
            if value and self.validate(value):
                spans.append(PiiSpan(self.entity, start, end, value, self.name, self.score))
        return spans


class BsnRecognizer(RegexRecognizer):
    def __init__(self) -> None:
        super().__init__("bsn_elfproef", "bsn",
                         r"(?<![\d\w-])[1-9](?:[ .]?\d){8}(?![\d\w])", priority=9)

    def validate(self, value: str) -> bool:
        digits = re.sub(r"\D", "", value)
        return len(digits) == 9 and not digits.startswith("0") and stdnum_bsn.is_valid(digits)


class IbanRecognizer(RegexRecognizer):
    def __init__(self) -> None:
        super().__init__("iban_mod97", "iban",
                         r"(?<![\w])[A-Za-z]{2}\d{2}[ ]?(?:[A-Za-z0-9]{4}[ ]?){2,7}[A-Za-z0-9]{1,4}(?![\w])",
                         priority=9)

    def validate(self, value: str) -> bool:
        return stdnum_iban.is_valid(value.upper())

    def analyze(self, text: str) -> list[PiiSpan]:
        """The pattern may swallow a following word ("NL.. 00 ABCD"): on a failed checksum,
        retry with the match cut back at each earlier space."""
        spans = []
        for m in self.pattern.finditer(text):
            value = m.group()
            while value:
                if self.validate(value):
                    spans.append(PiiSpan(self.entity, m.start(), m.start() + len(value), value, self.name,
                                         self.score))
                    break
                cut = value.rstrip().rfind(" ")
                value = value[:cut].rstrip() if cut > 4 else ""
        return spans


class PhoneRecognizer:
    """Phone numbers via Google's libphonenumber port, Dutch region by default."""

    name = "phonenumbers"
    entity = "phone_number"
    priority = 8
    _enough_digits = re.compile(r"(?:\d\D{0,3}){9}")
    _mobile = re.compile(r"(?<![\w+])(?:\+31[\s-]?(?:\(0\))?[\s-]?6|0031[\s-]?6|06)(?:[\s-]?\d){8}(?!\d)")

    def analyze(self, text: str) -> list[PiiSpan]:
        if not self._enough_digits.search(text):
            return []
        spans = []
        for match in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.POSSIBLE):
            spans.append(PiiSpan(self.entity, match.start, match.end, match.raw_string, self.name, 0.95))
        # Dutch mobile numbers in any block format, also in ranges libphonenumber calls unassigned
        for m in self._mobile.finditer(text):
            if not any(s.start < m.end() and m.start() < s.end for s in spans):
                spans.append(PiiSpan(self.entity, m.start(), m.end(), m.group(), "mobile_pattern", 0.9))
        return spans


class HandleRecognizer:
    """@handles and 'snap: naam' style account mentions."""

    name = "social_handle"
    entity = "social_handle"
    priority = 6
    _at = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@]|\.[A-Za-z]{2,})")
    _named = re.compile(
        r"\b(?:snap(?:chat)?|insta(?:gram)?|ig|tiktok|tt|discord|sc|roblox|fortnite|x|twitter|twitch|"
        r"youtube|yt)\s*(?:naam|name|account|id)?\s*(?:van\s+[A-Za-zÀ-ÿ]+\s*)?(?:is\s*)?[:=]\s*"
        r"(?P<value>@?[A-Za-z0-9_.\-#]{3,30})",
        re.IGNORECASE)
    _named_is = re.compile(
        r"\b(?:snap(?:chat)?|insta(?:gram)?|ig|tiktok|discord|roblox|fortnite|twitch|account|gebruikersnaam)"
        r"\s*(?:van\s+[A-Za-zÀ-ÿ]+\s*)?(?:is|heet)\s+(?:het\s+)?(?P<value>@?[A-Za-z0-9][A-Za-z0-9_.\-#]{2,29})",
        re.IGNORECASE)
    _underscore = re.compile(r"(?<![\w@.])[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9](?![\w@])")

    _cue_words = frozenset({"wachtwoord", "ww", "password", "pw", "login", "inlog", "code", "pin", "pincode",
                            "account", "naam", "profiel", "gebruikersnaam"})

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = [PiiSpan(self.entity, m.start(), m.end(), m.group(), self.name, 0.9)
                 for m in self._at.finditer(text)]
        named = list(self._named.finditer(text))
        named += [m for m in self._named_is.finditer(text)
                  if any(c.isdigit() or c in "_.#" for c in m.group("value"))]
        named += list(self._underscore.finditer(text))
        for m in named:
            start, end = m.span("value") if "value" in m.re.groupindex else m.span()
            value = text[start:end].rstrip(_TRAILING)
            end = start + len(value)
            if value.lower() in self._cue_words:
                continue
            if len(value) >= 3 and not any(s.start <= start < s.end for s in spans):
                spans.append(PiiSpan(self.entity, start, end, value, self.name, 0.85))
        return spans


class CredentialRecognizer:
    """A password, pincode or login code: the first secret-looking word after its cue word,
    within the same sentence ("het wachtwoord van Sem zijn snappet is Voetbal2014")."""

    name = "credential_cue"
    entity = "credential"
    priority = 7
    _cue = re.compile(
        r"\b(?:wachtwoord|wachtwoorden|ww|wachtw|password|passwoord|pw|pass|pincode|pin|inlogcode|"
        r"inloggegevens|login(?:code)?|toegangscode|wifi-?code|code)\b", re.IGNORECASE)
    _word = re.compile(r"[\"'‘’]?([^\s\"',;‘’()]{3,40})[\"'‘’]?")
    _not_secret = frozenset({"is", "was", "van", "en", "de", "het", "een", "niet", "kwijt", "vergeten",
                             "veranderen", "aanpassen", "nodig", "gewoon", "ook", "al", "nog", "weer", "dan",
                             "maar", "op", "in", "voor", "om", "te", "zijn", "wordt", "heb", "hebt", "heeft",
                             "moet", "mag", "kan", "via", "met", "bij", "naar", "veilig", "sterk", "geheim?"})

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        for cue in self._cue.finditer(text):
            window_end = cue.end() + 60
            stop = re.search(r"[.!?\n](?:\s|$)", text[cue.end():window_end])
            if stop:
                window_end = cue.end() + stop.start()
            colon = False
            for m in self._word.finditer(text, cue.end(), window_end):
                value = m.group(1).rstrip(_TRAILING)
                between = text[cue.end():m.start()]
                colon = colon or ":" in between or "=" in between
                quoted = m.group(0)[:1] in "\"'‘’" and m.group(0)[-1:] in "\"'‘’"
                if value.lower() in self._not_secret or not value:
                    continue
                has_digit = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
                pin = value.isdigit() and 4 <= len(value) <= 8
                if has_digit or pin or quoted or (colon and len(between.split()) <= 1):
                    s = m.start(1)
                    spans.append(PiiSpan(self.entity, s, s + len(value), value, self.name, 0.85))
                    break
        return spans


_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
           "jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec")


class DateOfBirthRecognizer:
    """A date near a birth cue (geboren, geb., jarig, verjaardag, geboortedatum)."""

    name = "date_of_birth_context"
    entity = "date_of_birth"
    priority = 6
    _date = re.compile(
        rf"\b(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:\d{{4}}|\d{{2}})|\d{{1,2}}\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?|"
        r"\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
    _cue = re.compile(r"\b(?:geboren|geb\.?|geboortedatum|geboortedag|geboortedata|jarig|verjaardag\w*|"
                      r"verjaard|dob|bday|birthday|wordt\s+\w+\s+op|wordt\s+(?:\w+\s+)?\d+(?:\s+jaar)?|"
                      r"\d+\s+jaar|geworden|ter\s+wereld)\b", re.IGNORECASE)

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        for m in self._date.finditer(text):
            window = text[max(0, m.start() - 80): m.start()] + " " + text[m.end(): m.end() + 25]
            if self._cue.search(window):
                spans.append(PiiSpan(self.entity, m.start(), m.end(), m.group(), self.name, 0.85))
        return spans


class StreetAddressRecognizer(RegexRecognizer):
    """Street name with a typical Dutch street suffix and a house number."""

    def __init__(self) -> None:
        suffixes = ("straat|laan|weg|plein|gracht|kade|dijk|singel|hof|pad|steeg|dreef|park|plantsoen|"
                    "markt|baan|ring|veld|erf|hoek|oord|wal|haven|burg|akker|donk|horst|kamp|meer|"
                    "vliet|zoom|boulevard|allee|straatweg|dam|pleintje|promenade|wijk|brink|es|gaarde")
        super().__init__(
            "street_pattern", "street_address",
            rf"(?<![\w])(?:[A-Z][\w'\-]+\s)?(?:[A-Za-z][\w'\-]*(?:{suffixes}))\s+\d{{1,4}}(?:\s?[a-zA-Z](?![\w]))?(?:\s?-\s?\d{{1,3}})?(?![\d])",
            priority=7)


class ContextStreetRecognizer(RegexRecognizer):
    """A capitalised name with a house number after "woont (op|aan) de", "op de", "aan de":
    streets without a typical suffix ("de Hazelaar 23", "op de Brink 2a")."""

    def __init__(self) -> None:
        super().__init__(
            "street_context", "street_address",
            r"\b(?:(?:woon\w*|verhuisd)\s+(?:naar\s+|op\s+|aan\s+)?(?:de\s+|het\s+)?|(?:op|aan|naar)\s+(?:de|het)\s+)"
            r"(?P<value>[A-Z][a-zà-ÿ]+(?:\s[A-Z][a-zà-ÿ]+)?\s+\d{1,4}(?:\s?[a-zA-Z](?![\w]))?)(?![\d])",
            priority=6)


class PostcodeRecognizer(RegexRecognizer):
    def __init__(self) -> None:
        super().__init__("postcode_nl", "postcode",
                         r"(?<![\w])[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}(?![\w])|(?<![\w])[1-9]\d{3}(?!sa|sd|ss)[a-z]{2}(?![\w])",
                         priority=7)


class EmailRecognizer(RegexRecognizer):
    def __init__(self) -> None:
        super().__init__("email_pattern", "email",
                         r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w])", priority=9,
                         score=0.95)


class TermRecognizer:
    """Whole-word lexicon terms (health and diagnosis words) as spans."""

    def __init__(self, name: str, entity: str, terms: Iterable[str], priority: int = 4,
                 compound_min: int = 7) -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        alternatives = sorted({t for t in terms if t}, key=len, reverse=True)
        body = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in alternatives) or r"(?!x)x"
        # longer single-word terms also end a Dutch compound ("notenallergie", "hartoperatie")
        heads = [re.escape(t) for t in alternatives if " " not in t and len(t) >= compound_min]
        compound = rf"|(?<![\w])[a-zà-ÿ]{{3,}}(?:{'|'.join(heads)})" if heads else ""
        self.pattern = re.compile(rf"(?<![\w])(?:{body}){compound}(?![\w])", re.IGNORECASE)

    def analyze(self, text: str) -> list[PiiSpan]:
        return [PiiSpan(self.entity, m.start(), m.end(), m.group(), self.name, 0.8)
                for m in self.pattern.finditer(text)]


class TitledNameRecognizer:
    """Names after a title or kinship word, also in lower case ('juf marieke', 'moeder van daan').

    Lower-case chat names are only accepted if the word is in deduce's first-name list.
    """

    name = "titled_name"
    entity = "person_name"
    priority = 3
    _pattern = re.compile(
        r"\b(?:juf|juffrouw|meester|mees|mevrouw|meneer|mevr\.?|mw\.?|dhr\.?|mr\.?|mr|"
        r"moeder van|vader van|mama van|papa van|moeder|vader|broertje van|zusje van|broer van|zus van|"
        r"(?:zoon|dochter|neefje|nichtje|vriend|vriendin|buurjongen|buurmeisje|klasgenoot)(?:je)?)"
        r"\s+(?P<value>[A-Za-zÀ-ÿ][a-zà-ÿ'\-]{1,20})", re.IGNORECASE)

    def __init__(self, first_names: frozenset[str]) -> None:
        self.first_names = first_names

    def analyze(self, text: str) -> list[PiiSpan]:
        spans = []
        for m in self._pattern.finditer(text):
            start, end = m.span("value")
            value = text[start:end]
            if value[0].isupper() or value.lower() in self.first_names:
                if value.lower() in _NOT_NAMES:
                    continue
                spans.append(PiiSpan(self.entity, start, end, value, self.name, 0.7))
        return spans


# Capitalised words deduce or the titled recognizer may take for names but are not.
_NOT_NAMES = {
    "de", "het", "een", "van", "en", "is", "was", "heeft", "zei", "zegt", "op", "in", "die", "dat",
    "juf", "meester", "groep", "parro", "school", "ouders", "mama", "papa", "oma", "opa", "god",
    "sinterklaas", "piet", "kerst", "pasen", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag",
    "zaterdag", "zondag", "hoi", "hey", "hallo", "doei", "lol", "haha", "ok", "oke", "top", "super",
    "instagram", "snapchat", "tiktok", "whatsapp", "facebook", "youtube", "discord", "roblox", "fortnite",
    "linkedin", "brawl", "minecraft", "google", "marel", "kc", "ib", "ib'er", "ggd", "cito", "adhd",
}
