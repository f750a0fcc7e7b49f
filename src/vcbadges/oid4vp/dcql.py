"""DCQL, the Digital Credentials Query Language of OpenID4VP 1.0, for W3C credentials.

The subset vcbadges uses and understands ("Digital Credentials Query Language (DCQL)"):

- ``credentials[]``: ``id``, ``format`` (``ldp_vc`` or ``jwt_vc_json``), ``multiple``,
  ``meta.type_values`` ("Parameters in the meta parameter in Credential Query" for W3C
  Verifiable Credentials), ``claims[]`` with ``id``, ``path`` and ``values`` ("Claims
  Query"), and ``claim_sets``;
- ``credential_sets[]`` with ``options`` and ``required`` ("Credential Set Query").

``trusted_authorities`` and ``require_cryptographic_holder_binding`` are read but not
enforced (``trusted_authorities`` is a SHOULD for wallets; this wallet always presents with
holder binding). ``vct_values`` belongs to SD-JWT VC, a format vcbadges does not hold.

``type_values`` holds *fully expanded* type IRIs. Types are expanded here without a full
JSON-LD run (which the spec allows when "the results are equivalent"): each type term is
looked up in the top-level term definitions of the credential's bundled ``@context``
documents, aliases followed (``AchievementCredential`` is an alias of
``OpenBadgeCredential`` in the OB 3.0 context), compact IRIs expanded by their prefix; a
term no context defines stays as it is, as the spec says it does after JSON-LD processing.
Contexts that are not bundled are never fetched.

Claims paths apply to the credential itself, never the presentation ("Claims Matching"): to
the JSON object of an ``ldp_vc``, and to the credential inside a VC-JWT (its payload in
the Open Badges 3.0 form for VCDM 2.0; or its ``vc`` claim, with ``issuer``, ``id`` and the
subject's ``id`` taken from ``iss``, ``jti`` and ``sub`` when the ``vc`` omits them, as the
VCDM 1.1 encoding does). JWTs are read, not verified: matching
only selects what to offer the holder; the verifier verifies.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from vcbadges.credentials.disclosure import pointer_to
from vcbadges.errors import JSONInputError, LoaderError, ProtocolError, VCBadgesError
from vcbadges.jsonld.contexts import context_document
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.proofs import _jws
from vcbadges.proofs.jose import read_jwt_credential, token_from_envelope

__all__ = [
    "FORMATS",
    "VC_TYPE",
    "OPEN_BADGE_TYPE",
    "Credential",
    "open_badge_query",
    "validate_query",
    "claims_at",
    "expanded_types",
    "credential_view",
    "credential_matches",
    "match",
    "satisfied",
]

FORMATS = ("ldp_vc", "jwt_vc_json")
VC_TYPE = "https://www.w3.org/2018/credentials#VerifiableCredential"
OPEN_BADGE_TYPE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
_ID = re.compile(r"[A-Za-z0-9_-]+")
_MAX_ALIAS_DEPTH = 8

Credential = dict[str, Any] | str
"""A stored credential: a JSON object, its JSON text, or a compact JWT."""


def _invalid(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", f"dcql_query: {description}")


# --- building queries --------------------------------------------------------------------


def open_badge_query(
    *,
    achievement_id: str | None = None,
    issuer: str | None = None,
    formats: Sequence[str] = FORMATS,
    multiple: bool = False,
) -> dict[str, Any]:
    """A DCQL query for "an Open Badges 3.0 credential", optionally of one achievement
    (``credentialSubject.achievement.id``) and/or from one issuer.

    With several ``formats`` there is one Credential Query per format (ids
    ``openbadge_ldp_vc``, ``openbadge_jwt_vc_json``) and a Credential Set Query asking for any
    one of them; with one format the query id is ``openbadge``. An issuer may be written as
    an IRI or as a Profile object with an ``id``, so the issuer constraint is two claims
    offered as alternatives through ``claim_sets``.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}")
    claims: list[dict[str, Any]] = []
    fixed: list[str] = []
    alternatives: list[list[str]] = [[]]
    if achievement_id is not None:
        claims.append({"id": "achievement", "path": ["credentialSubject", "achievement", "id"],
                       "values": [achievement_id]})
        fixed.append("achievement")
    if issuer is not None:
        claims.append({"id": "issuer_profile", "path": ["issuer", "id"], "values": [issuer]})
        claims.append({"id": "issuer_iri", "path": ["issuer"], "values": [issuer]})
        alternatives = [["issuer_profile"], ["issuer_iri"]]
    queries = []
    for fmt in formats:
        query: dict[str, Any] = {
            "id": "openbadge" if len(formats) == 1 else f"openbadge_{fmt}",
            "format": fmt,
            "meta": {"type_values": [[VC_TYPE, OPEN_BADGE_TYPE]]},
        }
        if multiple:
            query["multiple"] = True
        if claims:
            query["claims"] = [dict(c) for c in claims]
            if issuer is not None:
                query["claim_sets"] = [fixed + alt for alt in alternatives]
        queries.append(query)
    result: dict[str, Any] = {"credentials": queries}
    if len(queries) > 1:
        result["credential_sets"] = [{"options": [[q["id"]] for q in queries]}]
    return result


