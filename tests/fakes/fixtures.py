"""pytest fixtures for the fake upstream.

Wire in with ``pytest_plugins = ["tests.fakes.fixtures"]`` in the root conftest.

Session-scoped because creating keys and a server per test would dominate the suite's time;
the function-scoped ``upstream`` wrapper gives each test a clean recording and default knobs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .certs import DEFAULT_HOSTS, TestCA, make_test_ca
from .upstream import FakeUpstream


@pytest.fixture(scope="session", name="test_ca")
def _test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """A throw-away CA in a session tmp dir (``cert_path`` is the trust anchor to hand out)."""
    return make_test_ca(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture(scope="session", name="fake_upstream")
def _fake_upstream(
    test_ca: TestCA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FakeUpstream]:
    """The started fake upstream, shared by the session; prefer ``upstream`` in tests."""
    cert, key = test_ca.issue(DEFAULT_HOSTS, tmp_path_factory.mktemp("upstream-cert"))
    with FakeUpstream(cert, key) as server:
        yield server


@pytest.fixture(name="upstream")
def _upstream(fake_upstream: FakeUpstream) -> Iterator[FakeUpstream]:
    """The shared fake upstream with recordings cleared and knobs reset for this test."""
    fake_upstream.reset()
    yield fake_upstream
    fake_upstream.reset()
