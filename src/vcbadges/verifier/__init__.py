"""Verification of credentials and presentations, building the report check by check.

Nothing here raises because a document is bad: every ``VCBadgesError`` from the layers below
becomes a failed (or, where the outcome could not be decided, ``error``) check with the
error's code. Checks run in the fixed order of ``vcbadges.report``; after a fatal failure
the checks that depend on it are ``skipped``.
"""

from vcbadges.verifier.credential import verify_credential
from vcbadges.verifier.options import DEFAULT_SKEW, VerifyOptions, parse_document
from vcbadges.verifier.presentation import verify_presentation
from vcbadges.verifier.trust import TrustedIssuer, load_trust_list, trust_list_of

__all__ = ["DEFAULT_SKEW", "VerifyOptions", "parse_document", "TrustedIssuer", "load_trust_list",
           "trust_list_of", "verify_credential",
           "verify_presentation"]
