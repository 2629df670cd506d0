"""The layout is the architecture: imports run one way, corpus -> model -> training/eval -> serve
-> the CLI, with no import circles, and generic code names no label."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from corpus.vocabulary import LABELS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("corpus", "model", "training", "eval", "serve", "postwacht")
# what each layer may import (besides itself)
ALLOWED = {
    "corpus": set(),
    "model": {"corpus"},
    "eval": {"corpus", "model"},
    "training": {"corpus", "model", "eval"},
    "serve": {"corpus", "model", "eval", "training"},
    "postwacht": {"corpus", "model", "eval", "training", "serve"},
}
# benchmarks measure the service and batch engine, so they may import serve (never training)
BENCHMARK_EXTRA = {"serve"}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "raw" in path.relative_to(ROOT).parts or "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(n) for node in ast.walk(tree)
                 if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                 for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _resolve(name: str) -> str | None:
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


GRAPH: dict[str, set[str]] = defaultdict(set)
for _mod, _path in MODULES.items():
    for _name in _imports(_path):
        _target = _resolve(_name)
        if _target and _target != _mod:
            GRAPH[_mod].add(_target)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downhill(module: str) -> None:
    layer = module.split(".")[0]
    allowed = ALLOWED[layer] | {layer}
    if module.startswith("eval.bench_"):
        allowed |= BENCHMARK_EXTRA
    uphill = sorted(t for t in GRAPH[module] if t.split(".")[0] not in allowed)
    assert not uphill, f"{module} imports {uphill} (a {layer} module may import only {sorted(allowed)})"


def test_there_are_no_import_circles() -> None:
    """Module-level import cycles (a package importing its own sub-modules is fine)."""
    def is_parent(a: str, b: str) -> bool:
        return b.startswith(a + ".") or a.startswith(b + ".")

    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if is_parent(node, nxt):
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for mod in sorted(MODULES):
        if mod not in state:
            visit(mod)
    assert not cycles, f"import circles: {cycles}"


def test_the_metrics_the_gate_uses_import_no_training_code() -> None:
    assert not [t for t in GRAPH["eval.metrics"] if t.startswith("training")]


GENERIC = ["model.scorer", "model.inference", "model.classifier", "model.explanations", "model.pipeline",
           "model.analysis", "model.result", "serve.batch.writers", "serve.http.schemas", "training.train",
           "eval.report"]


@pytest.mark.parametrize("module", GENERIC)
def test_generic_code_names_no_label(module: str) -> None:
    """Label knowledge lives in corpus/labels/<label>.yaml; generic code reads specs."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    named = sorted({n.value for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in LABELS})
    assert not named, f"{module} names labels {named}"


def test_every_label_has_its_own_tests() -> None:
    missing = [lab for lab in LABELS if not (ROOT / "tests" / "labels" / f"test_{lab}.py").exists()]
    assert not missing, f"labels without tests/labels/test_<label>.py: {missing}"
