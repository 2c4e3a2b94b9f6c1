"""The package's folders name its architecture; these rules keep them honest (imports read with ast).

- the platform (the modules at the top of ``cookbook/``) imports nothing from the lab, the
  chapters, the reader's side or the command line;
- the lab imports nothing from the chapters, the reader's side or the command line;
- a chapter never imports another chapter;
- nothing imports the command line (``cookbook.cli``);
- no module is over 400 lines.

``cookbook/__init__.py`` is the notebooks' ``import cookbook as cb`` facade, not the platform:
it names the public API wherever it lives, so it is outside these rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "helpers" / "cookbook"
COMMAND_LINE = {"cookbook.cli", "cookbook.runner", "cookbook.report", "cookbook.labserver"}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> str:
    """platform, lab, chapters.<chapter>, reader, command line, or the facade."""
    parts = name.split(".")
    if name == "cookbook":
        return "facade"
    if name in COMMAND_LINE:
        return "command line"
    if parts[1] == "chapters" and len(parts) > 2:
        return f"chapters.{parts[2]}"
    if parts[1] in ("lab", "chapters", "reader"):
        return parts[1]
    return "platform"


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[int, str]]:
    """Each cookbook module ``name`` imports (at any depth: late imports count), with its line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cookbook":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if base.split(".")[0] != "cookbook":
                continue
            for alias in node.names:
                target = f"{base}.{alias.name}"
                yield node.lineno, target if target in known else base


def edges() -> list[tuple[str, int, str]]:
    known = modules()
    return [(name, line, target) for name, path in known.items() for line, target in imports(name, path, known)]


def breaking(rule) -> list[str]:
    return [
        f"{name}:{line} imports {target}"
        for name, line, target in edges()
        if layer(name) != "facade" and rule(layer(name), layer(target), target)
    ]


def test_the_layers_are_as_named() -> None:
    layers = {layer(name) for name in modules()}
    assert {"platform", "lab", "reader", "command line", "facade"} <= layers
    assert {"chapters.networking", "chapters.usecases", "chapters.api", "chapters.performance"} <= layers


def test_the_platform_imports_nothing_above_it() -> None:
    above = ("lab", "reader", "command line")
    assert not breaking(
        lambda source, target, _: source == "platform" and (target in above or target.startswith("chapters"))
    )


def test_the_lab_imports_no_chapter_no_reader_and_no_command_line() -> None:
    assert not breaking(
        lambda source, target, _: (
            source == "lab" and (target.startswith("chapters") or target in ("reader", "command line"))
        )
    )


def test_chapters_never_import_each_other() -> None:
    assert not breaking(
        lambda source, target, _: source.startswith("chapters.") and target.startswith("chapters.") and source != target
    )


def test_nothing_imports_the_command_line() -> None:
    assert not breaking(lambda source, target, name: name == "cookbook.cli")


def test_no_module_is_over_400_lines() -> None:
    lengths = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not too_long, f"split by concern: {too_long}"


def test_the_rules_see_imports_at_any_depth() -> None:
    """A late import (inside a function) counts: the checks read the whole tree, not only the top."""
    found = {(name, target) for name, _, target in edges()}
    assert ("cookbook.cli", "cookbook.labserver") in found  # cli imports labserver inside _lab()
