"""Test doubles for redactproxy: a throw-away CA and a fake AI upstream (see ``upstream``)."""

from .certs import DEFAULT_HOSTS, TestCA, make_test_ca
from .upstream import FakeUpstream, Recorded

__all__ = ["DEFAULT_HOSTS", "FakeUpstream", "Recorded", "TestCA", "make_test_ca"]