# --- validating queries ------------------------------------------------------------------


def _check_path(path: Any) -> None:
    if not isinstance(path, list) or not path:
        raise _invalid("a claims path must be a non-empty array")
    for part in path:
        if part is None or isinstance(part, str):
            continue
        if isinstance(part, int) and not isinstance(part, bool) and part >= 0:
            continue
        raise _invalid("claims path components are strings, null or non-negative integers")


def _check_claims(query: Mapping[str, Any]) -> None:
    claims = query.get("claims")
    claim_sets = query.get("claim_sets")
    if claims is None:
        if claim_sets is not None:
            raise _invalid("claim_sets needs claims")
        return
    if not isinstance(claims, list) or not claims:
        raise _invalid("claims must be a non-empty array")
    ids: set[str] = set()
    for claim in claims:
        if not isinstance(claim, Mapping):
            raise _invalid("each claim query must be an object")
        _check_path(claim.get("path"))
        cid = claim.get("id")
        if cid is not None:
            if not isinstance(cid, str) or not _ID.fullmatch(cid) or cid in ids:
                raise _invalid("claim ids must be unique strings of [A-Za-z0-9_-]")
            ids.add(cid)
        elif claim_sets is not None:
            raise _invalid("every claim needs an id when claim_sets is present")
        values = claim.get("values")
        if values is not None and (not isinstance(values, list) or not values or not all(
                isinstance(v, (str, int, bool)) for v in values)):
            raise _invalid("values must be a non-empty array of strings, integers or booleans")
    if claim_sets is not None:
        if not isinstance(claim_sets, list) or not claim_sets:
            raise _invalid("claim_sets must be a non-empty array")
        for option in claim_sets:
            if (not isinstance(option, list) or not option
                    or not all(isinstance(c, str) and c in ids for c in option)):
                raise _invalid("each claim set lists ids of this query's claims")


def validate_query(query: Any) -> dict[str, Any]:
    """Check ``query`` against the structure DCQL defines; return it (as a dict).

    Raises ``ProtocolError("invalid_request")`` for a malformed query; a format or meta this
    module does not know is not an error (such a Credential Query simply matches nothing).
    """
    if not isinstance(query, Mapping):
        raise _invalid("the query must be a JSON object")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise _invalid("credentials must be a non-empty array")
    ids: set[str] = set()
    for item in credentials:
        if not isinstance(item, Mapping):
            raise _invalid("each credential query must be an object")
        cid = item.get("id")
        if not isinstance(cid, str) or not _ID.fullmatch(cid) or cid in ids:
            raise _invalid("credential query ids must be unique strings of [A-Za-z0-9_-]")
        ids.add(cid)
        if not isinstance(item.get("format"), str) or not item["format"]:
            raise _invalid(f"credential query {cid} has no format")
        meta = item.get("meta")
        if not isinstance(meta, Mapping):
            raise _invalid(f"credential query {cid} has no meta object")
        if item["format"] in FORMATS:
            type_values = meta.get("type_values")
            if (not isinstance(type_values, list) or not type_values or not all(
                    isinstance(t, list) and t and all(isinstance(v, str) for v in t)
                    for t in type_values)):
                raise _invalid(f"credential query {cid} needs meta.type_values, a non-empty "
                               "array of non-empty arrays of strings")
        if "multiple" in item and not isinstance(item["multiple"], bool):
            raise _invalid("multiple must be a boolean")
        _check_claims(item)
    sets = query.get("credential_sets")
    if sets is not None:
        if not isinstance(sets, list) or not sets:
            raise _invalid("credential_sets must be a non-empty array")
        for entry in sets:
            options = entry.get("options") if isinstance(entry, Mapping) else None
            if not isinstance(options, list) or not options or not all(
                    isinstance(o, list) and o and all(isinstance(i, str) and i in ids for i in o)
                    for o in options):
                raise _invalid("credential set options list ids of credential queries")
            if "required" in entry and not isinstance(entry["required"], bool):
                raise _invalid("required must be a boolean")
    return dict(query)


