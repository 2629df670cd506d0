"""Identifiers from shared/guide/labels.md: labels, roles, PII types, levels."""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "bullying",
    "threat",
    "personal_info",
    "media_consent",
    "report_meeting",
    "reputation",
    "sexual",
    "staff_boundary",
)
AUTHOR_ROLES: tuple[str, ...] = ("medewerker", "ouder", "leerling")
ROLES: tuple[str, ...] = (*AUTHOR_ROLES, "onbekend")
DEFAULT_ROLE = "onbekend"

PII_TYPES: tuple[str, ...] = (
    "person_name",
    "phone_number",
    "email",
    "street_address",
    "postcode",
    "bsn",
    "iban",
    "date_of_birth",
    "social_handle",
    "credential",
    "health",
)
# Placeholder used in redacted_text, and the Dutch word shown to users.
PII_PLACEHOLDER = {
    "person_name": "NAAM",
    "phone_number": "TELEFOONNUMMER",
    "email": "E-MAILADRES",
    "street_address": "ADRES",
    "postcode": "POSTCODE",
    "bsn": "BSN",
    "iban": "IBAN",
    "date_of_birth": "GEBOORTEDATUM",
    "social_handle": "ACCOUNT",
    "credential": "INLOGGEGEVENS",
    "health": "GEZONDHEID",
}
PII_NAME_NL = {
    "person_name": "Naam",
    "phone_number": "Telefoonnummer",
    "email": "E-mailadres",
    "street_address": "Adres",
    "postcode": "Postcode",
    "bsn": "BSN",
    "iban": "Bankrekeningnummer (IBAN)",
    "date_of_birth": "Geboortedatum",
    "social_handle": "Social-media-account",
    "credential": "Wachtwoord of inlogcode",
    "health": "Gezondheid of diagnose",
}
LEVELS: tuple[str, ...] = ("geen", "laag", "midden", "hoog")

# Staff boundary sub-articles (labels.md): the article a boundary finding points to.
BOUNDARY_ARTICLES: tuple[str, ...] = (
    "medewerkers.2",
    "medewerkers.4",
    "medewerkers.6",
    "medewerkers.7",
    "medewerkers.8",
)


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
