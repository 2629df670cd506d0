"""Whose personal data a draft holds, and of what kind: someone else's contact data, a name
together with a detail (health, family circumstances, a child alone at home)."""

from __future__ import annotations

from collections import Counter

from model.evidence import evidence_rule

CONTACT_PII = frozenset({"phone_number", "email", "street_address", "postcode", "bsn", "iban",
                         "date_of_birth", "social_handle", "credential"})


@evidence_rule("personal_data")
def personal_data(an, ctx) -> None:  # type: ignore[no-untyped-def]
    f = an.features
    own = Counter(s.type for s in an.pii if s.owner == "author")
    other = Counter(s.type for s in an.pii if s.owner != "author")
    for t, c in other.items():
        f[f"pii_other={t}"] = min(c, 3) / 3.0
    for t, c in own.items():
        f[f"pii_own={t}"] = min(c, 3) / 3.0
    other_contact = sum(c for t, c in other.items() if t in CONTACT_PII)
    f["pii_other_contact"] = 1.0 if other_contact else 0.0
    f["pii_name_with_detail"] = 1.0 if other.get("person_name") and (
        other_contact or other.get("health") or ctx.hits("family_circumstances") or ctx.hits("alone_home")
    ) else 0.0
    if other.get("health") and not own.get("health"):
        f["health_other"] = 1.0
