"""Dutch help for the command line, with the English from the command modules kept in brackets.

The command modules write their help in English (next to the code it describes); this table gives
the Dutch that staff read first. `localize(parser)` walks the parser tree once it is built and turns
each help text `EN` whose key is here into `NL (EN)`. A key is the command path, plus an option
string or a positional's name for arguments: "models promote", "batch --workers", "score text".
Help that is already bilingual (it contains the Dutch itself) simply has no key here.
"""

from __future__ import annotations

import argparse

COMMANDS: dict[str, str] = {
    "setup": "eenmalige installatie: deduce-opzoektabellen bouwen, de spaCy-pijplijn controleren",
    "corpus": "het gelabelde corpus bouwen, controleren en beschrijven",
    "corpus check": "schema, ids, spans, splitsingen, lekken via bijna-dubbele teksten",
    "corpus stats": "aantallen per label, rol, splitsing, bron en lengte",
    "corpus build": "corpus/data opnieuw bouwen uit corpus/raw (met augmentatie)",
    "corpus augment": "corpus/data/augmented.jsonl opnieuw maken",
    "corpus background": "echte Nederlandse zinnen (realnl-dev, CC BY-SA) als achtergrondnegatieven",
    "train": "een model trainen uit corpus/ (deterministisch) en activeren",
    "retrain": "een kandidaat trainen met beoordeelde gevallen; alleen activeren als hij niet slechter is",
    "score": "één concept scoren (gebruik - om het van standaardinvoer te lezen)",
    "batch": "een .jsonl-, .csv- of .xlsx-bestand met concepten scoren (één resultaat per rij, zelfde volgorde)",
    "eval": "het actieve model evalueren en eval/REPORT.md schrijven",
    "models": "modelversies tonen, activeren of terugzetten",
    "models list": "alle versies; * is de actieve",
    "models show": "manifest van een versie (standaard de actieve), met gecontroleerde checksums",
    "models promote": "een versie actief maken",
    "models rollback": "de vorige actieve versie weer activeren",
    "models ensure": "een model trainen als er geen actief is (eerste keer)",
    "protocol": "het socialemediaprotocol van een school controleren of tonen",
    "protocol check": "een protocolbestand controleren (exit 0: geldig, 1: niet)",
    "protocol show": "het protocol tonen waarmee een school bediend wordt",
    "tokens": "reviewertokens beheren (gehasht opgeslagen)",
    "tokens add": "een token voor een reviewer maken en één keer tonen",
    "tokens list": "alle tokens (nooit de geheimen)",
    "tokens revoke": "een token intrekken op id",
    "reviews": "de reviewopslag: bewaartermijn en import",
    "reviews purge": "reviews ouder dan POSTWACHT_REVIEW_RETENTION_DAYS verwijderen",
    "reviews import": "batchresultaten in de reviewwachtrij zetten, de minst zekere eerst",
}

ARGUMENTS: dict[str, str] = {
    "corpus check --limit": "aantal problemen om te tonen",
    "corpus stats --strict": "exit 1 onder de minimumaantallen",
    "corpus background --from": "bronbestand",
    "train --no-activate": "de versie schrijven maar de actieve houden",
    "train --json": "het manifest tonen",
    "retrain --reviews": "beoordeelde gevallen als JSONL (GET /v1/reviews/export); standaard de reviewopslag",
    "retrain --max-macro-drop": "grootste toegestane daling van macro-F1 op een bevroren set",
    "retrain --max-recall-drop": "grootste toegestane daling van de recall van een label op een bevroren set",
    "retrain --holdout": "deel van de nieuwste beoordeelde gevallen dat als bevroren set apart blijft",
    "retrain --review-weight": "een beoordeeld geval weegt W corpusrijen bij het trainen",
    "retrain --alpha": "significantieniveau van de gepaarde toetsen van de gate",
    "retrain --if-new": "alleen hertrainen bij minstens N nieuwe reviews sinds de vorige keer (cron/systemd)",
    "retrain --corpus": "map van het basiscorpus",
    "retrain --json": "ook de gegevens van de run tonen (retrain.json)",
    "score --role": "rol van de schrijver",
    "score --school": "een school uit POSTWACHT_PROTOCOL_DIR wiens protocol geldt",
    "score --json": "het resultaatobject als JSON tonen",
    "batch input": "invoerbestand: .jsonl, .csv of .xlsx",
    "batch --output": "uitvoerbestand: .jsonl of .csv",
    "batch --workers": "werkprocessen (standaard: alle kernen); elk laadt het model één keer",
    "batch --resume": "een onderbroken run voortzetten na de rijen die al in OUTPUT staan",
    "batch --report": "ook een zelfstandig HTML-overzicht schrijven",
    "batch --escalations": "ook de rijen schrijven waarvan het resultaat escaleert (iemand anders moet handelen)",
    "batch --flagged": "ook de lijst met gemarkeerde gevallen voor de coördinator schrijven",
    "batch --engine": "lokale werkprocessen (standaard) of een Dask-cluster",
    "batch --scheduler": "Dask-scheduler, bijv. tcp://10.0.0.5:8786",
    "batch --input-format": "de extensie van de invoer negeren",
    "batch --output-format": "de extensie van de uitvoer negeren",
    "batch --sheet": "werkblad van een .xlsx-invoer (standaard het eerste dat niet leeg is)",
    "batch --school": "de school wiens protocol geldt voor rijen zonder eigen `school`",
    "batch --progress": "de voortgangsbalk altijd tonen (standaard: als stderr een terminal is)",
    "batch --no-progress": "de voortgangsbalk nooit tonen",
    "eval --failures": "mislukte functionele gevallen tonen",
    "eval --golden": "eval/golden/outputs.jsonl schrijven of controleren",
    "protocol check file": "het protocolbestand (.yaml), bijv. een kopie van corpus/protocol.yaml",
    "protocol show --school": "een school uit POSTWACHT_PROTOCOL_DIR (standaard het standaardprotocol)",
    "tokens add name": "voor wie het token is, bijv. 'juf Anna'",
    "reviews purge --days": "de bewaartermijn overschrijven",
    "reviews import file": "batchresultaten (.jsonl)",
    "reviews import --input": "de batchinvoer waar de resultaten vandaan komen (.jsonl, .csv, .xlsx)",
}


def bilingual(dutch: str, english: str | None) -> str:
    if not english or english == argparse.SUPPRESS:
        return dutch
    if english.startswith(dutch):
        return english
    return f"{dutch} ({english})"


def _argument_keys(path: str, action: argparse.Action) -> list[str]:
    if action.option_strings:
        return [f"{path} {option}".strip() for option in action.option_strings]
    return [f"{path} {action.dest}".strip()]


def localize(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Dutch help (English in brackets) for every command and argument in the table."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            pseudo = {a.dest: a for a in action._choices_actions}
            for name, child in action.choices.items():
                key = f"{path} {name}".strip()
                dutch = COMMANDS.get(key)
                if dutch is not None and name in pseudo:
                    english = pseudo[name].help
                    pseudo[name].help = bilingual(dutch, english)
                    child.description = (bilingual(dutch[0].upper() + dutch[1:] + ".", child.description)
                                         if child.description else pseudo[name].help)
                localize(child, key)
            continue
        if action.help == argparse.SUPPRESS:
            continue
        for key in _argument_keys(path, action):
            if key in ARGUMENTS:
                action.help = bilingual(ARGUMENTS[key], action.help)
                break
