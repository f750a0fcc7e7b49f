"""Fixtures for the OpenID4VP tests: keys, a hand-moved clock, held credentials, a verifier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from oid4vp_support import FakeVerifier

from protocol_support import START, Clock
from vcbadges import issue, issue_jwt
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(32)))


@pytest.fixture
def holder_key() -> P256SigningKey:
    return P256SigningKey.from_scalar(bytes(range(2, 34)))


@pytest.fixture
def other_holder_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(60, 92)))


def badge(issuer_key, subject):
    return sample_badge(issuer=issuer_key.controller, subject=subject,
                        valid_from=START - timedelta(days=30)).to_json()


@pytest.fixture
async def ldp_credential(issuer_key, holder_key) -> dict:
    return await issue(badge(issuer_key, holder_key.controller), key=issuer_key,
                       now=START - timedelta(days=30))


@pytest.fixture
async def jwt_credential(issuer_key, holder_key) -> str:
    return await issue_jwt(badge(issuer_key, holder_key.controller), key=issuer_key,
                           now=START - timedelta(days=30))


@pytest.fixture
def verifier(clock) -> FakeVerifier:
    return FakeVerifier(clock=clock)
