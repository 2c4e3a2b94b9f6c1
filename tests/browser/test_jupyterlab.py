"""Every notebook in JupyterLab in a real (headless) Chromium, as a reader uses it.

JupyterLab, started with ``cookbook lab`` as a reader starts it, serves a temporary copy of
notebooks/ on 127.0.0.1 with a token. Two tests per notebook:

* Run All: the notebook opens unmodified, Edit → Clear Outputs of All Cells, Run → Run All Cells,
  save; then every code cell has an execution count and no error, the ✔ lines shown equal the
  checks the kernel recorded in its run report, no web link invites the reader to a closed port
  or an address a browser cannot open, no cell shows a figure twice, no figure is shrunk below
  three quarters of its width, and no code line is over 100 columns.
* The first widget form: the cells above it and the cell itself run, its Run button is pressed,
  and the form's output shows what the command did.

Screenshots go to ``build/browser/`` (``NAME-run-all.png`` at the first check, ``NAME.png`` at the
form). Debian's ``chromium`` is driven by Playwright (never ``playwright install``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from cookbook import config, engine, runner
from cookbook.ports import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

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
        "COOKBOOK_REPORT": str(tmp_path / "checks.jsonl"),  # the checks the notebook's kernel records
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
            run_up_to(page, cell)
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


def run_command(page: Page, command: str, menu: str = "Run") -> None:
    """Open a menu of the menu bar and pick ``command`` (as a reader would)."""
    page.locator("li.lm-MenuBar-item", has_text=menu).first.click()
    page.locator(f'li.lm-Menu-item[data-command="{command}"]').click()


def test_a_failure_line_fails_the_form_and_each_notebook_has_its_success_text() -> None:
    assert FAILURE.search("ContainerFailed: the engine refused to create the container. Fix: ...")
    assert FAILURE.search("$ docker run ...\nCommandFailed: `docker run` failed with exit status 125")
    assert not FAILURE.search("80/tcp -> 127.0.0.1:32771: http://127.0.0.1:32771/hostname answers HTTP 200")
    assert set(SUCCESS) == set(runner.chapters())


# Web links only: JupyterLab also renders Docker's own addresses (unix://, tcp://) as links, which
# no browser opens. A rendered web link that need not answer when the test reads it: one inside a command or request
# line, docker's own warnings, or one whose line says how long it lives ("... until this recipe closes").
NOT_AN_INVITATION = re.compile(r"^(\$ |\s|not run here:|(GET|POST|PUT|DELETE|HEAD) |WARNING:)|\buntil\b")
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
LINKS_JS = """panel => Array.from(panel.querySelectorAll('.jp-OutputArea-output a[href^="http"]')).map(a => {
  const text = a.closest('.jp-OutputArea-output').innerText.split('\\n');
  return [a.href, text.find(line => line.includes(a.textContent)) || ''];
})"""
# Lines with a ✔ in the outputs, a widget's output included (text nodes: a nested area counts once).
CHECKS_JS = """panel => {
  const walk = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  let shown = 0;
  while (walk.nextNode()) {
    const node = walk.currentNode;
    if (node.parentElement.closest('.jp-OutputArea-output'))
      shown += node.textContent.split('\\n').filter(line => line.includes('✔')).length;
  }
  return shown;
}"""
FIGURES_JS = """panel => Array.from(panel.querySelectorAll('.jp-Cell')).flatMap((cell, index) =>
  Array.from(cell.querySelectorAll('.jp-OutputArea-output img')).map(img =>
    [index, img.src.length, img.src.slice(-200), img.naturalWidth, img.clientWidth]))"""


def run_all_finished(page: Page, timeout_s: float) -> None:
    """Wait until no cell is queued or running and the kernel is idle, three polls in a row."""
    import time

    deadline, calm = time.monotonic() + timeout_s, 0
    while calm < 3:
        assert time.monotonic() < deadline, "Run All did not finish in time"
        busy = page.locator(f"{PANEL} .jp-InputPrompt", has_text="[*]").count()
        idle = "Idle" in page.locator("#jp-main-statusbar").inner_text()
        calm = calm + 1 if not busy and idle else 0
        time.sleep(1)


def loopback_port_open(url: str) -> bool | None:
    """Whether a link's loopback port accepts a connection (None: not a loopback link, never probed)."""
    parts = urlsplit(url)
    if not engine.is_loopback(parts.hostname or ""):
        return None
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", parts.port or 80)) == 0


def unreachable_host(url: str) -> bool:
    """An address a reader's browser cannot open: a non-loopback IP, or a host with no dot (a container's name)."""
    host = urlsplit(url).hostname or ""
    if engine.is_loopback(host):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "." not in host
    return True


