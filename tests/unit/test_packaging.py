"""pyproject.toml and environment.yml list the same dependencies; the layout is complete."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def normal(name: str) -> str:
    """A distribution's name as PEP 503 compares them (``jupyter_client`` is ``jupyter-client``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def names(requirements: list[str]) -> set[str]:
    return {normal(re.split(r"[<>=!~ \[]", r, maxsplit=1)[0]) for r in requirements}


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return names(project["dependencies"]) | names(project["optional-dependencies"]["test"])


def test_environment_has_the_same_packages_as_pyproject_in_condas_terms() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import environment

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"] and "python=3.11" in env["dependencies"]
    conda = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0] for d in env["dependencies"] if isinstance(d, str)} - {
        "python",
        "pip",
    }
    pip = names(next(d["pip"] for d in env["dependencies"] if isinstance(d, dict)))
    to_pypi = {conda_name: normal(pypi) for pypi, conda_name in environment.CONDA_FORGE.items()}
    assert {to_pypi[c] for c in conda} | pip == declared(), "environment.yml and pyproject.toml hold other packages"
    assert not pip & set(environment.CONDA_FORGE), "a package conda-forge has is installed with pip"
    assert (ROOT / "environment.yml").read_text() == environment.render(), "run `make lock` (scripts/environment.py)"


def test_the_lock_pins_every_declared_package_exactly() -> None:
    pinned = dict(line.split("==", 1) for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line)
    assert declared() <= {normal(name) for name in pinned}, "a declared package is not pinned: run `make lock`"


def test_every_package_the_code_imports_is_declared() -> None:
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    imported: set[str] = set()
    for folder in ("helpers/cookbook", "tests", "benchmarks", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module.split(".")[0])
    ours = {"cookbook", "tests", "environment"}
    third_party = {name for name in imported - ours if name not in sys.stdlib_module_names}
    used = {normal(dist) for name in third_party for dist in distributions.get(name, [name])}
    assert used <= declared(), f"imported but not declared in pyproject.toml: {sorted(used - declared())}"


def test_binder_uses_the_same_environment() -> None:
    assert (ROOT / "binder" / "environment.yml").read_text() == (ROOT / "environment.yml").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make run" in (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_the_license_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
