"""The OpenAPI 3.1 document of the service, served at ``/openapi.json``.

Written by hand next to the handlers it describes; :func:`app_routes` lists what the
application really serves, and the tests check that the two name the same operations.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vcbadges.credentials.issuable import (
    EMPTY_CREDENTIAL_SUBJECT,
    INVALID_CREDENTIAL_SCHEMA,
    INVALID_DATE,
    INVALID_ID,
    INVALID_ISSUER,
    INVALID_LANGUAGE_VALUE,
    INVALID_RELATED_RESOURCE,
    INVALID_VALIDITY_PERIOD,
    MISSING_CREDENTIAL_SUBJECT,
    MISSING_TYPE,
    RELATED_RESOURCE_DIGEST_MISMATCH,
)
from vcbadges.web.oid4vp import ABSOLUTE_IRI_PATTERN
from vcbadges.web.problems import TYPE_BASE
from vcbadges.web.settings import Settings

__all__ = ["openapi_document", "app_routes", "document_routes", "UNDOCUMENTED",
           "DOCUMENTED_ELSEWHERE"]

JSON = "application/json"
PROBLEM = "application/problem+json"
_LD_RESOLUTION = 'application/ld+json;profile="https://w3id.org/did-resolution"'
FORM = "application/x-www-form-urlencoded"
SVG = "image/svg+xml"
_BEARER: list[dict[str, list[str]]] = [{"apiKey": []}]
_SESSION: list[dict[str, list[str]]] = [{"walletSession": []}]
_SESSION_CSRF: list[dict[str, list[str]]] = [{"walletSession": [], "csrfToken": []}]

#: Routes the application serves that are pages, not API operations: HTML and the static
#: files beside it (wallet_demo/, the issuer console, the employer page, a published badge's
#: public page), and the redirect
#: to the wallet page. The tests check that each of these is served and none is documented.
UNDOCUMENTED: frozenset[tuple[str, str]] = frozenset({
    ("GET", "/wallet"),
    ("GET", "/wallet/"),
    ("GET", "/wallet/{file}"),
    ("GET", "/issuer/console"),
    ("GET", "/issuer/console/"),
    ("GET", "/issuer/console/{file}"),
    ("GET", "/verifier/"),
    ("GET", "/verifier/{file}"),
    ("GET", "/static/{file}"),
    ("GET", "/b/{slug}"),
})

#: Route prefixes of APIs that describe themselves in a document of their own, which a
#: client of theirs reads instead of this one: the Open Badges 3.0 API's Service Description
#: Document at ``/ims/ob/v3p0/discovery`` (profiled from 1EdTech's OpenAPI file).
DOCUMENTED_ELSEWHERE: tuple[str, ...] = ("/ims/ob/v3p0/",)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], media: str = JSON) -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    """Problem answers: the named statuses, and any other error as ``default``."""
    named = {
        400: "The request is not valid (see the problem type)",
        401: "Missing, malformed or unknown API key",
        404: "Not found (another tenant's data is not found either)",
        403: "The session's CSRF token is missing or wrong (csrf-token-invalid)",
        409: "Conflicts with what exists (an id issued before, a permanent revocation)",
        413: "The body is larger than the configured limit",
        415: "The body is not JSON (or not the media type the operation takes)",
        422: "Understood but refused (see the problem type)",
        429: "Too many at once; Retry-After says when to try again",
        502: "The issuer or verifier could not be reached (fetch-failed)",
    }
    out = {str(s): {"description": named[s], **_json(_ref("Problem"), PROBLEM)}
           for s in statuses}
    out["default"] = {"description": "Any other error", **_json(_ref("Problem"), PROBLEM)}
    return out


def _body(schema: dict[str, Any], examples: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"required": True, **_json(schema)}
    if examples:
        body["content"][JSON]["examples"] = {
            name: {"value": value} for name, value in examples.items()}
    return body


_SLUG = {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$"}
_CREDENTIAL_ID = {"type": "string", "minLength": 1, "maxLength": 1000}
_REASON = {"type": "string", "maxLength": 1000}
_OPTION = {"type": "string", "minLength": 1, "maxLength": 1000}
_IRI = {"type": "string", "maxLength": 1000, "pattern": ABSOLUTE_IRI_PATTERN}
_RECIPIENT_NAME = {"type": "string", "minLength": 1, "maxLength": 200,
                   "description": "the recipient's name, put in the badge in clear as an "
                                  "IdentityObject of type name"}
_OB_CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
_ISSUE_EXAMPLES = {
    "credential": {
        "credential": {
            "@context": _OB_CONTEXTS,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "Open Badges Explorer",
            "issuer": {"type": ["Profile"], "name": "Example University"},
            "credentialSubject": {
                "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://example.edu/achievements/explorer",
                    "type": ["Achievement"], "name": "Open Badges Explorer",
                    "description": "Issued a first Open Badge.",
                    "criteria": {"narrative": "Completed the walkthrough."}}}},
        "options": {"format": "di"}},
    "award": {
        "award": {"achievement": "explorer",
                  "recipient": {"email": "learner@example.org", "name": "Ada Lovelace"}},
        "options": {"bake": "svg"}},
}


def _op(summary: str, operation_id: str, responses: dict[str, Any], *, tag: str,
        secured: bool = False, body: dict[str, Any] | None = None,
        examples: dict[str, Any] | None = None,
        parameters: list[dict[str, Any]] | None = None,
        security: list[dict[str, list[str]]] | None = None,
        content: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "operationId": operation_id, "tags": [tag],
                          "responses": responses}
    op["security"] = security if security is not None else _BEARER if secured else []
    if body is not None:
        op["requestBody"] = _body(body, examples)
    if content is not None:
        op["requestBody"] = {"required": True, "content": content}
    if parameters:
        op["parameters"] = parameters
    return op


def _path_param(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", **schema}}


_PAGE = [
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
    {"name": "offset", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31, "default": 0}},
]

# The status entries a badge gets: one revocation entry (a single credentialStatus object,
# as the OB 3.0 schema wants) unless a suspension entry is asked for as well.
_STATUS_PURPOSES = {
    "type": "array", "uniqueItems": True, "items": {"enum": ["revocation", "suspension"]},
    "default": ["revocation"],
    "description": "status entries of the badge (of an award: the template's, unless the "
                   "issue call chooses); with suspension, credentialStatus is an array, "
                   "which the strict OB 3.0 JSON Schema refuses"}
_NOT_ISSUABLE = (MISSING_TYPE, INVALID_ID, INVALID_ISSUER, MISSING_CREDENTIAL_SUBJECT,
                 EMPTY_CREDENTIAL_SUBJECT, INVALID_DATE, INVALID_VALIDITY_PERIOD,
                 INVALID_LANGUAGE_VALUE, INVALID_CREDENTIAL_SCHEMA, INVALID_RELATED_RESOURCE,
                 RELATED_RESOURCE_DIGEST_MISMATCH)

_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status"],
        "description": f"RFC 9457 problem details; type is {TYPE_BASE}<kind>, e.g. "
                       "unauthorized, not-found, malformed-json, json-too-deep, "
                       "body-too-large, unsupported-media-type, invalid-request, "
                       "invalid-options, invalid-credential, unknown-achievement, conflict.",
        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"},
                       "code": {"type": "string", "description": (
                           "the rule refused, snake_case; for invalid-credential, among "
                           "others, what VCDM 2.0 forbids an issuer to sign: "
                           + ", ".join(_NOT_ISSUABLE))}},
    },
    "Credential": {"type": "object", "description": "A W3C Verifiable Credential (JSON-LD)",
                   "additionalProperties": True},
    "IssueOptions": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "format": {"enum": ["di", "jwt", "vc+jwt"], "default": "di",
                       "description": "di: Data Integrity proof; jwt: OB 3.0 VC-JWT; "
                                      "vc+jwt: VC-JOSE (answered as an envelope)"},
            "cryptosuite": {"enum": ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019",
                                     "ecdsa-sd-2023", "ed25519-2020"],
                            "description": "ecdsa-sd-2023 (P-256 issuers) gives a base proof "
                                           "the holder derives selective disclosures from"},
            "statusPurposes": _STATUS_PURPOSES,
            "bake": {"enum": ["png", "svg"],
                     "description": "also answer a badge image with the credential baked in"},
            "credentialId": {**_CREDENTIAL_ID, "type": ["string", "null"],
                             "description": "the id of a credential sent without one; null "
                                            "is as absent"},
            "mandatoryPointers": {
                "type": "array", "maxItems": 100,
                "items": {"type": "string", "minLength": 1, "maxLength": 1000},
                "description": "with cryptosuite ecdsa-sd-2023 only: JSON pointers (RFC 6901) "
                               "of claims every derived proof must disclose, besides the "
                               "issuer, validity, status, schema and achievement, which "
                               "always are"},
        },
    },
    "IssueCredentialRequest": {
        "type": "object", "required": ["credential"],
        "properties": {"credential": _ref("Credential"), "options": _ref("IssueOptions")},
    },
    "AwardRequest": {
        "type": "object", "required": ["award"],
        "properties": {
            "award": {
                "type": "object", "required": ["achievement", "recipient"],
                "properties": {
                    "achievement": {"type": "string", "description": "a template's slug"},
                    "recipient": {"oneOf": [
                        {"type": "object", "required": ["id"], "additionalProperties": False,
                         "properties": {"id": {"type": "string"}, "name": _RECIPIENT_NAME}},
                        {"type": "object", "required": ["email"],
                         "additionalProperties": False,
                         "properties": {"email": {"type": "string"},
                                        "name": _RECIPIENT_NAME}},
                    ]},
                },
            },
            "options": _ref("IssueOptions"),
        },
    },
    "IssueResponse": {
        "type": "object", "required": ["verifiableCredential"],
        "properties": {
            "verifiableCredential": {"oneOf": [_ref("Credential"), {"type": "string"}]},
            "bakedImage": {"type": "string", "description": "a data: URL (PNG or SVG)"},
        },
    },
    "UpdateCredentialStatusRequest": {
        "description": "VC-API form (credentialStatus an object, status a boolean), or a "
                       "list of entries each naming the status to end up with (the form "
                       "DCC's status service takes: type BitstringStatusListCredential), "
                       "at most one per status purpose. reason goes to the audit record.",
        "oneOf": [
            {"type": "object", "required": ["credentialId", "credentialStatus", "status"],
             "properties": {
                 "credentialId": _CREDENTIAL_ID,
                 "credentialStatus": {
                     "type": "object", "required": ["type", "statusPurpose"],
                     "properties": {"type": {"enum": ["BitstringStatusListEntry"]},
                                    "statusPurpose": {"enum": ["revocation", "suspension"]}}},
                 "status": {"type": "boolean"},
                 "reason": _REASON}},
            {"type": "object", "required": ["credentialId", "credentialStatus"],
             "properties": {
                 "credentialId": _CREDENTIAL_ID,
                 "credentialStatus": {"type": "array", "minItems": 1, "maxItems": 2, "items": {
                     "type": "object", "required": ["type", "status"],
                     "properties": {"type": {"enum": ["BitstringStatusListCredential",
                                                      "BitstringStatusListEntry"]},
                                    "status": {"enum": ["revoked", "suspended",
                                                        "unsuspended"]}}}},
                 "reason": _REASON}},
        ],
    },
    "UpdateCredentialStatusResponse": {
        "type": "object", "required": ["credentialId", "credentialStatus"],
        "properties": {"credentialId": {"type": "string"},
                       "credentialStatus": {"type": "array", "items": {"type": "object"}}},
    },
    "CredentialSummary": {
        "type": "object", "required": ["id", "format", "recipient", "issuedAt"],
        "properties": {"id": {"type": "string"}, "format": {"enum": ["di", "jwt"]},
                       "subject": {"type": ["string", "null"],
                                   "description": "the subject's id (see recipient.id)"},
                       "recipient": _ref("CredentialRecipient"),
                       "issuedAt": {"type": "string"}},
    },
    "CredentialRecipient": {
        "type": "object", "additionalProperties": False,
        "description": "whom the credential was awarded to, as far as the issuer knows",
        "properties": {
            "name": {"type": "string", "description": "the name the credential gives its "
                                                      "subject (an IdentityObject of type "
                                                      "name)"},
            "email": {"type": "string", "description": "the address the award was made to; "
                                                       "the credential holds it only hashed"},
            "id": {"type": "string", "description": "the subject's id (a DID)"}},
    },
    "AchievementTemplate": {
        "type": "object", "required": ["slug", "achievement"],
        "properties": {"slug": _SLUG,
                       "achievement": {"type": "object",
                                       "description": "an Open Badges 3.0 Achievement"},
                       "statusPurposes": _STATUS_PURPOSES,
                       "createdAt": {"type": "string"}},
    },
    "VerificationReport": {
        "type": "object", "required": ["verified", "checks"],
        "description": "The vcbadges verification report (the same everywhere).",
        "properties": {"verified": {"type": "boolean"},
                       "issuerTrusted": {
                           "type": "boolean",
                           "description": "a credential's issuer is listed in one of the "
                                          "service's issuer registries (the issuer_trust "
                                          "check); a verdict beside verified, not part of it"},
                       "documentId": {"type": ["string", "null"]},
                       "checkedAt": {"type": "string", "format": "date-time"},
                       "checks": {"type": "array", "items": {"type": "object"}},
                       "errors": {"type": "array"}, "warnings": {"type": "array"}},
    },
    "VerifyCredentialRequest": {
        "type": "object", "required": ["verifiableCredential"],
        "properties": {"verifiableCredential": {"oneOf": [
                           _ref("Credential"),
                           {"type": "string", "description": "a compact VC-JWT; a credential "
                                                             "as JSON text is refused",
                            "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$"}]},
                       "options": {"type": "object"}},
    },
    "DeriveCredentialRequest": {
        "type": "object", "required": ["verifiableCredential"],
        "properties": {
            "verifiableCredential": {**_ref("Credential"),
                                     "description": "a credential with an ecdsa-sd-2023 "
                                                    "base proof"},
            "options": {"type": "object", "additionalProperties": False, "properties": {
                "selectivePointers": {
                    "type": "array", "maxItems": 1000, "items": {"type": "string"},
                    "description": "JSON pointers (RFC 6901) of the claims to disclose "
                                   "beyond the issuer's mandatory ones"}}}},
    },
    "DIDResolutionResult": {
        "type": "object", "required": ["didDocument", "didResolutionMetadata",
                                       "didDocumentMetadata"],
        "properties": {
            "@context": {"type": "string"},
            "didDocument": {"type": ["object", "null"]},
            "didResolutionMetadata": {"type": "object", "properties": {
                "contentType": {"type": "string"},
                "error": {"description": "an error object {type, title, detail} "
                                         "(application/did-resolution), or the error's "
                                         "keyword (the ld+json profile)",
                          "oneOf": [{"type": "string"}, {"type": "object"}]}}},
            "didDocumentMetadata": {"type": "object"}},
    },
    "VerifyPresentationRequest": {
        "type": "object", "required": ["verifiablePresentation"],
        "properties": {"verifiablePresentation": {"type": "object"},
                       "options": {"type": "object", "properties": {
                           "challenge": _OPTION, "domain": _OPTION,
                           "holderMustBeSubject": {
                               "type": "boolean", "default": True,
                               "description": "false accepts credentials whose subject is "
                                              "not the presentation's holder"}}}},
    },
}


_BULK_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"},
                "description": "rows per outcome: issued, skipped-already-issued, failed "
                               "(issue jobs); revoked, skipped-already-revoked, failed "
                               "(revoke jobs)"}

_BULK_SCHEMAS: dict[str, Any] = {
    "BulkIssueRequest": {
        "type": "object", "required": ["achievement", "rows"], "additionalProperties": False,
        "properties": {
            "achievement": {"type": "string", "description": "a template's slug"},
            "job": {"type": "string", "minLength": 1, "maxLength": 200,
                    "description": "the job key; sending a job again resumes it (default: a "
                                   "digest of the achievement and the rows)"},
            "rows": {"type": "array", "minItems": 1, "maxItems": 100_000, "items": {
                "type": "object", "required": ["rowId", "recipient"],
                "additionalProperties": False,
                "properties": {
                    "rowId": {"type": "string", "description": "unique within the job"},
                    "recipient": {"type": "string", "description": "a DID or an e-mail "
                                                                   "address"},
                    "name": {"type": ["string", "null"]},
                    "narrative": {"type": ["string", "null"]},
                    "validUntil": {"type": ["string", "null"],
                                    "description": "a date or an RFC 3339 date-time"}}}},
        },
    },
    "BulkRevokeRequest": {
        "type": "object", "required": ["rows"], "additionalProperties": False,
        "properties": {
            "reason": {"type": "string", "description": "for rows without their own"},
            "rows": {"type": "array", "minItems": 1, "maxItems": 100_000, "items": {
                "type": "object", "required": ["credentialId"],
                "additionalProperties": False,
                "properties": {"credentialId": {"type": "string"},
                               "reason": {"type": ["string", "null"]}}}},
        },
    },
    "BulkJob": {
        "type": "object",
        "required": ["id", "kind", "job", "state", "total", "done", "counts", "createdAt",
                     "updatedAt"],
        "properties": {
            "id": {"type": "string"}, "kind": {"enum": ["issue", "revoke"]},
            "job": {"type": "string"}, "achievement": {"type": ["string", "null"]},
            "state": {"enum": ["running", "done", "failed", "cancelled", "interrupted"],
                      "description": "interrupted: the process running it stopped; send "
                                     "the job again to resume"},
            "total": {"type": "integer"}, "done": {"type": "integer"},
            "counts": _BULK_COUNTS, "error": {"type": ["string", "null"]},
            "cancelRequested": {"type": "boolean"},
            "createdAt": {"type": "string"}, "updatedAt": {"type": "string"},
            "finishedAt": {"type": ["string", "null"]},
        },
    },
}

_CSV_BODY = {"text/csv": {"schema": {"type": "string", "description": (
    "the CSV of the vcbadges bulk commands (a header row first)")}}}


def _bulk_paths() -> dict[str, Any]:
    job_id = [_path_param("job_id", "the job's id")]
    started = {"202": {"description": "Started; Location names the job",
                       **_json(_ref("BulkJob"))},
               "409": {"description": "The same job is running (job-running; the problem's "
                                      "job member is that job)",
                       **_json(_ref("Problem"), PROBLEM)},
               "429": {"description": "The tenant's running jobs are at the limit",
                       **_json(_ref("Problem"), PROBLEM)},
               **_problems(400, 401, 404, 413, 415)}
    csv_query = [{"name": name, "in": "query", "required": False,
                  "description": description, "schema": {"type": "string"}}
                 for name, description in (("achievement", "issue: a template's slug "
                                                           "(required with a CSV body)"),
                                           ("job", "issue: the job key"),
                                           ("reason", "revoke: the default reason"))]
    return {
        "/issuer/bulk/issue": {"post": _op(
            "Issue a badge per row, as a background job (JSON or CSV)", "bulkIssue",
            started, tag="bulk", secured=True,
            parameters=[p for p in csv_query if p["name"] != "reason"],
            content={JSON: {"schema": _ref("BulkIssueRequest")}, **_CSV_BODY})},
        "/issuer/bulk/revoke": {"post": _op(
            "Revoke credentials by id, as a background job (JSON or CSV)", "bulkRevoke",
            started, tag="bulk", secured=True,
            parameters=[p for p in csv_query if p["name"] == "reason"],
            content={JSON: {"schema": _ref("BulkRevokeRequest")}, **_CSV_BODY})},
        "/issuer/bulk/jobs": {"get": _op(
            "The tenant's bulk jobs, newest first", "listBulkJobs",
            {"200": {"description": "One page", **_json({
                "type": "object", "required": ["jobs"],
                "properties": {"jobs": {"type": "array", "items": _ref("BulkJob")}}})},
             **_problems(400, 401)}, tag="bulk", secured=True, parameters=_PAGE)},
        "/issuer/bulk/jobs/{job_id}": {
            "get": _op("A job's state and progress", "getBulkJob",
                       {"200": {"description": "The job", **_json(_ref("BulkJob"))},
                        **_problems(401, 404)}, tag="bulk", secured=True,
                       parameters=job_id),
            "delete": _op("Cancel a job (rows already done stay done)", "cancelBulkJob",
                          {"200": {"description": "The job, cancelled or cancelRequested",
                                   **_json(_ref("BulkJob"))},
                           **_problems(401, 404)}, tag="bulk", secured=True,
                          parameters=job_id)},
        "/issuer/bulk/jobs/{job_id}/results": {"get": _op(
            "A page of a job's row outcomes, in the order they were settled",
            "getBulkJobResults",
            {"200": {"description": "One page; next is the after of the next page", **_json({
                "type": "object", "required": ["results", "next"],
                "properties": {
                    "results": {"type": "array", "items": {
                        "type": "object",
                        "required": ["seq", "rowId", "credentialId", "status", "error"],
                        "properties": {"seq": {"type": "integer"},
                                       "rowId": {"type": "string"},
                                       "credentialId": {"type": ["string", "null"]},
                                       "status": {"type": "string"},
                                       "error": {"type": ["string", "null"]}}}},
                    "next": {"type": ["integer", "null"]}}})},
             **_problems(400, 401, 404)}, tag="bulk", secured=True,
            parameters=[*job_id,
                        {"name": "after", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 0, "maximum": 2**31,
                                    "default": 0}},
                        _PAGE[0]])},
        "/issuer/bulk/jobs/{job_id}/results.csv": {"get": _op(
            "All of a job's row outcomes as the result CSV of the bulk commands",
            "getBulkJobResultsCsv",
            {"200": {"description": "row_id, credential_id, status, error (issue jobs); "
                                    "credential_id, status, error (revoke jobs)",
                     "content": {"text/csv": {"schema": {"type": "string"}}}},
             **_problems(401, 404)}, tag="bulk", secured=True, parameters=job_id)},
    }


_OAUTH_ERROR = {
    "type": "object", "required": ["error"],
    "description": "An OAuth 2.0 / OpenID4VC error response (RFC 6749 §5.2).",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}

_OID4VC_SCHEMAS: dict[str, Any] = {
    "OAuthError": _OAUTH_ERROR,
    "CreateOfferRequest": {
        "type": "object", "required": ["achievement"], "additionalProperties": False,
        "properties": {
            "achievement": {"type": "string", "description": "a template's slug"},
            "pin": {"type": "boolean", "default": False,
                    "description": "ask the wallet for a 6-digit transaction code"},
            "recipientName": {"type": "string", "minLength": 1, "maxLength": 200,
                               "description": "put in the badge as a plain IdentityObject"},
            "format": {"enum": ["ldp_vc", "jwt_vc_json"], "default": "ldp_vc"},
            "evidence": {
                "type": "array", "maxItems": 10,
                "description": "put in the badge's evidence, each item as an Open Badges "
                               "Evidence object",
                "items": {"type": "object", "additionalProperties": False, "minProperties": 1,
                          "properties": {
                              "id": {"type": "string", "format": "uri", "maxLength": 1000,
                                     "description": "an https URL of the evidence"},
                              "name": {"type": "string", "minLength": 1, "maxLength": 200},
                              "narrative": {"type": "string", "minLength": 1,
                                            "maxLength": 2000},
                              "description": {"type": "string", "minLength": 1,
                                              "maxLength": 2000}}}},
        },
    },
    "CreatedOffer": {
        "type": "object",
        "required": ["offerId", "offerUri", "qrSvg", "txCode", "expiresAt"],
        "properties": {
            "offerId": {"type": "string"},
            "offerUri": {"type": "string",
                          "description": "openid-credential-offer://?credential_offer_uri=…"},
            "qrSvg": {"type": "string", "description": "path of the offer's QR code (SVG)"},
            "txCode": {"type": ["string", "null"],
                        "description": "the PIN to give the holder by another channel"},
            "expiresAt": {"type": "string"},
        },
    },
    "PresentationRequestOptions": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "achievement": {**_IRI, "type": ["string", "null"],
                            "description": "an achievement id (IRI), such as one of the "
                                           "catalog's; null is as absent"},
            "issuer": {**_IRI, "type": ["string", "null"],
                       "description": "an issuer id (IRI), such as one of the catalog's; null "
                                      "is as absent"},
            "clientIdPrefix": {
                "enum": ["redirect_uri", "decentralized_identifier", "x509_san_dns"],
                "default": "redirect_uri",
                "description": "how wallets authenticate the request: redirect_uri (unsigned, "
                               "for this service's wallet), decentralized_identifier (signed "
                               "by the calling tenant's DID; needs its API key), x509_san_dns "
                               "(signed with the service's verifier certificate, when one is "
                               "configured)"},
            "byValue": {"type": "boolean", "default": False,
                        "description": "put the Request Object itself in qrPayload (request=) "
                                       "instead of a request_uri; refused when too long for a "
                                       "QR code"},
        },
    },
    "CatalogIssuer": {
        "type": "object", "required": ["id", "name"],
        "properties": {"id": {"type": "string", "description": "the issuer id its badges "
                                                               "carry (a DID)"},
                       "name": {"type": "string"}},
    },
    "Catalog": {
        "type": "object", "required": ["achievements", "issuers"],
        "properties": {
            "achievements": {"type": "array", "items": {
                "type": "object", "required": ["id", "name", "issuer"],
                "properties": {"id": {"type": "string",
                                      "description": "the achievement id its badges carry"},
                               "name": {"type": "string"},
                               "issuer": _ref("CatalogIssuer")}}},
            "issuers": {"type": "array", "items": _ref("CatalogIssuer")},
        },
    },
    "CreatedPresentationRequest": {
        "type": "object",
        "required": ["transactionId", "requestId", "clientId", "qrPayload", "qrSvg",
                     "expiresAt"],
        "properties": {
            "transactionId": {"type": "string",
                               "description": "the page's secret for reading the result"},
            "requestId": {"type": "string"},
            "clientId": {"type": "string",
                         "description": "the verifier's Client Identifier, with its prefix"},
            "qrPayload": {"type": "string",
                           "description": "openid4vp://?client_id=…&request_uri=… (or "
                                          "&request=… by value)"},
            "qrSvg": {"type": "string"},
            "expiresAt": {"type": "string"},
        },
    },
    "PresentationResultStatus": {
        "type": "object", "required": ["status"],
        "properties": {
            "status": {"enum": ["pending", "done"]},
            "result": {"type": "object", "description": "PresentationResult.to_json(); each "
                                                        "credential report whose proof and "
                                                        "issuer checks passed has a display "
                                                        "block (also when revoked, "
                                                        "suspended or expired)"},
        },
    },
    "WalletAccountRequest": {
        "type": "object", "required": ["username", "passphrase"], "additionalProperties": False,
        "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 100},
                       "passphrase": {"type": "string", "minLength": 8, "maxLength": 1024},
                       "keyType": {"enum": ["ed25519", "p256"], "default": "ed25519"}},
    },
    "WalletSignIn": {
        "type": "object", "required": ["username", "passphrase"],
        "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 1000},
                       "passphrase": {"type": "string", "minLength": 1, "maxLength": 1024}},
    },
    "WalletSession": {
        "type": "object", "required": ["username", "did", "csrfToken"],
        "properties": {"username": {"type": "string"}, "did": {"type": "string"},
                       "csrfToken": {"type": "string",
                                      "description": "send as X-CSRF-Token on POST/DELETE"}},
    },
    "WalletCredentialSummary": {
        "type": "object", "required": ["id", "name", "issuerName", "achievement", "addedAt",
                                       "format"],
        "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                       "issuerName": {"type": ["string", "null"]},
                       "achievement": {"type": ["string", "null"]},
                       "image": {"type": "string"}, "addedAt": {"type": "string"},
                       "format": {"enum": ["ldp_vc", "jwt_vc_json", "json", "jwt"]}},
    },
    "CredentialDisplay": {
        "type": "object", "required": ["name", "issuer", "issuerName", "achievement",
                                       "evidence"],
        "properties": {
            "name": {"type": ["string", "null"]}, "issuer": {"type": ["string", "null"]},
            "issuerName": {"type": ["string", "null"]}, "image": {"type": "string"},
            "subjectName": {"type": "string",
                             "description": "the name the credential gives its subject"},
            "achievement": {"type": ["string", "null"]}, "achievementId": {"type": "string"},
            "description": {"type": "string"},
            "criteria": {"type": "object", "properties": {"id": {"type": "string"},
                                                          "narrative": {"type": "string"}}},
            "evidence": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "narrative": {"type": "string"}, "description": {"type": "string"}}}},
        },
    },
    "Disclosure": {
        "type": "object", "required": ["selective", "namesSubject", "emailHash"],
        "description": "what sharing or publishing the badge can withhold: a selective badge "
                       "(ecdsa-sd-2023) is shared and published without the learner's "
                       "identity unless they show it; any other's download holds what its "
                       "issuer signed",
        "properties": {"selective": {"type": "boolean"},
                       "namesSubject": {"type": "boolean"},
                       "emailHash": {"type": "boolean"}}},
    "WalletCredential": {
        "allOf": [_ref("WalletCredentialSummary"), {
            "type": "object", "required": ["credential", "display", "report", "disclosure"],
            "properties": {"credential": {"oneOf": [{"type": "object"}, {"type": "string"}]},
                           "display": _ref("CredentialDisplay"),
                           "report": _ref("VerificationReport"),
                           "disclosure": _ref("Disclosure")}}],
    },
    "WalletAdded": {
        "type": "object", "required": ["credential", "report"],
        "properties": {"credential": _ref("WalletCredentialSummary"),
                       "report": _ref("VerificationReport")},
    },
    "ScanRequest": {
        "type": "object", "required": ["uri"],
        "properties": {"uri": {"type": "string", "maxLength": 4000}},
    },
    "ScanResult": {
        "oneOf": [
            {"type": "object", "required": ["kind", "handle", "issuer", "credentials", "txCode"],
             "properties": {
                 "kind": {"const": "offer"}, "handle": {"type": "string"},
                 "issuer": {"type": "object", "required": ["id"], "properties": {
                     "id": {"type": "string"}, "name": {"type": "string"}}},
                 "credentials": {"type": "array", "items": {
                     "type": "object", "required": ["name", "format"],
                     "description": "the offered badge's name, description and image (from "
                                    "the offer's credential_display, else the issuer "
                                    "metadata's display of the configuration)",
                     "properties": {
                         "name": {"type": ["string", "null"]},
                         "format": {"type": ["string", "null"]},
                         "description": {"type": "string"},
                         "image": {"type": "string",
                                   "description": "https or data:image URL"}}}},
                 "txCode": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                     "length": {"type": ["integer", "null"]},
                     "description": {"type": "string"}}}]}}},
            {"type": "object",
             "required": ["kind", "handle", "verifier", "asks", "matches", "canAnswer"],
             "properties": {
                 "kind": {"const": "request"}, "handle": {"type": "string"},
                 "verifier": {"type": "object", "required": ["clientId", "responseUri"],
                              "properties": {"clientId": {"type": "string"},
                                             "responseUri": {"type": "string"}}},
                 "asks": {"type": "array", "items": {"type": "string"}},
                 "matches": {"type": "array", "items": {"type": "object", "properties": {
                     "id": {"type": "string"}, "name": {"type": ["string", "null"]},
                     "issuerName": {"type": ["string", "null"]},
                     "image": {"type": "string"},
                     "standing": {"enum": ["valid", "revoked", "suspended", "expired",
                                           "invalid", "unknown"],
                                  "description": "what the verifier will find, checked "
                                                 "when the request was scanned"},
                     "selective": {"type": "boolean",
                                   "description": "an ecdsa-sd-2023 badge: the verifier gets "
                                                  "what it asks for and what the issuer "
                                                  "made mandatory, nothing else"}}}},
                 "canAnswer": {"type": "boolean"}}},
        ],
    },
}

_OID4VCI_TOKEN_FORM = {
    "type": "object", "required": ["grant_type", "pre-authorized_code"],
    "properties": {"grant_type": {"type": "string"},
                   "pre-authorized_code": {"type": "string"},
                   "tx_code": {"type": "string"}},
}
_VP_RESPONSE_FORM = {
    "type": "object", "required": ["state"],
    "properties": {"state": {"type": "string", "minLength": 1}, "vp_token": {"type": "string"},
                   "error": {"type": "string"}, "error_description": {"type": "string"}},
}


def _vpqr_paths() -> dict[str, Any]:
    """A badge as a VP-QR code, and the employer's check of one (:mod:`vcbadges.web.vpqr`)."""
    return {
        "/wallet/api/credentials/{credential_id}/vpqr": {"get": _op(
            "A Data Integrity badge as a VP-QR code (VP1-B + base32 CBOR-LD)", "walletBadgeVpqr",
            {"200": {"description": "The code's text and picture", **_json({
                "type": "object", "required": ["payload", "characters", "bytes", "image"],
                "properties": {"payload": {"type": "string", "pattern": "^VP1-B[A-Z2-7]+$"},
                               "characters": {"type": "integer"},
                               "bytes": {"type": "integer"},
                               "image": {"type": "string",
                                         "description": "data:image/png;base64 URL"}}})},
             **_problems(401, 404, 422)}, tag="wallet", security=_SESSION,
            parameters=[_path_param("credential_id", "the credential's id in the wallet",
                                    format="uuid")])},
        "/verifier/vpqr/verify": {"post": _op(
            "Verify the badge in a scanned VP-QR code, with no exchange with its holder",
            "verifyVpqr",
            {"200": {"description": "Verified (an OpenID4VP-shaped result)",
                     **_json({"type": "object"})},
             "400": {"description": "Not verified, or a problem when the text is no readable "
                                    "VP-QR", **_json({"type": "object"})}},
            tag="verifier", body={"type": "object", "required": ["vpqr"],
                                  "properties": {"vpqr": {"type": "string",
                                                          "maxLength": 4296}}})},
    }