# --- reading credentials -----------------------------------------------------------------


def claims_at(document: Any, path: Sequence[Any]) -> list[Any] | None:
    """Process a claims path pointer ("Claims Path Pointer", semantics for JSON-based
    credentials); return the selected elements, or None where processing aborts with an error
    (a component applied to the wrong kind of element, or an empty selection)."""
    selected: list[Any] = [document]
    for part in path:
        nxt: list[Any] = []
        if isinstance(part, str):
            for element in selected:
                if not isinstance(element, Mapping):
                    return None
                if part in element:
                    nxt.append(element[part])
        elif part is None:
            for element in selected:
                if not isinstance(element, list):
                    return None
                nxt.extend(element)
        elif isinstance(part, int) and not isinstance(part, bool) and part >= 0:
            for element in selected:
                if not isinstance(element, list):
                    return None
                if part < len(element):
                    nxt.append(element[part])
        else:
            return None
        selected = nxt
    return selected or None


def claim_pointers(document: Any, claims: Iterable[Mapping[str, Any]]) -> list[str]:
    """JSON pointers to every element the ``claims`` paths select in ``document``.

    A holder discloses exactly these (with an ecdsa-sd-2023 credential), so a ``null``
    component becomes one pointer per array element; a path that selects nothing (a claim
    of an unchosen ``claim_sets`` alternative) gives no pointer.
    """
    pointers: list[str] = []
    for claim in claims:
        found: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
        for part in claim.get("path", []):
            nxt: list[tuple[Any, tuple[str | int, ...]]] = []
            for element, at in found:
                if isinstance(part, str) and isinstance(element, Mapping) and part in element:
                    nxt.append((element[part], (*at, part)))
                elif part is None and isinstance(element, list):
                    nxt.extend((item, (*at, i)) for i, item in enumerate(element))
                elif (isinstance(part, int) and not isinstance(part, bool)
                      and isinstance(element, list) and 0 <= part < len(element)):
                    nxt.append((element[part], (*at, part)))
            found = nxt
        pointers.extend(pointer_to(*at) for _, at in found if at)
    return list(dict.fromkeys(pointers))


_MAX_CONTEXT_DEPTH = 4


@functools.lru_cache(maxsize=64)
def _context_terms(url: str, depth: int = 0) -> tuple[tuple[tuple[str, Any], ...], str | None]:
    """The top-level term definitions and ``@vocab`` of a bundled context (none when the
    URL is not bundled: contexts are never fetched)."""
    try:
        document = context_document(url)
    except LoaderError:
        return (), None
    terms, vocab = _collect(document.get("@context"), depth + 1)
    return tuple(terms.items()), vocab


def _collect(context: Any, depth: int = 0) -> tuple[dict[str, Any], str | None]:
    """Term definitions and ``@vocab`` of a ``@context`` value (a URL, an object, or a list
    of both, in order, later definitions winning)."""
    terms: dict[str, Any] = {}
    vocab: str | None = None
    if depth > _MAX_CONTEXT_DEPTH:
        return terms, vocab
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            defined, entry_vocab = _context_terms(entry, depth)
            terms.update(defined)
        elif isinstance(entry, Mapping):
            terms.update((k, v) for k, v in entry.items() if not k.startswith("@"))
            entry_vocab = entry.get("@vocab") if isinstance(entry.get("@vocab"), str) else None
        else:
            continue
        if entry_vocab is not None:
            vocab = entry_vocab
    return terms, vocab


def _expand(term: str, terms: Mapping[str, Any], vocab: str | None) -> str:
    for _ in range(_MAX_ALIAS_DEPTH):
        definition = terms.get(term)
        if definition is None:
            break
        target = definition.get("@id") if isinstance(definition, Mapping) else definition
        if not isinstance(target, str) or target == term:
            break
        term = target
    if ":" in term:
        prefix, _, suffix = term.partition(":")
        if not suffix.startswith("//"):
            definition = terms.get(prefix)
            base = definition.get("@id") if isinstance(definition, Mapping) else definition
            if isinstance(base, str):
                return base + suffix
        return term
    if vocab is not None:
        return vocab + term
    return term


