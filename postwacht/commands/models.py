"""`postwacht models list|show|promote|rollback|ensure`: the model registry."""

from __future__ import annotations

import argparse
import json
import sys

from corpus.settings import models_dir
from model.artifacts import ArtifactError, active_version, read_manifest, verify_version

# written into a version's directory when it was promoted with --force (who overrode the gate and why)
PROMOTION_FILE = "promotion.json"


def _list(args: argparse.Namespace) -> int:
    from training.registry import list_versions

    rows = list_versions()
    if not rows:
        print("Geen modellen. Train er een met `postwacht train`.")
        return 0
    for r in rows:
        mark = "*" if r["active"] else " "
        f1 = f"{r['macro_f1']:.3f}" if isinstance(r["macro_f1"], float) else "-"
        gate = {"promoted": "  retrain: door de gate", "refused": "  retrain: geweigerd door de gate"}
        print(f"{mark} {r['version']}  created {r['created']}  corpus {r['corpus_hash']}  test macro-F1 {f1}"
              f"{gate.get(r.get('gate') or '', '')}")
    return 0


def _show(args: argparse.Namespace) -> int:
    version = args.version or active_version()
    if not version:
        print("Geen actief model.", file=sys.stderr)
        return 1
    try:
        manifest = verify_version(models_dir() / version)
    except ArtifactError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        manifest = read_manifest(models_dir() / version)
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return 1
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


def _audit_promotion(version: str, previous: str | None, reason: str, verdict: str | None) -> str | None:
    """Write a forced promotion to the review store's audit trail; the error text when that failed."""
    from serve.config import Settings
    from serve.store import Database
    from serve.store.reviews import audit

    try:
        database = Database(Settings.from_env().database_url)
        try:
            database.migrate()
            with database.session() as session:
                audit(session, "cli", "model.promote_forced",
                      detail={"version": version, "previous": previous, "gate": verdict, "reason": reason})
        finally:
            database.dispose()
    except Exception as exc:  # the registry note below still records it
        return type(exc).__name__
    return None


def _promote(args: argparse.Namespace) -> int:
    import time

    from training.registry import activate, retrain_verdict, write_side_file

    root = models_dir()
    if not (root / args.version).is_dir():
        print(f"FOUT: modelversie {args.version!r} bestaat niet in {root}; `postwacht models list` toont de "
              f"versies. (Model version {args.version!r} does not exist; `postwacht models list` shows them.)",
              file=sys.stderr)
        return 1
    verdict = retrain_verdict(root / args.version)
    reason = (args.reason or "").strip()
    if args.force and not reason:
        print("FOUT: --force vraagt om --reason \"...\": waarom deze versie toch actief wordt; de reden gaat naar "
              "de audit. (--force needs --reason.)", file=sys.stderr)
        return 2
    if verdict == "refused" and not args.force:
        print(f"FOUT: de gate heeft {args.version} geweigerd (zie retrain_report.md in de versiemap). Toch "
              f"activeren: `postwacht models promote {args.version} --force --reason \"...\"`. "
              "(The gate refused this version; use --force with a reason.)", file=sys.stderr)
        return 1
    previous = active_version(root)
    try:
        activate(args.version)
    except ArtifactError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    if args.force:
        note = {"version": args.version, "previous": previous, "gate": verdict, "reason": reason, "forced": True,
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        write_side_file(root / args.version, PROMOTION_FILE, json.dumps(note, indent=2, ensure_ascii=False))
        failed = _audit_promotion(args.version, previous, reason, verdict)
        if failed:
            print(f"LET OP: de audit in de reviewstore kon niet worden bijgewerkt ({failed}); de reden staat in "
                  f"{root / args.version / PROMOTION_FILE}. (Audit not written.)", file=sys.stderr)
        else:
            print("reden vastgelegd in de audit (model.promote_forced)")
        if verdict == "refused":
            print("LET OP: de gate had deze versie geweigerd; zie retrain_report.md in de versiemap.", file=sys.stderr)
    print(f"actief model: {args.version}")
    print("Een draaiende service laadt het binnen enkele seconden (of direct: POST /v1/admin/reload).")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from training.registry import activate, previous_version

    previous = previous_version()
    if previous is None:
        print("Geen eerdere versie om naar terug te gaan.", file=sys.stderr)
        return 1
    try:
        activate(previous)
    except ArtifactError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    print(f"teruggezet naar {previous}")
    print("Een draaiende service laadt het binnen enkele seconden (of direct: POST /v1/admin/reload).")
    return 0


def _ensure(args: argparse.Namespace) -> int:
    from training.ensure import ensure_active_model

    try:
        print(ensure_active_model())
    except ArtifactError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, show, promote or roll back model versions")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    msub.add_parser("list", help="all versions, * marks the active one").set_defaults(func=_list)
    s = msub.add_parser("show", help="manifest of a version (default: active), checksums verified")
    s.add_argument("version", nargs="?")
    s.set_defaults(func=_show)
    pr = msub.add_parser("promote", help="make a version active")
    pr.add_argument("version")
    pr.add_argument("--force", action="store_true",
                    help="activate a version the retrain gate refused (needs --reason; written to the audit)")
    pr.add_argument("--reason", metavar="TEXT", help="why the version is activated anyway (with --force)")
    pr.set_defaults(func=_promote)
    msub.add_parser("rollback", help="re-activate the previously active version").set_defaults(func=_rollback)
    msub.add_parser("ensure", help="train a model if none is active (first run)").set_defaults(func=_ensure)
