"""``Imsx_StatusInfo``: how the Open Badges 3.0 API's resource endpoints report failures.

Each failed call answers with an HTTP status and this JSON object (``imsx_codeMajor``
``failure``, ``imsx_severity`` ``error``, and one ``imsx_codeMinorField`` naming this
service and one value of the spec's code-minor vocabulary). :class:`ResourceError` carries
one through the service code to the web layer, with the extra headers its status needs
(``WWW-Authenticate`` for 401 and 403, RFC 6750 §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["CodeMinor", "ResourceError", "status_info", "invalid_token", "insufficient_scope"]

CodeMinor = Literal[
    "forbidden", "fullsuccess", "internal_server_error", "invalid_data",
    "invalid_query_parameter", "misdirected_request", "not_acceptable", "not_allowed",
    "not_found", "not_modified", "server_busy", "unauthorizedrequest", "unknown",
]

_FIELD_NAME = "vcbadges"


def status_info(minor: CodeMinor, description: str) -> dict[str, Any]:
    """A failure ``Imsx_StatusInfo`` with one code-minor value."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": _FIELD_NAME, "imsx_codeMinorFieldValue": minor}]},
    }


class ResourceError(Exception):
    """A failed API call: its HTTP status, code-minor value, description and headers."""

    def __init__(self, status: int, minor: CodeMinor, description: str, *,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.minor: CodeMinor = minor
        self.description = description
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return status_info(self.minor, self.description)


def _quoted(text: str) -> str:
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')


def invalid_token(description: str) -> ResourceError:
    """401 with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3.1); without
    an error code when no token was sent at all."""
    if not description:
        return ResourceError(401, "unauthorizedrequest", "an access token is required",
                             headers={"WWW-Authenticate": 'Bearer realm="ob"'})
    challenge = (f'Bearer realm="ob", error="invalid_token", '
                 f'error_description="{_quoted(description)}"')
    return ResourceError(401, "unauthorizedrequest", description,
                         headers={"WWW-Authenticate": challenge})


def insufficient_scope(scope: str) -> ResourceError:
    """403 with ``WWW-Authenticate: Bearer error="insufficient_scope"`` naming the scope
    needed (RFC 6750 §3.1)."""
    return ResourceError(403, "forbidden", "the access token does not grant this operation",
                         headers={"WWW-Authenticate":
                                  f'Bearer realm="ob", error="insufficient_scope", '
                                  f'scope="{scope}"'})
