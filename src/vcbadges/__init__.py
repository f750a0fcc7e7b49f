"""vcbadges: issue, hold, present and verify Open Badges 3.0 credentials.

The public API is three async verbs, ``issue``, ``present`` and ``verify`` (with
``verify_credential`` and ``verify_presentation`` when the kind of document is known, and
``derive`` for a holder's selective disclosure of an ecdsa-sd-2023 credential, and
``verify_held`` for the holder's own check of one before keeping it),
the report types they return, issuer registries, keys, and the error tree.
"""

from vcbadges._api import (
    derive,
    issue,
    issue_jwt,
    present,
    verify,
    verify_credential_document as verify_credential,
    verify_held,
    verify_presentation_document as verify_presentation,
)
from vcbadges.dids.resolver import MethodResolver, StaticResolver, default_resolver
from vcbadges.errors import (
    CredentialError,
    DIDResolutionError,
    InvalidProof,
    JSONLDError,
    KeyFormatError,
    LoaderError,
    ProofError,
    VCBadgesError,
)
from vcbadges.jsonld.loader import ChainLoader, StaticLoader
from vcbadges.primitives.keys import (
    Ed25519SigningKey,
    P256SigningKey,
    SigningKey,
    generate_key,
)
from vcbadges.report import Check, Outcome, PresentationReport, VerificationReport
from vcbadges.verifier.registry import IssuerRegistries, RegistryEntry

__all__ = [
    "derive",
    "issue",
    "issue_jwt",
    "present",
    "verify",
    "verify_credential",
    "verify_held",
    "verify_presentation",
    "VerificationReport",
    "PresentationReport",
    "IssuerRegistries",
    "RegistryEntry",
    "Check",
    "Outcome",
    "SigningKey",
    "Ed25519SigningKey",
    "P256SigningKey",
    "generate_key",
    "StaticLoader",
    "ChainLoader",
    "MethodResolver",
    "StaticResolver",
    "default_resolver",
    "VCBadgesError",
    "CredentialError",
    "DIDResolutionError",
    "InvalidProof",
    "JSONLDError",
    "KeyFormatError",
    "LoaderError",
    "ProofError",
]
