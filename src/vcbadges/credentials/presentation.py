"""Building an unsigned Verifiable Presentation around a holder's credentials."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from vcbadges.credentials.vcdm import VC_V1, VC_V2, version_of
from vcbadges.errors import CredentialError

__all__ = ["build_presentation"]


def build_presentation(
    credentials: Sequence[dict[str, Any]], *, holder: str, presentation_id: str | None = None
) -> dict[str, Any]:
    """Return an unsigned presentation of ``credentials`` by ``holder``.

    The presentation uses the data model of its credentials: VCDM 2.0 protects its terms, so a
    1.1 credential (whose context redefines them) can only travel in a 1.1 presentation.
    Raises ``CredentialError`` for a mix of versions or a credential without a VC context.
    """
    versions = {version_of(c) for c in credentials}
    if len(versions) > 1:
        raise CredentialError("cannot present VCDM 1.1 and 2.0 credentials together",
                              code="mixed_data_models")
    context = VC_V1 if versions == {"1.1"} else VC_V2
    return {
        "@context": [context],
        "id": presentation_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": list(credentials),
    }
