"""Chapter 6's exercises: the lab sandbox's API by hand, the SDK, TLS.

The notebook's variables they read: ``box`` (the lab sandbox), ``box_tls`` (the TLS sandbox),
and the answers a task asks the reader to keep (``top_answer``, ``tls_answer``).
"""

from __future__ import annotations

from typing import Any

import docker.errors

from cookbook.reader.exercises import Context, NotYet, exercise


def _answer(context: Context, name: str) -> Any:
    try:
        return context.namespace[name]
    except KeyError:
        raise NotYet(f"there is no variable {name} in the notebook yet.") from None


@exercise("ch6-remote-container")
def remote_container(context: Context) -> str:
    try:
        made = context.engine("box").containers.get("cb-ex-remote")
    except docker.errors.NotFound:
        try:
            context.client.containers.get("cb-ex-remote")
        except docker.errors.NotFound:
            raise NotYet("there is no container cb-ex-remote in the lab sandbox yet.") from None
        raise NotYet("cb-ex-remote runs on your own engine, not in the lab sandbox: use -H or DOCKER_HOST.") from None
    if made.status != "running":
        raise NotYet(f"cb-ex-remote is {made.status} in the sandbox: give it a command that keeps running.")
    return "cb-ex-remote runs in the lab sandbox, reached over its TCP API"


@exercise("ch6-tag-over-http")
def tag_over_http(context: Context) -> str:
    sandbox = context.engine("box")
    try:
        tagged = sandbox.images.get("cb-ex-tagged:v1")
    except docker.errors.ImageNotFound:
        others = [tag for image in sandbox.images.list() for tag in image.tags if tag.startswith("cb-ex-tagged:")]
        if others:
            raise NotYet(f"the sandbox has {', '.join(others)}, not cb-ex-tagged:v1.") from None
        raise NotYet("the sandbox has no image tagged cb-ex-tagged:v1 yet.") from None
    if tagged.id != sandbox.images.get("busybox").id:
        raise NotYet("cb-ex-tagged:v1 is another image than busybox.")
    return "cb-ex-tagged:v1 names the sandbox's busybox"


@exercise("ch6-top-ps-args")
def top_ps_args(context: Context) -> str:
    context.container("cb-ex-top", on="box")
    answer = _answer(context, "top_answer")
    if not getattr(answer, "ok", False):
        raise NotYet(f"top_answer is not a successful answer: {answer}.")
    titles = answer.body.get("Titles", [])
    if "%CPU" not in titles:
        raise NotYet(f"top_answer has the default columns ({' '.join(titles)}): pass ps_args=aux.")
    if not any("sleep 600" in row[-1] for row in answer.body.get("Processes", [])):
        raise NotYet("top_answer lists no `sleep 600`: ask for cb-ex-top's processes.")
    return f"top with ps_args=aux lists {' '.join(titles)} for cb-ex-top"


@exercise("ch6-sdk-memory")
def sdk_memory(context: Context) -> str:
    made = context.container("cb-ex-sdk", on="box")
    memory = made.attrs["HostConfig"].get("Memory") or 0
    if memory != 64 << 20:
        have = f"{memory >> 20} MiB" if memory else "no memory limit"
        raise NotYet(f"cb-ex-sdk has {have}; it should have 64 MiB.")
    return "cb-ex-sdk was created with a 64 MiB memory limit"


@exercise("ch6-tls-second-client")
def tls_second_client(context: Context) -> str:
    answer = _answer(context, "tls_answer")
    if not getattr(answer, "ok", False):
        raise NotYet(f"tls_answer is not a successful answer ({answer}): sign the certificate with ca.")
    folder = _answer(context, "folder") / "reader2"
    if not (folder / "cert.pem").is_file():
        raise NotYet(f"there is no certificate in {folder} yet.")
    from cookbook.lab import tls

    if "reader2" not in tls.subject(folder / "cert.pem"):
        raise NotYet("the certificate in reader2/ is not made out to reader2.")
    return "the TLS sandbox answers a second client, reader2, signed by our CA"
