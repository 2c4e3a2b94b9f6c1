"""Chapter 5's exercises: a test run picked by keyword, pipelines as code, DNS round robin, S2I, a saved image."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import docker.errors

from cookbook import config
from cookbook.errors import BadParameter
from cookbook.reader.exercises import Context, NotYet, exercise


def _pipeline_text(context: Context, name: str) -> str:
    try:
        return str(context.namespace[name])
    except KeyError:
        raise NotYet(f"there is no variable {name} in the notebook yet.") from None


@exercise("ch5-keyword")
def keyword(context: Context) -> str:
    made = context.container("cb-ex-tests")
    state = made.attrs["State"]
    if state.get("Running"):
        raise NotYet("cb-ex-tests is still running: wait for it (docker wait cb-ex-tests).")
    logs = made.logs().decode(errors="replace")
    if "deselected" not in logs:
        raise NotYet("cb-ex-tests ran every test: keep only those matching hello (-k hello).")
    if state.get("ExitCode") != 0 or " passed" not in logs:
        raise NotYet(f"cb-ex-tests exited {state.get('ExitCode')}: the tests it kept did not all pass.")
    return "cb-ex-tests ran only the tests matching hello, and they passed"


@exercise("ch5-pipeline-matrix")
def pipeline_matrix(context: Context) -> str:
    from cookbook.chapters.usecases import ci

    try:
        pipeline = ci.Pipeline.parse(_pipeline_text(context, "my_pipeline"))
    except BadParameter as exc:
        raise NotYet(f"the server refuses my_pipeline: {exc.message}") from None
    images = sorted(pipeline.matrix.values())
    if images != ["cookbook/ci-worker-trixie"]:
        raise NotYet(f"my_pipeline's matrix builds in {', '.join(images)}: keep only cookbook/ci-worker-trixie.")
    if pipeline.deploy:
        raise NotYet("my_pipeline still deploys: drop the deploy step.")
    return "my_pipeline: one build in Python 3.13, no deploy"


@exercise("ch5-broken-pipeline")
def broken_pipeline(context: Context) -> str:
    from cookbook.chapters.usecases import ci

    text = _pipeline_text(context, "fixed_pipeline")
    try:
        ci.Pipeline.parse(text)
    except BadParameter as exc:
        raise NotYet(f"the server still refuses it: {exc.message}") from None
    broken = (config.project_root() / "data" / "ci" / "drone-broken.yml").read_text().splitlines()
    changed = sum(1 for a, b in zip(broken, text.splitlines(), strict=False) if a != b)
    changed += abs(len(broken) - len(text.splitlines()))
    if changed > 3:
        raise NotYet(f"fixed_pipeline changes {changed} lines: the fix needs one.")
    return f"the server accepts fixed_pipeline ({changed} line changed)"


@exercise("ch5-round-robin")
def round_robin(context: Context) -> str:
    found = []
    for name in ("cb-ex-app1", "cb-ex-app2"):
        settings = (context.container(name).attrs["NetworkSettings"].get("Networks") or {}).get("cb-ex-paas")
        if settings is None:
            raise NotYet(f"{name} is not on the network cb-ex-paas.")
        if "blueprint" not in (settings.get("Aliases") or []):
            raise NotYet(f"{name} does not answer to blueprint on cb-ex-paas: --network-alias blueprint.")
        found.append(settings["IPAddress"])
    return f"blueprint resolves to {len(found)} containers on cb-ex-paas"


@exercise("ch5-s2i-scripts")
def s2i_scripts(context: Context) -> str:
    try:
        labels = context.client.images.get("cookbook/s2i-python").labels or {}
    except docker.errors.ImageNotFound:
        raise NotYet("there is no cookbook/s2i-python image on this engine yet.") from None
    wanted = labels.get("io.openshift.s2i.scripts-url")
    given = str(context.namespace.get("scripts_url", ""))
    if not given:
        raise NotYet("there is no variable scripts_url in the notebook yet.")
    if given != wanted:
        raise NotYet(f"scripts_url is {given!r}, not the builder's label.")
    return f"the builder's scripts are at {wanted}"


@exercise("ch5-saved-image")
def saved_image(context: Context) -> str:
    path: Path = config.settings().state_dir / "cb-ex-busybox.tar"
    if not path.is_file():
        raise NotYet(f"there is no {path.name} in .cookbook/ yet.")
    try:
        with tarfile.open(path) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    except (tarfile.TarError, KeyError, TypeError, ValueError):
        raise NotYet(f"{path.name} is not what docker save writes (no manifest.json).") from None
    tags = [tag for entry in manifest for tag in entry.get("RepoTags") or []]
    if not any(tag.startswith("cookbook/busybox") for tag in tags):
        raise NotYet(f"{path.name} holds {', '.join(tags) or 'an untagged image'}, not cookbook/busybox.")
    return f"{path.name} holds cookbook/busybox with its manifest, as Glance stores it"
