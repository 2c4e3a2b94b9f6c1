"""The catalogue: entries, recipe hashes, unknown names, the host's mirror."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cookbook import imagebuild, images
from cookbook.errors import BadParameter


def test_every_entry_has_an_upstream_and_a_recipe() -> None:
    for name, item in images.catalogue().items():
        assert item.description, name
        if item.base:
            assert (item.folder / "Dockerfile").is_file(), name
            assert item.base in images.catalogue(), f"{name} builds on unknown {item.base}"
            assert "ARG BASE" in (item.folder / "Dockerfile").read_text(), name
        else:
            assert item.suite, f"{name} needs a Debian suite for debootstrap"


def test_the_issue_images_are_catalogued() -> None:
    for name in ("debian", "busybox", "mariadb", "wordpress", "registry", "bench", "dind"):
        assert name in images.catalogue()


def test_unknown_name_lists_known_names() -> None:
    with pytest.raises(BadParameter) as caught:
        images.entry("mysqll")
    assert "busybox" in caught.value.line()


def test_hash_follows_recipe_and_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data" / "images"
    for name in ("debian", "busybox"):
        shutil.copytree(images.images_dir() / name, data / name)
    monkeypatch.setattr(images, "images_dir", lambda: data)
    before = images.recipe_hash("busybox")
    assert images.recipe_hash("busybox") == before
    (data / "debian" / "image.toml").write_text((data / "debian" / "image.toml").read_text() + "\n# changed\n")
    images._load.cache_clear()
    assert images.recipe_hash("busybox") != before
    assert images.local_reference("busybox").startswith("cookbook/busybox:")
    images._load.cache_clear()


def test_bad_policy_is_refused() -> None:
    with pytest.raises(BadParameter, match="policy"):
        images.ensure("busybox", policy="whenever", client=object())  # type: ignore[arg-type]


def test_host_mirror_reads_deb822_one_line_sources_and_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COOKBOOK_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list.d").mkdir()
    assert imagebuild.host_mirror(tmp_path) == ""
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://deb.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
    )
    assert imagebuild.host_mirror(tmp_path) == "http://deb.example/debian"
    (tmp_path / "sources.list").write_text("# old\ndeb [arch=amd64] http://one.example/debian bookworm main\n")
    assert imagebuild.host_mirror(tmp_path) == "http://one.example/debian", "sources.list comes first"
    monkeypatch.setenv("COOKBOOK_DEBIAN_MIRROR", "http://mirror.example/debian")
    assert imagebuild.host_mirror(tmp_path) == "http://mirror.example/debian"


def test_the_imported_image_id_is_read_from_the_engines_answer() -> None:
    answer = '{"status":"sha256:' + "ab" * 32 + '"}\r\n'
    assert imagebuild.imported_id(answer) == "sha256:" + "ab" * 32
    assert imagebuild.imported_id('{"error":"unexpected EOF"}') == ""


def test_package_versions_are_read_from_dpkg_or_busybox_and_a_recipes_own_packages_from_its_dockerfile() -> None:
    from cookbook import packages

    assert packages.parse("nginx-light=1.22.1-9\niproute2=6.1.0-3\n") == {
        "nginx-light": "1.22.1-9",
        "iproute2": "6.1.0-3",
    }
    assert packages.parse("BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.") == {
        "busybox-static": "1:1.35.0-4+b3"
    }
    assert packages.recipe_packages("web") == ["nginx-light", "iproute2", "iputils-ping"]
    assert packages.recipe_packages("etcd") == ["etcd-server", "etcd-client", "curl"]
    assert packages.recipe_packages("debian") == list(packages.BASE_SYSTEM)


def test_the_one_build_wrapper_names_the_failed_step() -> None:
    """imagebuild.build streams the engine's answer: an error chunk is an ImageBuildError with its step."""
    from types import SimpleNamespace

    from cookbook.errors import ImageBuildError

    chunks = [{"stream": "Step 1/2 : FROM busybox\n"}, {"stream": "Step 2/2 : RUN false\n"}, {"error": "exit 1"}]
    client = SimpleNamespace(api=SimpleNamespace(build=lambda **kwargs: iter(chunks)))
    with pytest.raises(ImageBuildError) as caught:
        imagebuild.build(client, "cookbook/x:1", what="x", path=".")  # type: ignore[arg-type]
    assert (caught.value.image, caught.value.step) == ("x", "RUN false") and caught.value.tail.endswith("exit 1")
