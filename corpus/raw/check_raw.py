"""Check a raw corpus slice written by hand: python corpus/raw/check_raw.py corpus/raw/NAME.jsonl

Each line: {"text", "role", "labels", "pii": [{"type", "value"}], "hard_negative", ...}.
Prints problems and a small count table; exits 1 on any problem.
"""
import collections
import json
import sys

LABELS = {"bullying", "threat", "personal_info", "media_consent", "report_meeting",
          "reputation", "sexual", "staff_boundary", "wellbeing"}
PII = {"person_name", "phone_number", "email", "street_address", "postcode", "bsn", "iban",
       "date_of_birth", "social_handle", "credential", "health"}
ROLES = {"medewerker", "ouder", "leerling"}
BOUNDARY = {"medewerkers.2", "medewerkers.4", "medewerkers.6", "medewerkers.7", "medewerkers.8"}

problems = []
counts = collections.Counter()
texts = collections.Counter()
for path in sys.argv[1:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            ex = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e})")
            continue
        t = ex.get("text")
        if not isinstance(t, str) or not t.strip():
            problems.append(f"{where}: empty text")
            continue
        texts[t] += 1
        if ex.get("role") not in ROLES:
            problems.append(f"{where}: bad role {ex.get('role')!r}")
        labs = ex.get("labels", None)
        if not isinstance(labs, list) or set(labs) - LABELS:
            problems.append(f"{where}: bad labels {labs!r}")
            labs = []
        if "staff_boundary" in labs:
            if ex.get("role") != "medewerker":
                problems.append(f"{where}: staff_boundary needs role medewerker")
            ba = ex.get("boundary_articles")
            if not ba or set(ba) - BOUNDARY:
                problems.append(f"{where}: staff_boundary needs boundary_articles from {sorted(BOUNDARY)}")
        for p in ex.get("pii", []):
            if p.get("type") not in PII:
                problems.append(f"{where}: bad pii type {p.get('type')!r}")
            if not p.get("value") or p["value"] not in t:
                problems.append(f"{where}: pii value {p.get('value')!r} is not a substring of text")
        if ex.get("hard_negative") and labs:
            problems.append(f"{where}: hard_negative must have no labels")
        counts["examples"] += 1
        counts["role:" + str(ex.get("role"))] += 1
        for lab in labs:
            counts["label:" + lab] += 1
        if not labs:
            counts["no label"] += 1
        if len(labs) > 1:
            counts["multi-label"] += 1
        if ex.get("hard_negative"):
            counts["hard_negative"] += 1
        if len(t) >= 500:
            counts["long (>=500 chars)"] += 1
for t, c in texts.items():
    if c > 1:
        problems.append(f"duplicate text x{c}: {t[:60]!r}")
for k in sorted(counts):
    print(f"{k:28s} {counts[k]}")
for p in problems:
    print("PROBLEM", p)
sys.exit(1 if problems else 0)