_PUBLICATION = {
    "type": "object", "required": ["published", "disclosure"],
    "properties": {
        "published": {"type": "boolean"},
        "url": {"type": "string", "description": "the public page, /b/{slug}"},
        "showName": {"type": "boolean"},
        "offerDownload": {"type": "boolean"},
        "publishedAt": {"type": "string", "format": "date-time"},
        "linkedinUrl": {"type": "string",
                        "description": "LinkedIn's add-certification link, filled in"},
        "credentialUrl": {"type": "string",
                          "description": "the credential, when the download is offered"},
        "bakedUrl": {"type": "string",
                     "description": "the badge image with the credential baked in, when "
                                    "the download is offered"},
        "disclosure": _ref("Disclosure"),
    },
}


def _publication_paths() -> dict[str, Any]:
    """A wallet badge on a public page (:mod:`vcbadges.web.wallet_publish`) and what the
    page offers for download (:mod:`vcbadges.web.public_badge`)."""
    credential_id = [_path_param("credential_id", "the credential's id in the wallet",
                                 format="uuid")]
    slug = _path_param("slug", "the published badge's slug", pattern="^[A-Za-z0-9_-]{22}$")
    state = {"description": "The badge's publication", **_json(_PUBLICATION)}
    files = {"image/png": {"schema": {"type": "string", "format": "binary"}},
             SVG: {"schema": {"type": "string"}}}
    return {
        "/wallet/api/credentials/{credential_id}/publication": {
            "get": _op("Whether a wallet badge is on a public page, and its links",
                       "getBadgePublication", {"200": state, **_problems(401, 404)},
                       tag="wallet", security=_SESSION, parameters=credential_id),
            "post": _op("Publish a wallet badge on a public page (or change the choices "
                        "of one published)", "publishBadge",
                        {"201": {**state, "description": "Published"},
                         "200": {**state, "description": "Choices changed, same address"},
                         **_problems(400, 401, 403, 404, 422)},
                        tag="wallet", security=_SESSION_CSRF, parameters=credential_id,
                        body={"type": "object", "additionalProperties": False,
                              "properties": {"showName": {"type": "boolean"},
                                             "offerDownload": {"type": "boolean"}}}),
            "delete": _op("Unpublish a badge: its page and its copy are deleted",
                          "unpublishBadge",
                          {"204": {"description": "Unpublished"},
                           **_problems(401, 403, 404)},
                          tag="wallet", security=_SESSION_CSRF, parameters=credential_id)},
        "/b/{slug}/credential.{ext}": {"get": _op(
            "A published badge's credential, when its owner offers it", "publishedCredential",
            {"200": {"description": "The credential as published (JSON-LD, or a VC-JWT)",
                     "content": {"application/ld+json": {"schema": {"type": "object"}},
                                 "application/jwt": {"schema": {"type": "string"}}}},
             **_problems(404)}, tag="public",
            parameters=[slug, _path_param("ext", "json, or jwt for a VC-JWT",
                                          enum=["json", "jwt"])])},
        "/b/{slug}/badge.{ext}": {"get": _op(
            "A published badge's image with its credential baked in, when its owner offers "
            "it", "publishedBakedBadge",
            {"200": {"description": "A baked PNG or SVG (Open Badges 3.0 baking)",
                     "content": files}, **_problems(404)}, tag="public",
            parameters=[slug, _path_param("ext", "png when the badge's image is a PNG, "
                                          "else svg", enum=["png", "svg"])])},
        "/b/{slug}/image": {"get": _op(
            "A published badge's link-card image (og:image)", "publishedBadgeImage",
            {"200": {"description": "The badge's own raster image, or a drawn medal",
                     "content": {"image/*": {"schema": {"type": "string",
                                                        "format": "binary"}}}},
             **_problems(404)}, tag="public", parameters=[slug])},
    }


