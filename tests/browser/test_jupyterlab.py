"""Every notebook in JupyterLab in a real (headless) Chromium: its first widget form renders and runs.

JupyterLab, started with ``cookbook lab`` as a reader starts it, serves a temporary copy of
notebooks/ on 127.0.0.1 with a token. For each notebook
the test selects the first cell that shows a ``Form``, runs the cells above it and the cell itself,
presses the form's Run button and waits for the form's output. A screenshot per notebook goes to
``build/browser/``. Debian's ``chromium`` is driven by Playwright (never ``playwright install``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cookbook import config, runner

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = config.project_root() / "build" / "browser"
CELL_TIMEOUT_MS = 15 * 60 * 1000
WIDGET = "application/vnd.jupyter.widget-view+json"

# What each notebook's first form shows when its command worked (it waits for this text).
SUCCESS = {
    "00-start-here": r"hello from a container",
    "04-networking-and-data": r"answers HTTP 200",
    "05-use-cases": r"\d+ passed",
    "06-api-and-bindings": r"-> 200 OK",
    "07-performance": r"67108864",
}
# Any of the cookbook's one-line errors ("ContainerFailed: ... Fix: ...") fails the test.
FAILURE = re.compile(r"\b[A-Z][A-Za-z]*(Error|Failed|Timeout|Parameter|NoEngine|MissingProgram|Unreachable): ")


@pytest.fixture
def chromium() -> None:
    """Debian's chromium: a missing one skips the test on a reader's machine, and fails it under CI."""
    if not CHROMIUM.exists():
        message = "Debian chromium is not installed (make setup installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab started the reader's way (``cookbook lab``) on a copy of the notebooks; yields its base URL and token.

    One server per notebook: its kernel (and so what the notebook started) ends with the test.
    """
    home = tmp_path / "lab-home"
    books = home / "notebooks"
    shutil.copytree(runner.notebooks_dir(), books)
    env = {
        **os.environ,
        "HOME": str(home),
        "COOKBOOK_STATE_DIR": str(home / "state"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "mpl"),
    }
    cookbook = Path(sys.executable).parent / "cookbook"
    command = [str(cookbook), "lab", "--port", str(free_port()), "--notebooks", str(books)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # `cookbook lab` prints one line once JupyterLab listens
        found = re.search(r"open (http://127\.0\.0\.1:\d+)/lab\?token=(\w+)", line)
        assert found, f"cookbook lab said: {line!r}"
        yield found.group(1), found.group(2)
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C, as a reader stops it
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


def first_form_cell(notebook: Path) -> int:
    """Index (among all cells) of the first cell whose recorded output is a widget ``Form``."""
    cells = json.loads(notebook.read_text())["cells"]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data and "press Run" in "".join(data.get("text/plain", "")):
                return index
    pytest.fail(f"{notebook.name} shows no widget form in its recorded outputs")


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_first_form_renders_and_runs(chromium: None, lab: tuple[str, str], notebook: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    index = first_form_cell(notebook)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base, token = lab
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{notebook.name}?token={token}")
            cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)
            expect(cell).to_be_visible(timeout=90_000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=90_000)
            cell.locator(".jp-InputPrompt").click()
            expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))
            run_command(page, "notebook:run-all-above")
            cell.locator(".jp-InputPrompt").click()
            run_command(page, "notebook:run-cell")
            button = cell.locator("button.jupyter-button", has_text="Run")
            expect(button).to_be_visible(timeout=CELL_TIMEOUT_MS)
            button.click()
            output = cell.locator(".widget-output")
            expect(output).to_contain_text(re.compile(SUCCESS[notebook.stem]), timeout=180_000)
            expect(output).not_to_contain_text(FAILURE)
            cell.scroll_into_view_if_needed()
        finally:
            page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}.png"))
            browser.close()


EXERCISE = "ch6-remote-container"
SOLUTION = "%%docker --on box\ndocker run -d --name cb-ex-remote busybox sleep 600"


def test_an_exercise_says_not_yet_then_passes_after_its_solution(chromium: None, lab: tuple[str, str]) -> None:
    """The reader's way: run the notebook up to a task, press Check, type the answer below it, run it, press Check."""
    from playwright.sync_api import expect, sync_playwright

    notebook = runner.chapters()["06-api-and-bindings"]
    cells = json.loads(notebook.read_text())["cells"]
    index = next(i for i, c in enumerate(cells) if f'exercises.show("{EXERCISE}")' in "".join(c["source"]))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base, token = lab
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{notebook.name}?token={token}")
            cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)
            answer = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index + 1)
            expect(cell).to_be_visible(timeout=90_000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=90_000)
            cell.locator(".jp-InputPrompt").click()
            run_command(page, "notebook:run-all-above")
            cell.locator(".jp-InputPrompt").click()
            run_command(page, "notebook:run-cell")
            check = cell.locator("button.jupyter-button", has_text="Check")
            expect(check).to_be_visible(timeout=CELL_TIMEOUT_MS)
            check.click()
            expect(cell).to_contain_text("not yet: there is no container cb-ex-remote", timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "exercise-before.png"))
            answer.locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.type(SOLUTION)
            run_command(page, "notebook:run-cell")
            expect(answer.locator(".jp-OutputArea")).to_contain_text("$ docker -H", timeout=120_000)
            check.click()
            expect(cell).to_contain_text("✔ cb-ex-remote runs in the lab sandbox", timeout=60_000)
            cell.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / "exercise-after.png"))
        finally:
            browser.close()


def run_command(page: object, command: str) -> None:
    """Open the Run menu and pick ``command`` (as a reader would)."""
    page.locator("li.lm-MenuBar-item", has_text="Run").first.click()  # type: ignore[attr-defined]
    page.locator(f'li.lm-Menu-item[data-command="{command}"]').click()  # type: ignore[attr-defined]


def test_a_failure_line_fails_the_form_and_each_notebook_has_its_success_text() -> None:
    assert FAILURE.search("ContainerFailed: the engine refused to create the container. Fix: ...")
    assert FAILURE.search("$ docker run ...\nCommandFailed: `docker run` failed with exit status 125")
    assert not FAILURE.search("80/tcp -> 127.0.0.1:32771: http://127.0.0.1:32771/hostname answers HTTP 200")
    assert set(SUCCESS) == set(runner.chapters())
