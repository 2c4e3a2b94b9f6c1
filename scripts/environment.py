#!/usr/bin/env python3
"""Write environment.yml (and binder/environment.yml) from pyproject.toml, in conda's own terms.

Packages conda-forge carries come from conda-forge under their conda names, with pyproject's
ranges; the others (and nothing else) go to the pip section. Binder's postBuild then installs the
exact pins of requirements.lock, so Binder runs what `make setup` runs. `make lock` calls this.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, for every dependency conda-forge carries.
CONDA_FORGE = {
    "docker": "docker-py", "jupyterlab": "jupyterlab", "ipywidgets": "ipywidgets", "ipykernel": "ipykernel",
    "pandas": "pandas", "matplotlib": "matplotlib-base", "papermill": "papermill", "nbconvert": "nbconvert",
    "tqdm": "tqdm", "pyyaml": "pyyaml", "requests": "requests", "numpy": "numpy", "nbformat": "nbformat",
    "ipython": "ipython", "jupyter-client": "jupyter_client", "pytest": "pytest", "nbval": "nbval",
    "nbclient": "nbclient", "graphviz": "python-graphviz", "ruff": "ruff", "mypy": "mypy",
}  # fmt: skip
HEADER = """# The conda environment for Binder and conda users, written by `make lock` (scripts/environment.py)
# from pyproject.toml: conda-forge packages where conda-forge has them, pip for the rest. Binder's
# postBuild then installs requirements.lock's exact pins. tests/unit/test_packaging.py keeps the
# package sets equal.
"""


def split(requirement: str) -> tuple[str, str]:
    """``'docker>=7,<8'`` -> ``('docker', '>=7,<8')``."""
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)(.*)", requirement).groups()  # type: ignore[union-attr]
    return name.lower(), spec.strip()


def requirements() -> list[str]:
    """Every dependency of the project and its test extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def render() -> str:
    """The environment file's text."""
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"].removeprefix(">=")
    conda, pip = [], []
    for requirement in requirements():
        name, spec = split(requirement)
        if name in CONDA_FORGE:
            conda.append(f"  - {CONDA_FORGE[name]}{spec}")
        else:
            pip.append(f"      - {name}{spec}")
    lines = [HEADER + "name: docker-cookbook", "channels:", "  - conda-forge", "dependencies:", f"  - python={python}",
             *conda, "  - pip", "  - pip:", *pip]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        path.write_text(text)
    print("wrote environment.yml and binder/environment.yml", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
