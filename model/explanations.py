"""Dutch explanations shown to users for findings."""

from __future__ import annotations

from model.labels import PII_NAME_NL

# Lexicon categories whose hits are shown as evidence, with the user-facing explanation.
CATEGORY_EXPLANATION = {
    "disease_curse": "Ziekte als scheldwoord",
    "general_insult": "Scheldwoord",
    "ableist": "Scheldwoord over een beperking",
    "sexist": "Seksistisch scheldwoord",
    "racist": "Racistisch scheldwoord",
    "homophobic": "Homofoob scheldwoord",
    "antireligious": "Scheldwoord over geloof",
    "animal_insult": "Dier als scheldwoord",
    "appearance": "Belediging over uiterlijk",
    "intellect": "Belediging over intelligentie",
    "english_insult": "Engels scheldwoord",
    "insult_emoji": "Beledigende emoji",
    "exclusion": "Buitensluiten",
    "hate_verbs": "Haatdragende uitspraak",
    "protected_groups": "Uitspraak over een groep mensen",
    "threat_phrase": "Dreigende uitspraak",
    "violent_verb": "Geweld aangekondigd",
    "death_wish": "Iemand de dood toewensen",
    "sexual_term": "Seksueel getinte woorden",
    "photo_request": "Vraagt om foto's",
    "grooming": "Lijkt op grooming (geheimhouding, vleien, privékanaal)",
    "report_meeting": "Inhoud van een gesprek op school",
    "media_noun": "Beeldmateriaal",
    "media_share_verb": "Delen van beeldmateriaal",
    "no_consent": "Zonder toestemming",
    "family_circumstances": "Gezinsomstandigheden van een ander",
    "alone_home": "Kind alleen thuis",
    "credential_cue": "Inloggegevens",
    "private_channel": "Privékanaal in plaats van Parro, mail of telefoon",
    "befriend": "Vriendschaps- of volgverzoek",
    "group_with_pupils": "Groepsapp met leerlingen",
    "mission_views": "Standpunt tegen de missie van de school",
    "accusation": "Beschuldiging",
    "call_to_action": "Oproep tegen de school of een medewerker",
}

TARGETED_INSULT = "Scheldwoord gericht aan een persoon"
MODEL_EVIDENCE = "Woorden die voor het model op {label} wijzen"


def pii_explanation(pii_type: str, owner: str) -> str:
    name = PII_NAME_NL.get(pii_type, pii_type)
    if owner == "author":
        return f"{name} (lijkt van jezelf; delen mag als je dat wilt)"
    return f"{name} van een ander"
