"""Shared fixtures: the fake upstream, a real Secret Service, and real proxy processes."""

pytest_plugins = ["tests.fakes.fixtures", "tests.keyring_service", "tests.proxyproc",
                  "tests.pgserver"]