_OB_CONNECTION = {
    "type": "object", "required": ["id", "host", "hostUrl", "apiUrl", "scopes", "connectedAt"],
    "properties": {"id": {"type": "string", "format": "uuid"},
                   "host": {"type": "string", "description": "the host's name and port"},
                   "hostUrl": {"type": "string", "description": "the URL the holder gave"},
                   "apiUrl": {"type": "string", "description": "the host's API (servers[0])"},
                   "scopes": {"type": "array", "items": {"type": "string"}},
                   "connectedAt": {"type": "string", "format": "date-time"}},
}
_OB_REFUSED = {
    "type": "object", "required": ["index", "name", "check", "code", "reason"],
    "properties": {"index": {"type": "integer", "description": "its place in what the host "
                                                               "sent"},
                   "name": {"type": ["string", "null"]},
                   "check": {"type": ["string", "null"],
                             "description": "the first verification check it failed"},
                   "code": {"type": ["string", "null"]},
                   "reason": {"type": "string"}},
}


def _ob_connection_paths() -> dict[str, Any]:
    """The wallet's connections to other hosts' Open Badges 3.0 APIs
    (:mod:`vcbadges.web.wallet_obapi`)."""
    connection_id = [_path_param("connection_id", "the connection's id", format="uuid")]
    host_failures = {"502": {"description": "The host could not be reached or answered what a "
                                            "client cannot use (ob-host-failed)",
                             **_json(_ref("Problem"), PROBLEM)}}
    return {
        "/wallet/api/ob/connections": {
            "post": _op(
                "Start connecting to another host's Open Badges API (discovery, registration)",
                "startObConnection",
                {"200": {"description": "Where to send the browser: the host's authorization "
                                        "page (PKCE S256, state bound to this session)",
                         **_json({"type": "object", "required": ["authorizationUrl"],
                                  "properties": {"authorizationUrl": {"type": "string"}}})},
                 **_problems(400, 401, 403, 413, 415, 422), **host_failures},
                tag="wallet", security=_SESSION_CSRF,
                body={"type": "object", "required": ["hostUrl"], "additionalProperties": False,
                      "properties": {"hostUrl": {"type": "string", "minLength": 1,
                                                 "maxLength": 2000}}}),
            "get": _op(
                "The hosts this wallet is connected to", "listObConnections",
                {"200": {"description": "The connections (never their tokens)", **_json({
                    "type": "object", "required": ["connections"],
                    "properties": {"connections": {"type": "array", "items": _OB_CONNECTION}}})},
                 **_problems(401)}, tag="wallet", security=_SESSION)},
        "/wallet/api/ob/connections/{connection_id}": {"delete": _op(
            "Disconnect: revoke the tokens at the host (RFC 7009) and forget the connection",
            "deleteObConnection",
            {"200": {"description": "Deleted; whether the host confirmed the revocation",
                     **_json({"type": "object", "required": ["revoked"],
                              "properties": {"revoked": {"type": "boolean"},
                                             "problem": {"type": "string"}}})},
             **_problems(401, 403, 404)}, tag="wallet", security=_SESSION_CSRF,
            parameters=connection_id)},
        "/wallet/api/ob/connections/{connection_id}/push": {"post": _op(
            "Send one of the wallet's badges to the host (upsertCredential)", "pushToObHost",
            {"200": {"description": "created: new at the host; replaced: it had one with this "
                                    "id", **_json({
                                        "type": "object", "required": ["outcome"],
                                        "properties": {"outcome": {
                                            "type": "string",
                                            "enum": ["created", "replaced"]}}})},
             **_problems(400, 401, 403, 404, 409, 413, 415, 422), **host_failures},
            tag="wallet", security=_SESSION_CSRF, parameters=connection_id,
            body={"type": "object", "required": ["credentialId"],
                  "properties": {"credentialId": {"type": "string", "format": "uuid"}}})},
        "/wallet/api/ob/connections/{connection_id}/pull": {"post": _op(
            "Take the host's badges into the wallet, each verified first, none twice",
            "pullFromObHost",
            {"200": {"description": "What was imported, already held, and refused (why)",
                     **_json({"type": "object",
                              "required": ["imported", "duplicates", "refused"],
                              "properties": {
                                  "imported": {"type": "array", "items": {"type": "object"}},
                                  "duplicates": {"type": "integer"},
                                  "refused": {"type": "array", "items": _OB_REFUSED}}})},
             **_problems(401, 403, 404, 409, 422), **host_failures},
            tag="wallet", security=_SESSION_CSRF, parameters=connection_id)},
        "/wallet/api/ob/callback": {"post": _op(
            "Complete a connection with what the host sent the browser back with",
            "finishObConnection",
            {"201": {"description": "Connected", **_json({
                "type": "object", "required": ["connection"],
                "properties": {"connection": _OB_CONNECTION}})},
             **_problems(400, 401, 403, 413, 415, 422), **host_failures},
            tag="wallet", security=_SESSION_CSRF,
            body={"type": "object", "required": ["state"], "additionalProperties": False,
                  "properties": {name: {"type": "string", "maxLength": 1000} for name in (
                      "state", "code", "error", "errorDescription")}})},
        "/wallet/ob/callback": {"get": _op(
            "Redirect URI of the wallet at other hosts: hands their answer to the wallet page",
            "obConnectionCallback",
            {"303": {"description": "To /wallet/#/ob-callback?… (the session cookie, "
                                    "SameSite=Strict, does not come along from the host's "
                                    "site; the page posts the answer back)"}},
            tag="wallet",
            parameters=[{"name": name, "in": "query", "required": False,
                         "schema": {"type": "string", "maxLength": 1000}}
                        for name in ("state", "code", "error", "error_description")])},
    }


