"""The ``cookbook`` command: a thin layer that parses arguments and calls the modules.

``bench`` runs chapter 7's benchmarks headless (:mod:`cookbook.chapters.performance.bench`) into CSV and PNG files and an
HTML page (``index.html``) in its output folder.

Exit codes: 0 done, 1 a failure (engine, build, check), 2 bad input.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from cookbook import config, dockercli, engine, hostfiles, images, packages, runner, signals, sweeper
from cookbook.errors import BadParameter, CookbookError
from cookbook.reader import exercises

MIN_FREE_GIB = 5.0


def _doctor(args: argparse.Namespace) -> int:
    signals.install_exit_sweep()  # the file probe of a remote engine makes a labelled container and folder
    problems: list[str] = []
    settings = config.settings()
    print(f"image policy   : {settings.image_policy}")
    print(f"engine address : {engine.endpoint().url}")
    cli_version = dockercli.cli_version()
    print(f"docker CLI     : {cli_version}{'' if cli_version == 'not installed' else ' (' + dockercli.program() + ')'}")
    if cli_version == "not installed":
        problems.append("the docker CLI is missing: apt-get install docker.io (the notebooks run its commands).")
    try:
        client = engine.connect()
    except CookbookError as exc:
        print(exc.line())
        for problem in problems:
            print(f"problem: {problem}")
        return 1
    for key, value in engine.versions(client).items():
        print(f"{key.replace('_', ' '):<15}: {value}")
    print(f"published ports: on {engine.publish_ip()}, reached from here at {engine.published_host()}")
    here = hostfiles.engine_sees(client)
    print(
        f"our files      : {'bind-mounted (the engine runs here)' if here else 'copied into containers (the engine runs elsewhere)'}"
    )
    free = shutil.disk_usage(settings.state_dir.parent if settings.state_dir.parent.exists() else "/").free / 2**30
    print(f"free disk      : {free:.1f} GiB")
    if free < MIN_FREE_GIB:
        problems.append(f"less than {MIN_FREE_GIB:g} GiB free: free some disk space (images need room).")
    if settings.image_policy != "upstream" and shutil.which("debootstrap") is None:
        problems.append("debootstrap is missing: apt-get install debootstrap (the base image is made with it).")
    print("images:")
    for row in images.status(client):
        print(f"  {row['name']:<14} {row['built']:<4} {row['local']:<34} upstream {row['upstream']}")
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


def _images(args: argparse.Namespace) -> int:
    signals.install_exit_sweep()  # builds and the package-version query make labelled leftovers on failure
    if args.action == "list":
        for name in args.names:
            images.entry(name)  # an unknown name is one line before anything is listed
        client = engine.connect() if args.versions else None
        for row in images.status():
            if args.names and row["name"] not in args.names:
                continue
            print(f"{row['name']:<14} {row['built']:<4} {row['upstream']:<26} {row['description']}")
            if client is not None:
                versions = packages.of(client, row["name"])
                print("    " + (", ".join(f"{p} {v or '?'}" for p, v in versions.items()) or "(not built)"))
        return 0
    names = args.names or sorted(images.catalogue())
    for name in names:
        images.entry(name)
    for name in names:
        print(f"{name}: {images.ensure(name, policy=args.policy)}", flush=True)
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.all and args.chapters:
        raise BadParameter("give chapters or --all, not both.", "drop --all, or the chapter names.")
    outcomes = runner.run(
        [] if args.all else args.chapters,
        parameters=runner.parse_parameters(args.parameter),
        quick=args.quick,
        out=Path(args.out),
    )
    return 0 if all(o.ok for o in outcomes) else 1


def _clean(args: argparse.Namespace) -> int:
    client = engine.connect()
    live = [] if args.all else sweeper.live_sessions(client)
    swept = sweeper.sweep(client, images=args.images, stale_only=not args.all)
    print(f"cookbook clean: {swept}")
    for made in exercises.clean(client):
        print(f"  {made} (a 'Your turn' exercise's)")
    for kind in ("containers", "networks", "volumes", "images"):
        for name in swept.removed[kind]:
            print(f"  {kind[:-1]} {name}")
    for session in live:
        print(f"  left alone: {session} (a live session; `cookbook clean --all` removes its resources too)")
    for refusal in swept.failed:
        print(f"  could not remove {refusal}")
    return 1 if swept.failed else 0


def _bench(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cookbook.chapters.performance import bench, plots

    names = list(bench.BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    signals.install_exit_sweep()  # the benchmarks' containers and folders go at exit, SIGTERM included
    params = bench.Params.defaults(args.quick)
    out = Path(args.out)
    runner.writable(out)
    published = bench.published()
    scratch = config.settings().state_dir / "scratch"
    record = bench.start_record(None, params, args.quick, args.name, {"scratch (the fio host folder)": str(scratch)})
    tables = {}
    for name in names:
        print(f"bench {name}: {'quick' if args.quick else 'full'} run ...", file=sys.stderr, flush=True)
        tables.update(
            bench.measure(name, params, progress=lambda text: print(f"  {text}", file=sys.stderr, flush=True))
        )
    run = bench.Run(tables, bench.finish_record(record, names))
    bench.write_run(out, run)
    beside = not args.no_reference and out.resolve() != bench.results_dir().resolve()
    reference = bench.reference_run() if beside else bench.Run()
    context = plots.Context(
        published, reference.tables, live_label=run.label, reference_label=reference.label if reference.tables else ""
    )
    figures = []
    for key, table in tables.items():
        figure = plots.figure(key, table, context)
        if figure is not None:
            figure.savefig(out / f"{key}.png", dpi=100)
            plt.close(figure)
            figures.append(out / f"{key}.png")
        print(f"{out / key}.csv ({len(table)} rows){f', {out / key}.png' if figure is not None else ''}", flush=True)
    print(bench.write_page(out, run, published, figures), flush=True)
    return 0


def _lab(args: argparse.Namespace) -> int:
    from cookbook import labserver

    return labserver.serve(args.port, Path(args.notebooks) if args.notebooks else None)


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (and exit 2), like the cookbook's other errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"BadParameter: {self.prog}: {message}. Fix: see `{self.prog} --help`.\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cookbook`` command."""
    top = _OneLineParser(prog="cookbook", description="The executable Docker cookbook.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    sub.add_parser("doctor", help="check the engine, images and disk").set_defaults(func=_doctor)

    image = sub.add_parser("images", help="list or build the image catalogue")
    image.add_argument("action", choices=["list", "build"])
    image.add_argument("names", nargs="*", help="catalogue names (default: all)")
    image.add_argument("--policy", choices=config.POLICIES, default=None, help="local, upstream or auto")
    image.add_argument("--versions", action="store_true", help="list: also the Debian package versions inside")
    image.set_defaults(func=_images)

    run = sub.add_parser("run", help="run chapter notebooks headless into build/")
    run.add_argument("chapters", nargs="*", help="chapter numbers or names")
    run.add_argument("--all", action="store_true", help="run every chapter")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    run.add_argument("--out", default="build", help="output folder (default: build)")
    run.set_defaults(func=_run)

    clean = sub.add_parser("clean", help="remove everything the cookbook made (and nothing else)")
    clean.add_argument("--images", action="store_true", help="also remove the image catalogue")
    clean.add_argument("--all", action="store_true", help="also what live sessions (open notebooks) made")
    clean.set_defaults(func=_clean)

    bench_cmd = sub.add_parser("bench", help="chapter 7's benchmarks headless: CSV, PNG and an HTML page")
    bench_cmd.add_argument(
        "benchmark", nargs="?", default="all", choices=["cpu", "disk", "net", "startstop", "stats", "all"]
    )
    bench_cmd.add_argument("--quick", action="store_true", help="few pairs, small sizes")
    bench_cmd.add_argument("--out", default="build/bench", help="output folder (default: build/bench)")
    bench_cmd.add_argument("--name", default="cookbook bench", help="the run's name in legends and on its page")
    bench_cmd.add_argument(
        "--no-reference",
        action="store_true",
        help="do not draw the committed reference run (data/results) beside this one",
    )
    bench_cmd.set_defaults(func=_bench)

    lab = sub.add_parser("lab", help="open the notebooks in JupyterLab (127.0.0.1, with a token)")
    lab.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default 8888, or the next free one)")
    lab.add_argument("--notebooks", default=None, help="folder to open (default: notebooks/)")
    lab.set_defaults(func=_lab)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BadParameter as exc:
        print(exc.line(), file=sys.stderr)
        return 2
    except CookbookError as exc:
        print(exc.line(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; `cookbook clean` removes what was left.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
