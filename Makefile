# The executable Docker cookbook. `make run` is the main job, `make test` the checks.
# Set-up is idempotent and shared by run, test and lab.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
QUICK  ?=

.PHONY: setup host browser venv engine images run test lab notebooks clean lock test-fast lint

setup: host venv engine images

# Host tools: debootstrap (the base image) and python3-venv.
host:
	./scripts/host-packages.sh

# Debian's chromium, for the browser test only (make run and make lab do not need it).
browser:
	./scripts/host-packages.sh chromium

# The exact versions of requirements.lock (pyproject.toml keeps the ranges; `make lock` refreshes it).
$(BIN)/.installed: pyproject.toml requirements.lock | host
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Re-resolve every package from pyproject.toml's ranges (uv, from PyPI), and the conda environment.
lock: venv
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --quiet \
		--custom-compile-command "make lock" -o requirements.lock
	$(BIN)/python scripts/environment.py

venv: $(BIN)/.installed

engine:
	./scripts/engine.sh

# The catalogue images the notebooks use; each is built once (content-hash tags).
images: venv engine
	$(BIN)/cookbook images build

run: setup
	$(BIN)/cookbook run --all $(if $(QUICK),--quick,)

# Each notebook executes once on this engine (papermill: checks, leftovers, shown commands and
# nbval's comparison of its outputs); nbval itself also runs chapter 0, the route `pytest --nbval` takes.
test: setup browser lint
	$(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/sanitize.cfg tests notebooks/00-start-here.ipynb

# Lint and types (configured in pyproject.toml), first step of `make test`.
lint: venv
	$(BIN)/ruff check helpers tests benchmarks scripts
	$(BIN)/ruff format --check helpers tests benchmarks scripts
	$(BIN)/mypy

# The inner loop: unit and integration tests, no notebook, no browser.
test-fast: setup
	$(BIN)/python -m pytest -q tests/unit tests/integration

lab: setup
	$(BIN)/cookbook lab

# Re-execute the committed notebooks in place (what readers see on GitHub and Binder).
notebooks: setup
	for nb in notebooks/*.ipynb; do $(BIN)/papermill --cwd notebooks "$$nb" "$$nb" || exit 1; done

clean:
	-$(BIN)/cookbook clean
	rm -rf build