def _oauth_errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "OAuth / OpenID4VC error",
                     **_json(_ref("OAuthError"))} for s in statuses}


def _svg(description: str) -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {SVG: {"schema": {"type": "string"}}}}, **_problems(404)}


_PROTOCOL_PROBLEM = {"description": "Refused: code says why (presentation_not_verified, "
                                     "with the report; invalid_message; holder_missing; "
                                     "credential_query_not_satisfied; offer_taken; "
                                     "already_issued)", **_json(_ref("Problem"), PROBLEM)}
_GONE = {"description": "The exchange was used (exchange_used) or has expired "
                        "(exchange_expired)", **_json(_ref("Problem"), PROBLEM)}
_EXCHANGE_LINKS = {
    "exchangeId": {"type": "string"},
    "exchangeUrl": {"type": "string", "format": "uri",
                    "description": "the VC-API exchange URL (POST messages to it)"},
    "interactionUrl": {"type": "string", "format": "uri",
                       "description": "the interaction URL (?iuv=1), for a QR code"},
    "lcwExchangeLink": {"type": "string", "description": "dccrequest://request?request=... "
                                                         "(the Learner Credential Wallet runs "
                                                         "the VC-API exchange)"},
    "qrSvg": {"type": "string", "description": "path of the interaction URL's QR code"},
    "expiresAt": {"type": "string", "format": "date-time"},
}


