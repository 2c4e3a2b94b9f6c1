"""Tests of the blueprint app, run with pytest in the app's folder."""

import pytest

import blueprintexample


@pytest.fixture
def client():
    blueprintexample.app.config["TESTING"] = True
    return blueprintexample.app.test_client()


def test_index(client):
    assert b"Blueprint example page" in client.get("/").data
    assert b"Blueprint example page" in client.get("/pages/").data


@pytest.mark.parametrize("page, text", [("hello", b"Hello"), ("world", b"World")])
def test_pages(client, page, text):
    assert text in client.get(f"/{page}").data
    assert text in client.get(f"/pages/{page}").data


def test_unknown_page_is_404(client):
    assert client.get("/nope").status_code == 404


def test_health(client):
    assert client.get("/healthz").data == b"ok"
