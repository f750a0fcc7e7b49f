"""Fixtures for the top-level verbs: fixed keys, a pinned clock, a signed sample badge."""

from __future__ import annotations

import pytest
from clock import ISSUED

from vcbadges import issue
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey


@pytest.fixture
def issuer_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(32)))


@pytest.fixture
def other_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(1, 33)))


@pytest.fixture
def holder_key() -> P256SigningKey:
    return P256SigningKey.from_scalar(bytes(range(2, 34)))


@pytest.fixture
def unsigned(issuer_key, holder_key) -> dict:
    return sample_badge(issuer=issuer_key.controller, subject=holder_key.controller,
                        valid_from=ISSUED).to_json()


@pytest.fixture
async def signed(unsigned, issuer_key) -> dict:
    return await issue(unsigned, key=issuer_key, now=ISSUED)