def _exchange_paths() -> dict[str, Any]:
    """VC-API exchanges (VCALM) and the Learner Credential Wallet's deep link."""
    exchange = [_path_param("exchange_id", "the exchange id")]
    return {
        "/exchanges/{exchange_id}": {"post": _op(
            "Participate in an exchange (VC-API): {} for the presentation request, "
            "{verifiablePresentation} to answer it, or the Learner Credential Wallet's "
            "presentation as the whole body", "participateInExchange",
            {"200": {"description": "A verifiablePresentationRequest; the badge (in a "
                                    "verifiablePresentation, or as is for a bare "
                                    "presentation); or {} once a verify exchange is done",
                     **_json({"type": "object"})},
             "400": _PROTOCOL_PROBLEM, "409": _PROTOCOL_PROBLEM, "410": _GONE,
             **_problems(404, 413, 415)}, tag="vcapi", parameters=exchange,
            body={"type": "object", "properties": {
                "verifiablePresentation": {"type": "object"},
                "referenceId": {"type": "string"}}})},
        "/exchanges/{exchange_id}/protocols": {"get": _op(
            "The interaction URL (with ?iuv=1): {protocols: {vcapi, OID4VCI?}} for Accept: "
            "application/json, a page for people otherwise", "getExchangeProtocols",
            {"200": {"description": "The protocols", "content": {
                JSON: {"schema": {"type": "object", "required": ["protocols"], "properties": {
                    "protocols": {"type": "object", "required": ["vcapi"],
                                  "additionalProperties": {"type": "string"}}}}},
                "text/html": {"schema": {"type": "string"}}}},
             "410": _GONE, **_problems(404)}, tag="vcapi",
            parameters=[*exchange, {"name": "iuv", "in": "query", "required": False,
                                    "schema": {"type": "string", "enum": ["1"]}}])},
        "/exchanges/{exchange_id}/qr.svg": {"get": _op(
            "The QR code of an open exchange: its interaction URL, or (of=lcw) the Learner "
            "Credential Wallet's link (public)", "getExchangeQr",
            {**_svg("QR code"), "410": _GONE}, tag="vcapi",
            parameters=[*exchange, {"name": "of", "in": "query", "required": False,
                                    "schema": {"enum": ["interaction", "lcw"]}}])},
        "/issuer/exchanges": {"post": _op(
            "Offer an achievement to VC-API wallets and the Learner Credential Wallet, on its "
            "own or for an OpenID4VCI offer without a PIN (the same badge, delivered once)",
            "createIssueExchange",
            {"201": {"description": "The exchange, its links and QR codes", **_json({
                "type": "object", "properties": {
                    **_EXCHANGE_LINKS,
                    "lcwDeepLink": {"type": "string", "description":
                                    "dccrequest://request?issuer=...&vc_request_url=..."
                                    "&challenge=...&auth_type=bearer"},
                    "lcwQrSvg": {"type": "string"}}})},
             **_problems(400, 401, 404, 409, 413, 415)}, tag="issuer", secured=True,
            body={"oneOf": [
                {"type": "object", "required": ["offerId"], "additionalProperties": False,
                 "properties": {"offerId": {"type": "string"}}},
                {"type": "object", "required": ["achievement"], "additionalProperties": False,
                 "properties": {"achievement": _SLUG, "recipientName": _RECIPIENT_NAME}}]})},
        "/issuer/exchanges/{exchange_id}": {"get": _op(
            "What became of an issue exchange", "getIssueExchangeState",
            {"200": {"description": "The exchange's state", **_json({
                "type": "object", "required": ["id", "state", "expiresAt"], "properties": {
                    "id": {"type": "string"},
                    "state": {"enum": ["pending", "used", "delivered", "expired"]},
                    "expiresAt": {"type": "string", "format": "date-time"},
                    "credentialId": {"type": "string"}}})},
             **_problems(401, 404)}, tag="issuer", secured=True, parameters=exchange)},
        "/verifier/exchanges": {"post": _op(
            "Ask for an Open Badge through a VC-API exchange (DIDAuthentication and "
            "QueryByExample)", "createVerifyExchange",
            {"201": {"description": "The exchange, its links, and the page's secret", **_json({
                "type": "object", "properties": {
                    **_EXCHANGE_LINKS, "transactionId": {"type": "string"}}})},
             **_problems(400, 413, 415)}, tag="verifier")
            | {"requestBody": {"required": False, "content": {JSON: {"schema": {
                "type": "object", "additionalProperties": False,
                "properties": {"achievement": _IRI, "issuer": _IRI}}}}}}},
        "/verifier/exchanges/results/{transaction_id}": {"get": _op(
            "The result of a verify exchange, for the page that made it",
            "getVerifyExchangeResult",
            {"200": {"description": "pending, or done with the result", **_json({
                "type": "object", "required": ["status"], "properties": {
                    "status": {"enum": ["pending", "done"]},
                    "result": {"type": "object", "properties": {
                        "verified": {"type": "boolean"},
                        "exchangeId": {"type": "string"},
                        "receivedAt": {"type": "string", "format": "date-time"},
                        "problems": {"type": "array"},
                        "presentation": {
                            "type": "object",
                            "description": "the presentation's report; each credential whose "
                                           "issuer signed it has a display"}}}}})}},
            tag="verifier",
            parameters=[_path_param("transaction_id", "the page's secret")])},
    }