def run_up_to(page: Page, cell: Locator) -> None:
    """Run → Run All Above Selected Cell, then the cell itself, as a reader does."""
    from playwright.sync_api import expect

    cell.locator(".jp-InputPrompt").click()
    expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))
    run_command(page, "notebook:run-all-above")
    cell.locator(".jp-InputPrompt").click()
    run_command(page, "notebook:run-cell")


def press_form(page: Page, cell: Locator, stem: str) -> None:
    """Run the cells above the form and the form's cell, press its Run button, wait for its result."""
    from playwright.sync_api import expect

    run_up_to(page, cell)
    button = cell.locator("button.jupyter-button", has_text="Run")
    expect(button).to_be_visible(timeout=CELL_TIMEOUT_MS)
    button.click()
    output = cell.locator(".widget-output")
    expect(output).to_contain_text(re.compile(SUCCESS[stem]), timeout=180_000)
    expect(output).not_to_contain_text(FAILURE)
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_run_all_as_a_reader_does(chromium: None, lab: tuple[str, str], notebook: Path, tmp_path: Path) -> None:
    """Open; run every cell (above the first form, the form and its Run button, then all below); save; read it."""
    from playwright.sync_api import expect, sync_playwright

    index = first_form_cell(notebook)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base, token = lab
    saved = tmp_path / "lab-home" / "notebooks" / notebook.name
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{notebook.name}?token={token}")
            panel = page.locator(PANEL)
            cells = panel.locator(".jp-Cell")
            expect(cells.nth(index)).to_be_visible(timeout=90_000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=90_000)
            page.wait_for_timeout(2000)
            dirty = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty").count()
            assert not dirty, "JupyterLab marks the notebook modified as soon as it opens"
            run_command(page, "editmenu:clear-all", menu="Edit")
            press_form(page, cells.nth(index), notebook.stem)
            cells.nth(index + 1).locator(".jp-InputPrompt").click()
            run_command(page, "notebook:run-all-below")
            run_all_finished(page, CELL_TIMEOUT_MS / 1000)
            page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
            links = panel.evaluate(LINKS_JS)
            figures = panel.evaluate(FIGURES_JS)
            shown = panel.evaluate(CHECKS_JS)
            page.keyboard.press("Control+s")
            expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=30_000)
            panel.locator(".jp-OutputArea-output", has_text="✔").first.scroll_into_view_if_needed()
        finally:
            page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}-run-all.png"))
            browser.close()

    ran = json.loads(saved.read_text())
    code = [cell for cell in ran["cells"] if cell["cell_type"] == "code"]
    assert all(cell["execution_count"] for cell in code), "a code cell has no execution count after Run All"
    errors = [o.get("ename") for cell in code for o in cell.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, f"error outputs: {errors}"
    rows, _ = runner.read_report(tmp_path / "checks.jsonl")
    assert rows and all(row["passed"] for row in rows), "the run report has no check, or a failed one"
    assert shown == len(rows), f"{shown} ✔ lines shown, {len(rows)} checks recorded"

    dead = [
        (url, line) for url, line in links if loopback_port_open(url) is False and not NOT_AN_INVITATION.search(line)
    ]
    assert not dead, f"links that invite the reader to a closed port: {dead}"
    unreachable = [(u, line) for u, line in links if unreachable_host(u) and not NOT_AN_INVITATION.search(line)]
    assert not unreachable, f"links a browser cannot open: {unreachable}"
    twice = [key for key, count in Counter((c, size, tail) for c, size, tail, *_ in figures).items() if count > 1]
    assert not twice, f"a cell shows the same figure twice (cell, bytes, tail): {[t[:2] for t in twice]}"
    assert all(natural > 0 for *_, natural, _ in figures), "a figure did not load"
    shrunk = [(cell, natural, width) for cell, _, _, natural, width in figures if width < 0.75 * natural]
    assert not shrunk, f"figures scaled below three quarters of their width (cell, px, shown px): {shrunk}"
    long_lines = [line for cell in code for line in "".join(cell["source"]).splitlines() if len(line) > 100]
    assert not long_lines, f"source lines over 100 columns: {long_lines}"


def test_which_links_a_browser_can_open() -> None:
    assert unreachable_host("http://master:2379/v2/keys") and unreachable_host("http://192.168.224.2:2379/")
    assert not unreachable_host("http://localhost:8888/") and not unreachable_host("http://127.0.0.1:9090/graph")
    assert not unreachable_host("https://docs.docker.com/go/buildx/")
    assert loopback_port_open("https://docs.docker.com/") is None, "only loopback links are probed"
