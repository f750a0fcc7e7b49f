"""Fixtures for the OpenID4VCI tests: fixed keys, a hand-moved clock, the fake issuer."""

from __future__ import annotations

import pytest
from oid4vci_support import FakeIssuer

from protocol_support import Clock
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(32)))


@pytest.fixture
def holder_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(40, 72)))


@pytest.fixture
def p256_holder_key() -> P256SigningKey:
    return P256SigningKey.from_scalar(bytes(range(2, 34)))


@pytest.fixture
def other_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(100, 132)))


@pytest.fixture
def issuer(issuer_key, clock) -> FakeIssuer:
    return FakeIssuer(key=issuer_key, clock=clock)
