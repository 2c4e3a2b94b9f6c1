"""A test that fails on purpose: chapter 5 mounts it next to the app to show a failing run."""


def test_injected_failure():
    assert 1 + 1 == 3, "an injected failing test"