def expanded_types(document: Mapping[str, Any]) -> frozenset[str]:
    """The fully expanded ``type`` IRIs of a credential (see the module docstring)."""
    terms, vocab = _collect(document.get("@context"))
    raw = document.get("type")
    types = raw if isinstance(raw, list) else [raw]
    return frozenset(_expand(t, terms, vocab) for t in types if isinstance(t, str))


def _jwt_view(token: str) -> dict[str, Any] | None:
    """The credential a VC-JWT carries: its payload (Open Badges 3.0 for VCDM 2.0), or its
    ``vc`` claim completed from ``iss``/``jti``/``sub`` (VCDM 1.1)."""
    try:
        claims = _jws.parse_compact(token).claims
    except VCBadgesError:
        return None
    vc = claims.get("vc")
    if vc is None and "@context" in claims and "type" in claims:
        return read_jwt_credential(token)
    if not isinstance(vc, dict):
        return None
    view = dict(vc)
    if "issuer" not in view and isinstance(claims.get("iss"), str):
        view["issuer"] = claims["iss"]
    if "id" not in view and isinstance(claims.get("jti"), str):
        view["id"] = claims["jti"]
    subject = view.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(claims.get("sub"), str):
        view["credentialSubject"] = {**subject, "id": claims["sub"]}
    return view


def credential_view(credential: Any) -> tuple[str, dict[str, Any]] | None:
    """The DCQL format of a stored credential and the JSON its claims paths apply to.

    A JSON object (or JSON text) with a ``proof`` is ``ldp_vc``; a VC-JWT with a ``vc``
    claim (or an ``EnvelopedVerifiableCredential`` holding one) is ``jwt_vc_json``. Anything
    else is None.
    """
    if isinstance(credential, str):
        text = credential.strip()
        if text.startswith("{"):
            try:
                credential = loads_strict(text)
            except JSONInputError:
                return None
        else:
            view = _jwt_view(text)
            return None if view is None else ("jwt_vc_json", view)
    if isinstance(credential, Mapping):
        token = token_from_envelope(credential)
        if token is not None:
            view = _jwt_view(token)
            return None if view is None else ("jwt_vc_json", view)
        if "proof" in credential:
            return "ldp_vc", dict(credential)
    return None


# --- matching ----------------------------------------------------------------------------


def _value_matches(found: Any, values: Sequence[Any]) -> bool:
    # "the type and value of the claim both match exactly": True is not 1 here.
    return any(type(found) is type(v) and found == v for v in values)


def _claim_present(view: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    selected = claims_at(view, claim["path"])
    if selected is None:
        return False
    values = claim.get("values")
    if values is None:
        return True
    return any(_value_matches(item, values) for item in selected)


def credential_matches(query: Mapping[str, Any], credential: Any) -> bool:
    """True when ``credential`` satisfies one Credential Query: its format, its
    ``meta.type_values`` and its claims (all of them, or one of the ``claim_sets``)."""
    found = credential_view(credential)
    if found is None:
        return False
    fmt, view = found
    if query.get("format") != fmt:
        return False
    meta = query.get("meta")
    type_values = meta.get("type_values") if isinstance(meta, Mapping) else None
    if not isinstance(type_values, list):
        return False
    types = expanded_types(view)
    if not any(isinstance(option, list) and set(option) <= types for option in type_values):
        return False
    claims = query.get("claims")
    if not claims:
        return True
    present = [_claim_present(view, claim) for claim in claims]
    claim_sets = query.get("claim_sets")
    if claim_sets is None:
        return all(present)
    by_id = {claim.get("id"): ok for claim, ok in zip(claims, present, strict=True)}
    return any(all(by_id.get(cid, False) for cid in option) for option in claim_sets)


def match(query: Any, credentials: Iterable[Credential]) -> dict[str, list[Credential]]:
    """For each Credential Query id, the stored credentials that satisfy it (in input order;
    the same credential may satisfy several queries). Raises ``ProtocolError`` for a
    malformed query."""
    checked = validate_query(query)
    pool = list(credentials)
    return {q["id"]: [c for c in pool if credential_matches(q, c)]
            for q in checked["credentials"]}


def satisfied(query: Mapping[str, Any], available: Collection[str]) -> bool:
    """True when presenting the Credential Queries ``available`` satisfies ``query``
    ("Selecting Credentials"): all of them without ``credential_sets``, else one option of
    every required Credential Set Query."""
    sets = query.get("credential_sets")
    if sets is None:
        return all(q["id"] in available for q in query["credentials"])
    return all(any(all(i in available for i in option) for option in s["options"])
               for s in sets if s.get("required", True))