def _oid4vc_paths() -> dict[str, Any]:
    """The OpenID4VCI, OpenID4VP and wallet operations."""
    tenant = [_path_param("tenant", "tenant name")]
    handle = [_path_param("handle", "from POST /wallet/api/scan")]
    credential_id = [_path_param("credential_id", "the credential's id in the wallet")]
    session = {"200": {"description": "Signed in", **_json(_ref("WalletSession"))}}
    json_object = {"type": "object"}
    return {
        "/.well-known/openid-credential-issuer/oid4vci/{tenant}": {"get": _op(
            "Credential Issuer Metadata of a tenant (OpenID4VCI)", "credentialIssuerMetadata",
            {"200": {"description": "Metadata", **_json(json_object)}, **_oauth_errors(404)},
            tag="oid4vci", parameters=tenant)},
        "/.well-known/oauth-authorization-server/oid4vci/{tenant}": {"get": _op(
            "Authorization Server Metadata of a tenant (RFC 8414)",
            "authorizationServerMetadata",
            {"200": {"description": "Metadata", **_json(json_object)}, **_oauth_errors(404)},
            tag="oid4vci", parameters=tenant)},
        "/oid4vci/{tenant}/credential-offers/{offer_id}": {"get": _op(
            "A Credential Offer (served once; mints the pre-authorized code)",
            "getCredentialOffer",
            {"200": {"description": "The offer", **_json(json_object)}, **_oauth_errors(404)},
            tag="oid4vci", parameters=[*tenant, _path_param("offer_id", "the offer id")])},
        "/oid4vci/{tenant}/token": {"post": _op(
            "Token Endpoint: pre-authorized code (and PIN) for an access token", "token",
            {"200": {"description": "Token Response", **_json(json_object)},
             **_oauth_errors(400, 404)}, tag="oid4vci", parameters=tenant,
            content={FORM: {"schema": _OID4VCI_TOKEN_FORM}})},
        "/oid4vci/{tenant}/nonce": {"post": _op(
            "Nonce Endpoint: a fresh c_nonce", "nonce",
            {"200": {"description": "Nonce Response", **_json(json_object)},
             **_oauth_errors(404)}, tag="oid4vci", parameters=tenant)},
        "/oid4vci/{tenant}/credential": {"post": _op(
            "Credential Endpoint (Bearer access token, jwt key proof)", "credential",
            {"200": {"description": "Credential Response", **_json(json_object)},
             **_oauth_errors(400, 401, 403, 404)}, tag="oid4vci", parameters=tenant,
            body=json_object, security=[{"accessToken": []}])},
        "/issuer/offers": {"post": _op(
            "Offer an achievement to a wallet (OpenID4VCI pre-authorized code)",
            "createOffer",
            {"201": {"description": "The offer, its QR code and PIN",
                     **_json(_ref("CreatedOffer"))},
             **_problems(400, 401, 413, 415)}, tag="issuer", secured=True,
            body=_ref("CreateOfferRequest"))},
        "/issuer/offers/{offer_id}": {"get": _op(
            "What became of an offer (another tenant's is not found either)", "getOfferState",
            {"200": {"description": "The offer's state", **_json({
                "type": "object", "required": ["id", "state", "expiresAt"],
                "properties": {
                    "id": {"type": "string"},
                    "state": {"enum": ["pending", "opened", "delivered", "expired"],
                              "description": "opened: a wallet fetched the offer; delivered: "
                                             "the credential endpoint issued its badge; "
                                             "expired: past expires_at, not delivered"},
                    "expiresAt": {"type": "string", "format": "date-time"},
                    "credentialId": {"type": "string",
                                      "description": "the badge issued (delivered only)"}}})},
             **_problems(401, 404)}, tag="issuer", secured=True,
            parameters=[_path_param("offer_id", "the offer id")])},
        "/issuer/offers/{offer_id}/qr.svg": {"get": _op(
            "The QR code of an offer not fetched yet (public)", "getOfferQr",
            _svg("QR code"), tag="issuer",
            parameters=[_path_param("offer_id", "the offer id")])},
        "/verifier/requests": {"post": _op(
            "Ask for an Open Badge (OpenID4VP, DCQL, direct_post)", "createPresentationRequest",
            {"201": {"description": "The request, its QR code, and the page's secret",
                     **_json(_ref("CreatedPresentationRequest"))},
             **_problems(400, 401, 413, 415)}, tag="verifier",
            security=[{}, *_BEARER])
            | {"requestBody": {"required": False, "content": {
                JSON: {"schema": _ref("PresentationRequestOptions")}}}}},
        "/verifier/catalog": {"get": _op(
            "This service's issuers and achievements by name, for choosing what to ask for "
            "(public; cached briefly)", "getCatalog",
            {"200": {"description": "Achievements and issuers, each sorted by name",
                     **_json(_ref("Catalog"))}}, tag="verifier")},
        "/verifier/requests/{request_id}/qr.svg": {"get": _op(
            "The QR code of a pending presentation request", "getPresentationRequestQr",
            _svg("QR code"), tag="verifier",
            parameters=[_path_param("request_id", "the request id")])},
        "/verifier/oid4vp/requests/{request_id}": {"get": _op(
            "The Request Object: a JWT signed for the decentralized_identifier and "
            "x509_san_dns client id prefixes, unsigned for redirect_uri",
            "getRequestObject",
            {"200": {"description": "Request Object", "content": {
                "application/oauth-authz-req+jwt": {"schema": {"type": "string"}}}},
             **_oauth_errors(404)}, tag="verifier",
            parameters=[_path_param("request_id", "the request id")])},
        "/verifier/oid4vp/response": {"post": _op(
            "Response URI: a wallet's direct_post Authorization Response", "presentationResponse",
            {"200": {"description": "Received", **_json(json_object)}, **_oauth_errors(400)},
            tag="verifier", content={FORM: {"schema": _VP_RESPONSE_FORM}})},
        "/verifier/results/{transaction_id}": {"get": _op(
            "The result of a presentation request, for the page that made it",
            "getPresentationResult",
            {"200": {"description": "pending, or done with the result",
                     **_json(_ref("PresentationResultStatus"))}}, tag="verifier",
            parameters=[_path_param("transaction_id", "the page's secret")])},
        "/wallet/api/accounts": {"post": _op(
            "Create a wallet (a new holder DID) and sign in", "createWalletAccount",
            {"201": {"description": "Signed in; session cookie set",
                     **_json(_ref("WalletSession"))}, **_problems(400, 409, 413, 415)},
            tag="wallet", body=_ref("WalletAccountRequest"))},
        "/wallet/api/session": {
            "post": _op("Sign in", "signIn",
                        {**session, **_problems(400, 401, 413, 415, 429)}, tag="wallet",
                        body=_ref("WalletSignIn")),
            "get": _op("The current session", "getSession", {**session, **_problems(401)},
                       tag="wallet", security=_SESSION),
            "delete": _op("Sign out", "signOut",
                          {"204": {"description": "Signed out"}, **_problems(401, 403)},
                          tag="wallet", security=_SESSION_CSRF)},
        "/wallet/api/credentials": {"get": _op(
            "The wallet's credentials", "listWalletCredentials",
            {"200": {"description": "Summaries", **_json({
                "type": "object", "required": ["credentials"],
                "properties": {"credentials": {"type": "array",
                                               "items": _ref("WalletCredentialSummary")}}})},
             **_problems(401)}, tag="wallet", security=_SESSION)},
        "/wallet/api/credentials/{credential_id}": {
            "get": _op("A credential, what to show of it, and a fresh verification report",
                       "getWalletCredential",
                       {"200": {"description": "The credential",
                                **_json(_ref("WalletCredential"))}, **_problems(401, 404)},
                       tag="wallet", security=_SESSION, parameters=credential_id),
            "delete": _op("Remove a credential", "deleteWalletCredential",
                          {"204": {"description": "Removed"}, **_problems(401, 403, 404)},
                          tag="wallet", security=_SESSION_CSRF, parameters=credential_id)},
        "/wallet/api/scan": {"post": _op(
            "Read a scanned offer or presentation request", "scan",
            {"200": {"description": "What is offered or asked", **_json(_ref("ScanResult"))},
             **_problems(400, 401, 403, 422, 502)}, tag="wallet", security=_SESSION_CSRF,
            body=_ref("ScanRequest"))},
        "/wallet/api/offers/{handle}/accept": {"post": _op(
            "Accept an offer: the credential is verified, then stored", "acceptOffer",
            {"201": {"description": "Stored", **_json(_ref("WalletAdded"))},
             **_problems(400, 401, 403, 404, 422, 502)}, tag="wallet",
            security=_SESSION_CSRF, parameters=handle, body={
                "type": "object", "properties": {"txCode": {"type": "string"}}})},
        "/wallet/api/requests/{handle}/respond": {"post": _op(
            "Answer a presentation request with chosen credentials", "respondToRequest",
            {"200": {"description": "Sent", **_json({
                "type": "object", "required": ["outcome"],
                "properties": {"outcome": {"const": "sent"},
                               "redirectUri": {"type": "string"}}})},
             **_problems(400, 401, 403, 404, 422, 502)}, tag="wallet",
            security=_SESSION_CSRF, parameters=handle, body={
                "type": "object", "required": ["credentialIds"],
                "properties": {"credentialIds": {"type": "array", "minItems": 1,
                                                  "items": {"type": "string"}}}})},
        "/wallet/api/requests/{handle}/decline": {"post": _op(
            "Decline a presentation request", "declineRequest",
            {"200": {"description": "Declined", **_json({
                "type": "object", "required": ["outcome"],
                "properties": {"outcome": {"const": "declined"}}})},
             **_problems(401, 403, 404, 422, 502)}, tag="wallet", security=_SESSION_CSRF,
            parameters=handle)},
        "/wallet/api/decode-qr": {"post": _op(
            "Read the QR code in a picture (PNG or JPEG, at most 2 MiB)", "decodeQr",
            {"200": {"description": "The text", **_json({
                "type": "object", "required": ["text"],
                "properties": {"text": {"type": "string"}}})},
             **_problems(401, 403, 413, 415, 422)}, tag="wallet", security=_SESSION_CSRF,
            content={"image/png": {"schema": {"type": "string", "format": "binary"}},
                     "image/jpeg": {"schema": {"type": "string", "format": "binary"}}})},
        "/wallet/api/import": {"post": _op(
            "Import a badge: a baked PNG/SVG, a JSON or JWT credential, an OB 2.0 assertion",
            "importCredential",
            {"201": {"description": "Verified and stored", **_json(_ref("WalletAdded"))},
             **_problems(401, 403, 413, 422)}, tag="wallet", security=_SESSION_CSRF,
            content={"application/octet-stream": {"schema": {"type": "string",
                                                             "format": "binary"}},
                     JSON: {"schema": {"type": "object"}}})},
        "/wallet/api/backup": {"post": _op(
            "An encrypted backup of the whole wallet", "backupWallet",
            {"200": {"description": "The backup file", "content": {
                "application/octet-stream": {"schema": {"type": "string",
                                                        "format": "binary"}}}},
             **_problems(400, 401, 403)}, tag="wallet", security=_SESSION_CSRF, body={
                "type": "object", "required": ["backupPassphrase"],
                "properties": {"backupPassphrase": {"type": "string", "minLength": 8,
                                                    "maxLength": 1024}}})},
        "/wallet/api/restore": {"post": _op(
            "Restore a backup as a new wallet and sign in", "restoreWallet",
            {"201": {"description": "Signed in; session cookie set",
                     **_json(_ref("WalletSession"))},
             **_problems(400, 409, 413, 415, 422)}, tag="wallet",
            content={"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["file", "backupPassphrase", "username", "passphrase"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "backupPassphrase": {"type": "string", "minLength": 1,
                                                    "maxLength": 1024},
                               "username": {"type": "string", "minLength": 1,
                                            "maxLength": 100},
                               "passphrase": {"type": "string", "minLength": 8,
                                              "maxLength": 1024}}}}})},
    }


def _did_resolution_op() -> dict[str, Any]:
    """W3C DID Resolution's HTTP binding (see :mod:`vcbadges.web.resolver`)."""
    result = {"$ref": "#/components/schemas/DIDResolutionResult"}
    document = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    failed = {"content": {"application/did-resolution": {"schema": result},
                          _LD_RESOLUTION: {"schema": result}}}
    return _op(
        "Resolve a DID (did:key, did:jwk, did:web) or dereference a DID URL's fragment "
        "(W3C DID Resolution)", "resolveDid",
        {"200": {"description": "The resolution result, or the document alone, as Accept "
                                "asks", "content": {
                     "application/did-resolution": {"schema": result},
                     _LD_RESOLUTION: {"schema": result},
                     "application/did-url-dereferencing": {"schema": {"type": "object"}},
                     "application/did+ld+json": {"schema": document},
                     "application/did+json": {"schema": document},
                     JSON: {"schema": document}}},
         "400": {"description": "invalidDid, invalidDidUrl, invalidPublicKey, "
                                "invalidPublicKeyLength or invalidPublicKeyType", **failed},
         "404": {"description": "notFound", **failed},
         "406": {"description": "representationNotSupported (Accept)", **failed},
         "501": {"description": "methodNotSupported, or featureNotSupported (a DID URL "
                                "path or query)", **failed},
         "502": {"description": "the did:web origin could not be read, is refused by the "
                                "fetch policy, or served no DID document of the DID",
                 **failed}},
        tag="service",
        parameters=[_path_param("did", "the DID or DID URL, URL-encoded", minLength=1,
                                maxLength=4096)])


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document, with this service's public URL as its server."""
    report = {"200": {"description": "Verified: the report", **_json(_ref("VerificationReport"))},
              "400": {"description": "Not verified (the report), or not a verification "
                                     "request (a problem)",
                      "content": {JSON: {"schema": _ref("VerificationReport")},
                                  PROBLEM: {"schema": _ref("Problem")}}},
              **{k: v for k, v in _problems(413, 415).items()}}
    paths: dict[str, Any] = {
        "/": {"get": _op("Landing page", "landing", {
            "200": {"description": "HTML page", "content": {"text/html": {"schema": {
                "type": "string"}}}}}, tag="service")},
        "/openapi.json": {"get": _op("This document", "openapi", {
            "200": {"description": "OpenAPI 3.1", **_json({"type": "object"})}},
            tag="service")},
        "/.well-known/did.json": {"get": _op(
            "DID document of the bare did:web of this host", "hostDidDocument",
            {"200": {"description": "DID document", **_json({"type": "object"},
                                                            "application/did+json")},
             **_problems(404)}, tag="service")},
        "/{tenant}/did.json": {"get": _op(
            "DID document of a did:web tenant", "tenantDidDocument",
            {"200": {"description": "DID document", **_json({"type": "object"},
                                                            "application/did+json")},
             **_problems(404)}, tag="service",
            parameters=[_path_param("tenant", "tenant name")])},
        "/1.0/identifiers/{did}": {"get": _did_resolution_op()},
        "/issuer/credentials/issue": {"post": _op(
            "Issue a credential (VC-API)", "issueCredential",
            {"201": {"description": "Issued", **_json(_ref("IssueResponse"))},
             **_problems(400, 401, 409, 413, 415)}, tag="issuer", secured=True,
            body={"oneOf": [_ref("IssueCredentialRequest"), _ref("AwardRequest")]},
            examples=_ISSUE_EXAMPLES)},
        "/issuer/credentials/status": {"post": _op(
            "Revoke, suspend or unsuspend a credential (VC-API)", "updateCredentialStatus",
            {"200": {"description": "Done (changed is false when it already had that status)",
                     **_json(_ref("UpdateCredentialStatusResponse"))},
             **_problems(400, 401, 404, 409, 413, 415)}, tag="issuer", secured=True,
            body=_ref("UpdateCredentialStatusRequest"))},
        "/issuer/credentials": {"get": _op(
            "The tenant's credentials, in issue order", "listCredentials",
            {"200": {"description": "One page", **_json({
                "type": "object", "required": ["credentials"],
                "properties": {"credentials": {"type": "array",
                                               "items": _ref("CredentialSummary")}}})},
             **_problems(400, 401)}, tag="issuer", secured=True, parameters=_PAGE)},
        "/issuer/credentials/{credential_id}": {"get": _op(
            "One of the tenant's credentials, with its status and status history",
            "getCredential",
            {"200": {"description": "The credential as issued", **_json({"allOf": [
                _ref("CredentialSummary"),
                {"type": "object",
                 "required": ["verifiableCredential", "credentialStatus", "statusEvents"],
                 "properties": {
                     "verifiableCredential": {"oneOf": [_ref("Credential"),
                                                        {"type": "string"}]},
                     "credentialStatus": {"type": "object"},
                     "statusEvents": {"type": "array", "items": {"type": "object"}}}}]})},
             **_problems(401, 404)}, tag="issuer", secured=True,
            parameters=[_path_param("credential_id", "the credential id")])},
        "/issuer/status/{list_id}": {"get": _op(
            "A signed BitstringStatusListCredential (public)", "getStatusList",
            {"200": {"description": "The list credential; Cache-Control and a weak ETag",
                     **_json(_ref("Credential"))},
             "304": {"description": "Not modified (If-None-Match)"},
             **_problems(404)}, tag="issuer",
            parameters=[_path_param("list_id", "the list's UUID")])},
        "/issuer/achievements": {
            "post": _op("Store an achievement template", "createAchievement",
                        {"201": {"description": "Stored", **_json(_ref("AchievementTemplate"))},
                         **_problems(400, 401, 409, 413, 415)}, tag="issuer", secured=True,
                        body={"type": "object", "required": ["slug", "achievement"],
                              "additionalProperties": False,
                              "properties": {"slug": _SLUG,
                                             "achievement": {"type": "object"},
                                             "statusPurposes": _STATUS_PURPOSES}}),
            "get": _op("The tenant's achievement templates", "listAchievements",
                       {"200": {"description": "One page", **_json({
                           "type": "object", "required": ["achievements"],
                           "properties": {"achievements": {
                               "type": "array", "items": _ref("AchievementTemplate")}}})},
                        **_problems(400, 401)}, tag="issuer", secured=True,
                       parameters=_PAGE)},
        "/issuer/tenant": {"get": _op(
            "The tenant the API key belongs to", "getTenant",
            {"200": {"description": "Its name, display name and DID", **_json({
                "type": "object", "required": ["name", "displayName", "did"],
                "properties": {"name": {"type": "string"},
                               "displayName": {"type": "string",
                                                "description": "what people see (the name "
                                                               "when it has none)"},
                               "did": {"type": "string"}}})},
             **_problems(401)}, tag="issuer", secured=True)},
        "/issuer/achievements/{slug}": {"get": _op(
            "One achievement template", "getAchievement",
            {"200": {"description": "The template", **_json(_ref("AchievementTemplate"))},
             **_problems(401, 404)}, tag="issuer", secured=True,
            parameters=[_path_param("slug", "the template's slug")])},
        "/verifier/credentials/verify": {"post": _op(
            "Verify a credential (VC-API)", "verifyCredential", report, tag="verifier",
            body=_ref("VerifyCredentialRequest"))},
        "/holder/credentials/derive": {"post": _op(
            "Derive a selective disclosure of an ecdsa-sd-2023 credential (VC-API holder)",
            "deriveCredential",
            {"201": {"description": "The disclosed credential with a derived proof", **_json({
                "type": "object", "required": ["verifiableCredential"],
                "properties": {"verifiableCredential": _ref("Credential")}})},
             **_problems()}, tag="holder", body=_ref("DeriveCredentialRequest"))},
        "/verifier/presentations/verify": {"post": _op(
            "Verify a presentation against options.challenge and domain; a challenge from "
            "POST /verifier/challenges is used up, any other is the caller's own (VC-API)",
            "verifyPresentation", report, tag="verifier",
            body=_ref("VerifyPresentationRequest"))},
        "/verifier/challenges": {"post": _op(
            "Create a single-use challenge (VC-API); it begins vcb1~, and a caller's own "
            "challenge may not", "createChallenge",
            {"200": {"description": "A new challenge", **_json({
                "type": "object", "required": ["challenge"],
                "properties": {"challenge": {"type": "string"}}})},
             **_problems()}, tag="verifier")},
        **_bulk_paths(),
        **_oid4vc_paths(),
        **_vpqr_paths(),
        **_exchange_paths(),
        **_publication_paths(),
        **_ob_connection_paths(),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "vcbadges", "version": "0.1.0",
                 "description": "Open Badges 3.0 issuing and verification service "
                                "(W3C VC-API), OpenID4VCI and OpenID4VP, and a holder "
                                "wallet. The wallet's Open Badges 3.0 API is described by "
                                "its own document, /ims/ob/v3p0/discovery."},
        "servers": [{"url": settings.base_url}],
        "paths": paths,
        "components": {
            "schemas": {**_SCHEMAS, **_BULK_SCHEMAS, **_OID4VC_SCHEMAS},
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer",
                           "description": "a tenant's API key"},
                "accessToken": {"type": "http", "scheme": "bearer",
                                "description": "an OpenID4VCI access token"},
                "walletSession": {"type": "apiKey", "in": "cookie", "name": "vcbadges_wallet",
                                  "description": "the wallet session cookie"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                              "description": "the session's CSRF token"},
            },
        },
    }


def document_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    """``(METHOD, path template)`` of every operation in an OpenAPI document."""
    methods = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item if method in methods}


def app_routes(app: web.Application) -> set[tuple[str, str]]:
    """``(METHOD, path template)`` of every route the application serves, sub-applications
    included (aiohttp prefixes their routes when they are added); the ``HEAD`` that aiohttp
    adds beside each ``GET`` is left out."""
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:
            found |= app_routes(info["app"])
            continue
        for route in resource:
            if route.method != "HEAD":
                found.add((route.method, resource.canonical))
    return found
