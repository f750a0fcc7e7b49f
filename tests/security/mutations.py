"""Signed specimens of every suite and format, and the mutations a forger would try on them.

A specimen is a credential or presentation the library signed: Data Integrity credentials of
each cryptosuite (VCDM 2.0 and 1.1), VC-JWTs of both formats, and presentations carrying them.
Every specimen has a validity period, status entries backed by signed status lists, an
endorsement and a proof that expires, so that hiding any of them would matter.

A mutation is a copy of a specimen changed the way a forger would change it: plain JSON edits,
JSON-LD rewrites that keep the signed RDF while moving a value out of the member a JSON reader
looks at, JWT header and claim edits, re-signing with other keys, and swaps inside
presentations. The property the corpus asserts is that a mutation the verifier accepts means
exactly what the specimen meant: the same signed statements and the same values read from the
JSON (see :func:`interpret`).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import random
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeAlias

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyld import jsonld

from vcbadges import issue_jwt, present
from vcbadges.credentials.obv3 import (
    AchievementCredential,
    EndorsementCredential,
    EndorsementSubject,
    Profile,
)
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import FetchError, VCBadgesError
from vcbadges.jsonld import contexts
from vcbadges.jsonld.canon import canonicalize, parse_nquads
from vcbadges.jsonld.expansion import getter_for, to_quads
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey, SigningKey
from vcbadges.proofs.di import add_proof
from vcbadges.proofs.jose import enveloped_credential
from vcbadges.report import Outcome, PresentationReport, VerificationReport
from vcbadges.status.bitstring import new_list, set_status, status_entry, status_list_credential

JSON: TypeAlias = Any
Path: TypeAlias = tuple[str | int, ...]
Report: TypeAlias = VerificationReport | PresentationReport

# --- the clock ------------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(days=30)
VALID_UNTIL = NOW + timedelta(days=300)
PROOF_EXPIRES = NOW + timedelta(days=10)
EXPIRED = NOW - timedelta(days=3)
CHALLENGE = "nonce-4711"
DOMAIN = "https://employer.example"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CRED = "https://www.w3.org/2018/credentials#"
SEC = "https://w3id.org/security#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# --- keys -----------------------------------------------------------------------------------------

ISSUER = Ed25519SigningKey.from_seed(bytes(range(32)))
ISSUER_P256 = P256SigningKey.from_scalar(bytes(range(3, 35)))
HOLDER = P256SigningKey.from_scalar(bytes(range(2, 34)))
ENDORSER = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
ATTACKER = Ed25519SigningKey.from_seed(bytes(range(7, 39)))
OTHER_SUBJECT = Ed25519SigningKey.from_seed(bytes(range(9, 41)))

TRUSTED = {ISSUER.controller: "Example University", ISSUER_P256.controller: "Example College",
           ENDORSER.controller: "Quality Agency"}

_RSA: list[rsa.RSAPrivateKey] = []


def attacker_rsa_key() -> rsa.RSAPrivateKey:
    """The attacker's RSA-2048 key, made once per run."""
    if not _RSA:
        _RSA.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _RSA[0]


# --- status lists ---------------------------------------------------------------------------------

STATUS_BASE = "https://status.example.edu/lists"
GOOD_INDEX = 5
REVOKED_INDEX = 42


def list_url(key: SigningKey, purpose: str) -> str:
    return f"{STATUS_BASE}/{key.algorithm.lower()}/{purpose}"


def status_entries(key: SigningKey, index: int = GOOD_INDEX) -> list[dict[str, Any]]:
    """A revocation and a suspension entry, both pointing at lists the issuer signed."""
    return [status_entry(list_credential=list_url(key, purpose), index=index, purpose=purpose)
            for purpose in ("revocation", "suspension")]


class StatusLists:
    """Signed status list credentials served by URL: the ``fetcher`` given to ``verify``.

    Anything else (a did:web document, a list URL a mutation made up) is not found, so no
    verification in these tests reaches the network.
    """

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def publish(self, key: SigningKey, purpose: str, revoked: Sequence[int]) -> None:
        bits = new_list()
        for index in revoked:
            set_status(bits, index, 1)
        url = list_url(key, purpose)
        unsigned = status_list_credential(list_id=url, issuer=key.controller, purpose=purpose,
                                          bits=bits, valid_from=ISSUED)
        self.docs[url] = await add_proof(unsigned, key=key, loader=StaticLoader(), now=ISSUED,
                                         suite=_default_suite(key))

    async def get_json(self, url: str, **_: Any) -> Any:
        if url not in self.docs:
            raise FetchError(f"nothing at {url}", code="fetch_http_status")
        return copy.deepcopy(self.docs[url])


def _default_suite(key: SigningKey) -> str:
    return "eddsa-rdfc-2022" if key.algorithm == "Ed25519" else "ecdsa-rdfc-2019"


# --- JSON paths -----------------------------------------------------------------------------------


def paths(value: JSON, prefix: Path = ()) -> Iterator[Path]:
    """Every path below ``value`` (not the root), parents before children."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from paths(child, (*prefix, index))


def get_at(value: JSON, path: Path) -> JSON:
    for step in path:
        value = value[step]
    return value


def changed(document: JSON, path: Path, change: Callable[[JSON], JSON]) -> JSON:
    """A deep copy of ``document`` with the value at ``path`` replaced by ``change(value)``."""
    out = copy.deepcopy(document)
    if not path:
        return change(out)
    parent = get_at(out, path[:-1])
    parent[path[-1]] = change(parent[path[-1]])
    return out


def deleted(document: JSON, path: Path) -> JSON:
    out = copy.deepcopy(document)
    parent = get_at(out, path[:-1])
    del parent[path[-1]]
    return out


def show(path: Path) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _as_list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else [] if value is None else [value]


# --- JWTs, by hand --------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: JSON) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Token:
    """A compact JWS split into its decoded parts (``None`` where a part is not JSON)."""

    header: JSON
    payload: JSON
    signing_input: bytes
    signature: bytes


def decode_jwt(token: str) -> Token | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(unb64url(parts[0]))
        payload = json.loads(unb64url(parts[1]))
        signature = unb64url(parts[2])
    except ValueError:
        return None
    return Token(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


Signer = Callable[[bytes], bytes]


def sign_jwt(header: JSON, payload: JSON, sign: Signer) -> str:
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


def rsa_signer(alg: Literal["RS256", "PS256"]) -> Signer:
    key = attacker_rsa_key()
    pad = padding.PKCS1v15() if alg == "RS256" else padding.PSS(
        mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    return lambda data: key.sign(data, pad, hashes.SHA256())


def rsa_public_jwk() -> dict[str, str]:
    numbers = attacker_rsa_key().public_key().public_numbers()
    return {"kty": "RSA", "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8)),
            "e": b64url(numbers.e.to_bytes(3))}


def ed25519_public_jwk(key: Ed25519SigningKey) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(key.public_key.raw)}


def jwt_signer(token: Token) -> str:
    """The name of the known key whose signature the token carries, else ``"nobody"``."""
    for name, key in (("issuer", ISSUER), ("issuer-p256", ISSUER_P256), ("holder", HOLDER),
                      ("attacker", ATTACKER)):
        try:
            key.public_key.verify(token.signature, token.signing_input)
        except VCBadgesError:
            continue
        return name
    public = attacker_rsa_key().public_key()
    for pad in (padding.PKCS1v15(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                salt_length=padding.PSS.AUTO)):
        try:
            public.verify(token.signature, token.signing_input, pad, hashes.SHA256())
        except (InvalidSignature, ValueError):
            continue
        return "attacker-rsa"
    return "nobody"


# --- JSON-LD --------------------------------------------------------------------------------------


def _plain_loader(url: str, options: Any = None) -> dict[str, Any]:
    return {"contextUrl": None, "documentUrl": url,
            "document": copy.deepcopy(contexts.context_document(url))}


def plain_rdf(document: JSON) -> str:
    """Canonical N-Quads of ``document`` as any JSON-LD processor reads it (pyld, bundled
    contexts, no safe mode): what a signature over RDF covers, independent of the verifier."""
    text: str = jsonld.to_rdf(document, {"documentLoader": _plain_loader,
                                         "format": "application/n-quads"})
    return str(canonicalize(parse_nquads(text)))


async def library_rdf(document: JSON) -> str:
    """Canonical N-Quads of ``document`` through vcbadges' own JSON-LD and RDFC-1.0."""
    get = await getter_for(document, StaticLoader())
    return str(canonicalize(to_quads(document, get=get)))


def unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def resigned(document: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """``document`` with its one RDFC proof signed afresh over the members it has now.

    Computed by hand from the Data Integrity hashing rule (SHA-256 of the canonical proof
    configuration, then of the canonical document), so a test can give a proof members that
    the library would never write and still have a signature that verifies.
    """
    proof = {k: v for k, v in document["proof"].items() if k != "proofValue"}
    config = {**proof, "@context": document["@context"]}
    data = (hashlib.sha256(plain_rdf(config).encode()).digest()
            + hashlib.sha256(plain_rdf(unsecured(document)).encode()).digest())
    value = "z" + base58.b58encode(key.sign(data)).decode("ascii")
    return {**document, "proof": {**proof, "proofValue": value}}


def proof_configs(document: dict[str, Any], *, jcs: bool = False) -> list[dict[str, Any]]:
    """Each proof without ``proofValue``: the proof configuration a signature covers.

    For RDF canonicalization the configuration takes the document's ``@context`` (VC Data
    Integrity, "set proofConfig.@context to unsecuredDocument.@context"); a JCS proof keeps
    the ``@context`` it carries.
    """
    configs = []
    for proof in _as_list(document.get("proof")):
        if not isinstance(proof, dict):
            continue
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        if "@context" in document and not (jcs and "@context" in config):
            config["@context"] = document["@context"]
        configs.append(config)
    return configs


@dataclass(frozen=True)
class TermForm:
    """How a member's value is written in RDF: the property IRI, and the value's kind.

    ``kind`` is ``"typed"`` (a literal of ``datatype``), ``"string"``, ``"id"`` (an IRI),
    ``"node"`` (an embedded object) or ``"graph"`` (an object in a graph container). Numbers
    and booleans are not probed: they keep their meaning under any name.
    """

    iri: str
    kind: str
    datatype: str | None = None


# Members whose values sit in graph containers (proofs, embedded credentials).
_GRAPH_TERMS = {"proof": SEC + "proof", "verifiableCredential": CRED + "verifiableCredential"}


def nodes(document: JSON, prefix: Path = ()) -> Iterator[Path]:
    """Paths of the JSON-LD node objects in ``document`` (never inside ``@context``)."""
    if isinstance(document, dict):
        if "@value" not in document:
            yield prefix
        for key, child in document.items():
            if key != "@context":
                yield from nodes(child, (*prefix, key))
    elif isinstance(document, list):
        for index, child in enumerate(document):
            yield from nodes(child, (*prefix, index))


def term_forms(document: dict[str, Any]) -> dict[Path, TermForm]:
    """Find, for every member of every node, the property IRI and value kind it has in RDF.

    Each string value is replaced by a distinct sentinel, and each embedded object is given a
    sentinel id; the one expansion of that probe shows which predicate (and datatype) every
    sentinel ended up under.
    """
    probe = copy.deepcopy(document)
    sentinels: dict[str, tuple[Path, bool]] = {}

    def mark(value: JSON, path: Path, key: str) -> JSON:
        if isinstance(value, str):
            sentinel = f"urn:sentinel:{len(sentinels)}"
            sentinels[sentinel] = (path, False)
            return sentinel
        if isinstance(value, dict) and "@value" not in value and key not in _GRAPH_TERMS:
            sentinel = f"urn:sentinel:{len(sentinels)}"
            sentinels[sentinel] = (path, True)
            value["id"] = sentinel
            value.pop("@id", None)
        if isinstance(value, list):
            return [mark(item, path, key) for item in value]
        return value

    for node_path in sorted(nodes(probe), key=len, reverse=True):
        node = get_at(probe, node_path)
        for key in list(node):
            if key.startswith("@") or key in ("id", "type"):
                continue
            node[key] = mark(node[key], (*node_path, key), key)
    forms: dict[Path, TermForm] = {}
    try:
        text = jsonld.to_rdf(probe, {"documentLoader": _plain_loader,
                                     "format": "application/n-quads"})
    except Exception:  # noqa: BLE001 - a probe pyld cannot read tells us nothing
        text = ""
    for _, predicate, obj, _ in parse_nquads(text):
        iri = predicate[1:-1]
        if obj.startswith("<urn:sentinel:"):
            found = sentinels.get(obj[1:-1])
            if found is not None:
                forms.setdefault(found[0], TermForm(iri, "node" if found[1] else "id"))
        elif obj.startswith('"urn:sentinel:'):
            end = obj.index('"', 1)
            found = sentinels.get(obj[1:end])
            if found is None:
                continue
            rest = obj[end + 1:]
            if rest.startswith("^^<"):
                forms.setdefault(found[0], TermForm(iri, "typed", rest[3:-1]))
            else:
                forms.setdefault(found[0], TermForm(iri, "string"))
    for node_path in nodes(document):
        for key in get_at(document, node_path):
            if key in _GRAPH_TERMS:
                forms.setdefault((*node_path, key), TermForm(_GRAPH_TERMS[key], "graph"))
    return forms


def _expanded_value(value: JSON, form: TermForm) -> JSON:
    """``value`` written so that it means the same under an IRI without a term definition."""
    if isinstance(value, list):
        return [_expanded_value(item, form) for item in value]
    if form.kind == "graph":
        return {"@graph": value}
    if isinstance(value, str):
        if form.kind == "id":
            return {"@id": value}
        if form.kind == "typed" and form.datatype != XSD_STRING:
            return {"@value": value, "@type": form.datatype}
        return {"@value": value}
    return value


def _term_definition(form: TermForm) -> dict[str, Any]:
    definition: dict[str, Any] = {"@id": form.iri}
    if form.kind in ("id", "node"):
        definition["@type"] = "@id"
    elif form.kind == "typed" and form.datatype != XSD_STRING:
        definition["@type"] = form.datatype
    elif form.kind == "graph":
        definition["@type"] = "@id"
        definition["@container"] = "@graph"
    return definition


def _context_owner(document: JSON, path: Path) -> Path:
    """The nearest object at or above ``path`` that has its own ``@context``."""
    for end in range(len(path), -1, -1):
        candidate = get_at(document, path[:end])
        if isinstance(candidate, dict) and "@context" in candidate:
            return path[:end]
    return ()


def _add_context(owner: dict[str, Any], definitions: dict[str, Any]) -> None:
    current = owner.get("@context")
    items = current if isinstance(current, list) else [] if current is None else [current]
    owner["@context"] = [*items, definitions]


def _renamed(node: dict[str, Any], old: str, new: str, value: JSON) -> None:
    """Replace member ``old`` by ``new`` at the same position (key order is kept)."""
    items = [(new if k == old else k, value if k == old else v) for k, v in node.items()]
    node.clear()
    node.update(items)


Rewrite = Callable[[JSON, Path, TermForm], JSON]


def nest(document: JSON, path: Path, form: TermForm) -> JSON:
    """Move the member under ``@nest``: same RDF, gone from where JSON readers look."""
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    nested = node.get("@nest") if isinstance(node.get("@nest"), dict) else {}
    nested[key] = node.pop(key)
    node["@nest"] = nested
    return out


def nest_alias(document: JSON, path: Path, form: TermForm) -> JSON:
    """Move the member under a term the document's own context aliases to ``@nest``."""
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    _add_context(get_at(out, _context_owner(out, path[:-1])), {"extensions": "@nest"})
    node["extensions"] = {key: node.pop(key)}
    return out


def full_iri(document: JSON, path: Path, form: TermForm) -> JSON:
    """Write the member as its full property IRI, with value objects where types matter."""
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    _renamed(node, key, form.iri, _expanded_value(node[key], form))
    return out


def compact_iri(document: JSON, path: Path, form: TermForm) -> JSON:
    """Write the member as a compact IRI under a prefix the document defines."""
    cut = max(form.iri.rfind("#"), form.iri.rfind("/")) + 1
    if cut == 0 or cut == len(form.iri):
        return document
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    _add_context(get_at(out, _context_owner(out, path[:-1])), {"vx": form.iri[:cut]})
    _renamed(node, key, f"vx:{form.iri[cut:]}", _expanded_value(node[key], form))
    return out


def context_alias(document: JSON, path: Path, form: TermForm) -> JSON:
    """Rename the member through an alias added to the document's ``@context``."""
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    _add_context(get_at(out, _context_owner(out, path[:-1])), {"note": _term_definition(form)})
    _renamed(node, key, "note", node[key])
    return out


def node_alias(document: JSON, path: Path, form: TermForm) -> JSON:
    """Rename the member through an alias in a ``@context`` embedded in its own node."""
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    _add_context(node, {"note": _term_definition(form)})
    _renamed(node, key, "note", node[key])
    return out


def value_object(document: JSON, path: Path, form: TermForm) -> JSON:
    """Keep the member, but write its value as a JSON-LD value (or ``@id``) object."""
    if form.kind in ("node", "graph"):
        return document
    out = copy.deepcopy(document)
    node, key = get_at(out, path[:-1]), str(path[-1])
    node[key] = _expanded_value(node[key], form)
    return out


# The rewrites that move a member away from its plain JSON name and keep the signed RDF.
HIDING: dict[str, Rewrite] = {
    "@nest": nest,
    "@nest alias": nest_alias,
    "full IRI": full_iri,
    "compact IRI": compact_iri,
    "context alias": context_alias,
    "node-scoped alias": node_alias,
}
REWRITES: dict[str, Rewrite] = {**HIDING, "value object": value_object}


def hidden(document: dict[str, Any], path: Path, rewrite: str) -> dict[str, Any]:
    """``document`` with the member at ``path`` rewritten by the named rewrite."""
    form = term_forms(document).get(path)
    if form is None:
        raise LookupError(f"no RDF form found for {show(path)}")
    result: dict[str, Any] = REWRITES[rewrite](document, path, form)
    return result


def keyword_spellings(document: JSON) -> Iterator[tuple[str, JSON]]:
    """``@type`` for ``type`` and ``@id`` for ``id`` in each node."""
    for node_path in nodes(document):
        node = get_at(document, node_path)
        for alias, keyword in (("type", "@type"), ("id", "@id")):
            if alias in node and keyword not in node:
                out = copy.deepcopy(document)
                target = get_at(out, node_path)
                _renamed(target, alias, keyword, target[alias])
                yield f"{keyword} for {show((*node_path, alias))}", out


# --- what a document says, read as JSON -----------------------------------------------------------


def _when(value: JSON) -> JSON:
    """A date-time as an instant when it parses, else the raw value."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is not None:
            try:
                return parsed.astimezone(UTC).isoformat()
            except OverflowError:
                return value
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    try:
        return datetime.fromtimestamp(value, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return repr(value)


def _plain(value: JSON) -> JSON:
    """``value`` as something JSON can always serialise (huge ints and NaN as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 52:
        digest = zlib.crc32(value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))
        return f"int of {value.bit_length()} bits, crc {digest}"
    return value


def _key(value: JSON) -> str:
    return json.dumps(_plain(value), sort_keys=True)


def _node_id(value: JSON) -> JSON:
    return _plain(value.get("id") if isinstance(value, dict) else value)


def _endorsement_count(document: dict[str, Any]) -> int:
    places: list[JSON] = [document, document.get("issuer")]
    places += [s.get("achievement") for s in _as_list(document.get("credentialSubject"))
               if isinstance(s, dict)]
    return sum(len(_as_list(place.get(name))) for place in places if isinstance(place, dict)
               for name in ("endorsement", "endorsementJwt"))


def _credential_meaning(document: dict[str, Any]) -> dict[str, Any]:
    status = [_key([e.get("statusPurpose"), e.get("statusListCredential"),
                    e.get("statusListIndex")]) if isinstance(e, dict) else _key(e)
              for e in _as_list(document.get("credentialStatus"))]
    return {
        "types": sorted({_key(t) for t in _as_list(document.get("type"))}),
        "issuer": _node_id(document.get("issuer")),
        "validFrom": _when(document.get("validFrom")),
        "validUntil": _when(document.get("validUntil")),
        "issuanceDate": _when(document.get("issuanceDate")),
        "expirationDate": _when(document.get("expirationDate")),
        "status": sorted(set(status)),
        "subjects": sorted({_key(_node_id(s))
                            for s in _as_list(document.get("credentialSubject"))}),
        "endorsements": _endorsement_count(document),
        "proofs": sorted({_key([p.get("verificationMethod"), _when(p.get("created")),
                               _when(p.get("expires")), p.get("proofPurpose"),
                               p.get("challenge"), p.get("domain")])
                         if isinstance(p, dict) else _key(p)
                         for p in _as_list(document.get("proof"))}),
        "holder": _node_id(document.get("holder")),
    }


_JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")
_ENVELOPE_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")


def interpret(document: JSON) -> JSON:
    """What a document says to whoever reads its JSON: the values the verifier's decisions
    and a relying party's display rest on.

    Validity dates (either data model), status entries (purpose, list, index), issuer,
    subject ids, types, endorsement count, proofs (method, created, expires, purpose,
    challenge, domain), holder, and, for presentations, the same for each credential. A JWT
    is read through its claims and the key that actually signed it.
    """
    if isinstance(document, (bytes, bytearray)):
        document = bytes(document).decode("utf-8", "replace")
    if isinstance(document, str):
        token = decode_jwt(document.strip())
        if token is None:
            return {"unreadable": document[:64]}
        payload = token.payload if isinstance(token.payload, dict) else {}
        vc: dict[str, Any] = payload["vc"] if isinstance(payload.get("vc"), dict) else {
            k: v for k, v in payload.items() if k not in _JWT_CLAIMS}
        return {"credential": _credential_meaning(vc),
                "claims": {name: _when(payload.get(name)) if name in ("nbf", "exp", "iat")
                           else _plain(payload.get(name)) for name in _JWT_CLAIMS},
                "signer": jwt_signer(token)}
    if not isinstance(document, dict):
        return {"not an object": _key(document)}
    envelope = document.get("id")
    if isinstance(envelope, str) and envelope.startswith(_ENVELOPE_PREFIXES):
        return interpret(envelope.split(",", 1)[1])
    meaning = _credential_meaning(document)
    meaning["credentials"] = sorted({_key(interpret(c))
                                     for c in _as_list(document.get("verifiableCredential"))})
    return meaning


def canonical_json(value: JSON) -> bytes:
    try:
        return rfc8785.dumps(value)
    except Exception:  # noqa: BLE001 - values JCS refuses cannot equal a signed document
        return repr(value).encode()


# --- fail-closed reports --------------------------------------------------------------------------


# Whether a registry lists the issuer is a verdict reported beside ``verified``
# (``issuer_trusted``), not a condition of it.
ADVISORY_CHECKS = frozenset({"issuer_trust"})


def fail_closed_problems(report: Report, where: str = "") -> list[str]:
    """Checks of a verified report that neither passed nor were skipped as not applicable.

    A verified report must rest on checks that actually passed: a check skipped because
    something stopped it (for example an issuer check skipped for want of a key controller)
    is a check that never happened. The advisory issuer trust verdict is exempt.
    """
    if not report.verified:
        return []
    problems = [f"{where}{c.id}: {c.outcome.value}/{c.code}" for c in report.checks
                if c.id not in ADVISORY_CHECKS
                and not (c.outcome is Outcome.PASSED
                         or (c.outcome is Outcome.SKIPPED and c.code == "not_applicable"))]
    if isinstance(report, PresentationReport):
        for index, inner in enumerate(report.credentials):
            problems += fail_closed_problems(inner, f"{where}credentials[{index}].")
    return problems


def assert_fails_closed(report: Report) -> None:
    problems = fail_closed_problems(report)
    assert not problems, f"verified although some checks did not pass: {problems}"


def all_checks(report: Report) -> Iterator[tuple[str, str, str]]:
    """``(check id, outcome, code)`` of a report and of every credential report inside it."""
    for c in report.checks:
        yield c.id, c.outcome.value, c.code
    if isinstance(report, PresentationReport):
        for inner in report.credentials:
            yield from all_checks(inner)


# --- specimens ------------------------------------------------------------------------------------

Format = Literal["rdfc", "jcs", "jwt"]


@dataclass(frozen=True)
class Specimen:
    """A signed document and how to verify it."""

    name: str
    document: JSON
    format: Format
    presentation: bool = False
    # Mutations kept: all essential ones, and this many of the rest, chosen by a fixed seed.
    budget: int = 300


def badge(issuer: SigningKey, *, subject: SigningKey = HOLDER, vcdm: Literal["2.0", "1.1"] = "2.0",
          status: bool = True, endorsement: dict[str, Any] | None = None,
          valid_until: datetime = VALID_UNTIL, status_index: int = GOOD_INDEX,
          name: str = "Example University") -> dict[str, Any]:
    """An unsigned Open Badge with a validity period, status entries and an endorsement."""
    sample = sample_badge(issuer=issuer.controller, subject=subject.controller,
                          valid_from=ISSUED)
    achievement = sample.credential_subject.achievement
    if endorsement is not None:
        achievement = replace(achievement, endorsement=[endorsement])
    stable_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer.controller} {subject.controller} {vcdm}")
    credential: AchievementCredential = replace(
        sample, id=f"urn:uuid:{stable_id}",
        issuer=Profile(id=issuer.controller, name=name, url="https://example.edu"),
        valid_until=valid_until, vcdm=vcdm,
        credential_subject=replace(sample.credential_subject, achievement=achievement))
    document: dict[str, Any] = dict(credential.to_json())
    if status:
        entries = status_entries(issuer, status_index)
        document["credentialStatus"] = entries
    return document


async def endorsement(vcdm: Literal["2.0", "1.1"] = "2.0") -> dict[str, Any]:
    """A third party's signed endorsement of the achievement, in the badge's data model."""
    unsigned = EndorsementCredential(
        issuer=Profile(id=ENDORSER.controller, name="Quality Agency"),
        credential_subject=EndorsementSubject(
            id="https://badges.example.edu/achievements/data-literacy-101",
            endorsement_comment="Meets our standard."),
        id="urn:uuid:5c4e2a10-0000-4000-8000-000000000001",
        name="Endorsement of Data Literacy 101", valid_from=ISSUED, vcdm=vcdm).to_json()
    signed: dict[str, Any] = await add_proof(unsigned, key=ENDORSER, loader=StaticLoader(),
                                             now=ISSUED)
    return signed


async def sign(document: dict[str, Any], key: SigningKey, suite: str, *,
               expires: datetime | None = PROOF_EXPIRES) -> dict[str, Any]:
    """Sign as ``issue`` would, with a proof that expires (which ``issue`` cannot add)."""
    signed: dict[str, Any] = await add_proof(document, key=key, loader=StaticLoader(),
                                             suite=suite, now=ISSUED, expires=expires)
    return signed


@dataclass
class World:
    """The specimens, the status lists they point at, and what the verifier is told."""

    lists: StatusLists
    specimens: dict[str, Specimen]
    other_credential: dict[str, Any] = field(default_factory=dict)

    def options(self, specimen: Specimen) -> dict[str, Any]:
        options: dict[str, Any] = {"now": NOW, "fetcher": self.lists,
                                   "trusted_issuers": TRUSTED}
        if specimen.presentation:
            options.update(challenge=CHALLENGE, domain=DOMAIN)
        return options


_WORLD: list[World] = []

SPECIMEN_NAMES = [
    "eddsa-rdfc-2022 VCDM 2.0", "ecdsa-rdfc-2019 VCDM 2.0", "eddsa-jcs-2022 VCDM 2.0",
    "ed25519-2020 VCDM 2.0", "eddsa-rdfc-2022 VCDM 1.1", "VC-JWT (jwt)", "VC-JWT (vc+jwt)",
    "presentation (VCDM 2.0, DI and both JWTs enveloped)", "presentation (VCDM 1.1)",
]


async def world() -> World:
    """Build the specimens once per run (they are plain data, safe to share)."""
    if _WORLD:
        return _WORLD[0]
    lists = StatusLists()
    for key in (ISSUER, ISSUER_P256):
        await lists.publish(key, "revocation", [REVOKED_INDEX])
        await lists.publish(key, "suspension", [])
    endorsed = await endorsement()
    specimens: list[Specimen] = []
    for suite, key in (("eddsa-rdfc-2022", ISSUER), ("ecdsa-rdfc-2019", ISSUER_P256),
                       ("eddsa-jcs-2022", ISSUER), ("ed25519-2020", ISSUER)):
        signed = await sign(badge(key, endorsement=endorsed), key, suite)
        specimens.append(Specimen(f"{suite} VCDM 2.0", signed,
                                  "jcs" if "jcs" in suite else "rdfc"))
    v11 = await sign(badge(ISSUER, vcdm="1.1", status=False,
                           endorsement=await endorsement("1.1")), ISSUER,
                     "eddsa-rdfc-2022")
    specimens.append(Specimen("eddsa-rdfc-2022 VCDM 1.1", v11, "rdfc"))
    tokens = []
    for fmt in ("jwt", "vc+jwt"):
        token = await issue_jwt(badge(ISSUER, endorsement=endorsed), key=ISSUER, format=fmt,
                                now=ISSUED)
        tokens.append(token)
        specimens.append(Specimen(f"VC-JWT ({fmt})", token, "jwt", budget=150))
    vp = await present([specimens[0].document, *map(enveloped_credential, tokens)], key=HOLDER,
                       challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    specimens.append(Specimen("presentation (VCDM 2.0, DI and both JWTs enveloped)", vp, "rdfc",
                              presentation=True, budget=200))
    vp11 = await present([v11], key=HOLDER, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    specimens.append(Specimen("presentation (VCDM 1.1)", vp11, "rdfc", presentation=True,
                              budget=100))
    other = await sign(badge(ISSUER, subject=OTHER_SUBJECT, endorsement=endorsed), ISSUER,
                       "eddsa-rdfc-2022")
    built = World(lists, {s.name: s for s in specimens}, other)
    assert list(built.specimens) == SPECIMEN_NAMES
    _WORLD.append(built)
    return built


# --- mutations ------------------------------------------------------------------------------------

# Members whose mutations are always tried; the rest are sampled down to a specimen's budget.
ESSENTIAL_TERMS = frozenset({
    "validFrom", "validUntil", "issuanceDate", "expirationDate", "credentialStatus",
    "statusPurpose", "statusListIndex", "statusListCredential", "issuer", "credentialSubject",
    "holder", "verifiableCredential", "endorsement", "expires", "created", "type", "id",
    "proofPurpose", "challenge", "domain", "verificationMethod", "cryptosuite", "proof",
    "@context",
})


@dataclass(frozen=True)
class Mutation:
    """One forged variant of a specimen; ``essential`` ones are never sampled away."""

    name: str
    document: JSON
    essential: bool = False


def _touches_essential(path: Path) -> bool:
    """Whether the member a path ends in (array positions aside) is an essential one."""
    names = [step for step in path if isinstance(step, str)]
    return bool(names) and names[-1] in ESSENTIAL_TERMS


def edited_values(value: JSON) -> Iterator[tuple[str, JSON]]:
    """Other values of the same or another type."""
    if isinstance(value, bool):
        yield "negated", not value
        yield "as string", str(value).lower()
    elif isinstance(value, (int, float)):
        yield "plus one", value + 1
        yield "as string", str(value)
    elif isinstance(value, str):
        yield "changed", value[:-1] + ("0" if value[-1:] != "0" else "1")
        yield "emptied", ""
        yield "as number", 1
        yield "as list", [value]
    elif value is None:
        yield "set", "x"
    elif isinstance(value, dict):
        yield "as list", [value]
        yield "as string", "x"
        yield "emptied", {}
    elif isinstance(value, list):
        yield "emptied", []
        if value:
            yield "first only", value[0]
            yield "first repeated", [*value, value[0]]


def _constant(value: JSON) -> Callable[[JSON], JSON]:
    return lambda _: value


def _with_member(member: str, value: JSON) -> Callable[[JSON], JSON]:
    return lambda node: {**node, member: value}


def structural(document: JSON, essential_at: Callable[[Path], bool] | None = None
               ) -> Iterator[Mutation]:
    """Edit, delete, add a sibling, reorder: at every path of a JSON document.

    ``essential_at`` decides which paths are never sampled away (by default, those ending in
    an essential member).
    """
    essential_at = essential_at or _touches_essential
    for path in paths(document):
        value = get_at(document, path)
        essential = essential_at(path)
        where = show(path)
        for label, new in edited_values(value):
            yield Mutation(f"edit {where}: {label}", changed(document, path, _constant(new)),
                           essential)
        yield Mutation(f"delete {where}", deleted(document, path), essential)
        if isinstance(value, dict) and len(value) > 1:
            yield Mutation(f"reorder members of {where}",
                           changed(document, path, lambda v: dict(reversed(list(v.items())))),
                           essential)
        elif isinstance(value, list) and len(value) > 1:
            yield Mutation(f"reorder {where}", changed(document, path, lambda v: v[::-1]),
                           essential)
    containers = [()] + [p for p in paths(document) if isinstance(get_at(document, p), dict)]
    for path in containers:
        essential = essential_at(path)
        for member, value in (("forgedNote", "unsigned"), ("name", "Forged"),
                              ("@forged", "ignored by JSON-LD")):
            if member not in get_at(document, path):
                yield Mutation(f"add {member} to {show(path)}",
                               changed(document, path, _with_member(member, value)), essential)
    if isinstance(document, dict) and len(document) > 1:
        yield Mutation("reorder top-level members", dict(reversed(list(document.items()))))


def jsonld_rewrites(document: dict[str, Any]) -> Iterator[Mutation]:
    """Every JSON-LD rewrite of every member whose RDF form the probe found."""
    for path, form in term_forms(document).items():
        essential = _touches_essential(path)
        for name, rewrite in REWRITES.items():
            rewritten = rewrite(document, path, form)
            if rewritten is not document:
                yield Mutation(f"{name} for {show(path)}", rewritten, essential)
    for name, rewritten in keyword_spellings(document):
        yield Mutation(name, rewritten, True)


def _jwt_payload_variants(payload: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    later, earlier = int((NOW + timedelta(days=3000)).timestamp()), int(EXPIRED.timestamp())
    for claim, values in (("exp", [earlier, later, "tomorrow"]), ("nbf", [later, earlier]),
                          ("iss", [ATTACKER.controller]), ("sub", [ATTACKER.controller]),
                          ("jti", ["urn:uuid:00000000-0000-4000-8000-000000000000"]),
                          ("iat", [later])):
        for value in values:
            yield f"claim {claim}={value}", {**payload, claim: value}
        if claim in payload:
            yield f"claim {claim} removed", {k: v for k, v in payload.items() if k != claim}


def jwt_mutations(token: str) -> Iterator[Mutation]:
    """Header and claim edits that keep the signature, and re-signing with other keys."""
    parsed = decode_jwt(token)
    assert parsed is not None
    header, payload = parsed.header, parsed.payload
    head_b64, body_b64, signature = token.split(".")

    def keep_signature(new_header: JSON, new_payload: JSON) -> str:
        return f"{b64url_json(new_header)}.{b64url_json(new_payload)}.{signature}"

    attacker_kid = ATTACKER.verification_method
    header_variants: list[tuple[str, dict[str, Any]]] = [
        ("alg none", {**header, "alg": "none"}), ("alg HS256", {**header, "alg": "HS256"}),
        ("alg ES256", {**header, "alg": "ES256"}), ("alg RS256", {**header, "alg": "RS256"}),
        ("no alg", {k: v for k, v in header.items() if k != "alg"}),
        ("attacker kid", {**header, "kid": attacker_kid}),
        ("relative kid", {**header, "kid": "#" + str(header.get("kid", "")).split("#")[-1]}),
        ("no kid", {k: v for k, v in header.items() if k != "kid"}),
        ("attacker jwk", {**header, "jwk": ed25519_public_jwk(ATTACKER)}),
        ("typ vc+jwt", {**header, "typ": "vc+jwt"}), ("typ JWT", {**header, "typ": "JWT"}),
        ("typ vp+jwt", {**header, "typ": "vp+jwt"}),
        ("no typ", {k: v for k, v in header.items() if k != "typ"}),
    ]
    for label, new_header in header_variants:
        yield Mutation(f"header {label}", keep_signature(new_header, payload), True)
    for label, new_payload in _jwt_payload_variants(payload):
        yield Mutation(f"payload {label}", keep_signature(header, new_payload), True)
    yield Mutation("signature dropped", f"{head_b64}.{body_b64}.", True)
    yield Mutation("signature of another token", f"{head_b64}.{body_b64}.{signature[::-1]}", True)
    vc_path: Path = ("vc",) if "vc" in payload else ()
    inner = payload["vc"] if vc_path else payload
    for mutation in structural(inner):
        new_payload = {**payload, "vc": mutation.document} if vc_path else mutation.document
        yield Mutation(f"payload {mutation.name}", keep_signature(header, new_payload),
                       mutation.essential)
    # Re-signed by the attacker, the issuer's claims kept: whoever signs, the issuer is not it.
    attacker_sign: Signer = ATTACKER.sign
    resigned: list[tuple[str, dict[str, Any], Signer]] = [
        ("attacker key, attacker kid", {**header, "kid": attacker_kid}, attacker_sign),
        ("attacker key, issuer kid", header, attacker_sign),
        ("attacker key, embedded jwk",
         {"alg": "EdDSA", "typ": header.get("typ", "JWT"), "jwk": ed25519_public_jwk(ATTACKER)},
         attacker_sign),
    ]
    for alg in ("RS256", "PS256"):
        base = {"alg": alg, "typ": header.get("typ", "JWT"), "jwk": rsa_public_jwk()}
        signer = rsa_signer(alg)
        resigned += [(f"attacker {alg} jwk", base, signer),
                     (f"attacker {alg} jwk, kid hint", {**base, "kid": "rsa-1"}, signer),
                     (f"attacker {alg} jwk, issuer kid", {**base, "kid": header.get("kid")},
                      signer)]
    for label, new_header, signer in resigned:
        yield Mutation(f"re-signed: {label}", sign_jwt(new_header, payload, signer), True)
        for claim_label, new_payload in _jwt_payload_variants(payload):
            if not claim_label.startswith(("claim iss", "claim sub")):
                yield Mutation(f"re-signed: {label}, {claim_label}",
                               sign_jwt(new_header, new_payload, signer), True)


async def presentation_mutations(vp: dict[str, Any], built: World) -> list[Mutation]:
    """Holder swaps, credential swaps and envelopes that name someone else."""
    credentials = _as_list(vp.get("verifiableCredential"))
    out = [Mutation("holder swapped", {**vp, "holder": ATTACKER.controller}, True)]

    async def signed_by(key: SigningKey, creds: list[JSON], holder: str | None = None) -> JSON:
        doc = await present(creds, key=key, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
        if holder is not None:
            doc = await add_proof({**unsecured(doc), "holder": holder}, key=key,
                                  loader=StaticLoader(), suite=_default_suite(key), now=NOW,
                                  purpose="authentication", challenge=CHALLENGE, domain=DOMAIN)
        return doc

    try:
        out.append(Mutation("presented by the attacker",
                            await signed_by(ATTACKER, credentials), True))
        out.append(Mutation("presented by the attacker naming the holder",
                            await signed_by(ATTACKER, credentials, HOLDER.controller), True))
        if credentials and credentials[0].get("@context", [None])[0] == VC_V2:
            swapped = [built.other_credential, *credentials[1:]]
            out.append(Mutation("credential swapped, proof kept",
                                {**vp, "verifiableCredential": swapped}, True))
            out.append(Mutation("credential swapped, re-signed by the holder",
                                await signed_by(HOLDER, swapped), True))
        for index, credential in enumerate(credentials):
            if not (isinstance(credential, dict) and "EnvelopedVerifiableCredential"
                    in _as_list(credential.get("type"))):
                continue
            for who in ("credentialSubject", "issuer"):
                value: JSON = ({"id": ATTACKER.controller} if who == "credentialSubject"
                               else ATTACKER.controller)
                envelope = {**credential, "type": ["EnvelopedVerifiableCredential",
                                                   "VerifiableCredential"], who: value}
                creds = [*credentials[:index], envelope, *credentials[index + 1:]]
                out.append(Mutation(f"envelope {index} names the attacker as {who}, "
                                    "presented by the attacker",
                                    await signed_by(ATTACKER, creds), True))
                out.append(Mutation(f"envelope {index} names the attacker as {who}, proof kept",
                                    {**vp, "verifiableCredential": creds}, True))
    except VCBadgesError:
        pass  # The library refuses to sign some of these; the others are still tried.
    return out


def sample(mutations: list[Mutation], budget: int, seed: str) -> list[Mutation]:
    """All essential mutations and ``budget`` of the others, the same ones on every run."""
    essential = [m for m in mutations if m.essential]
    rest = [m for m in mutations if not m.essential]
    if len(rest) > budget:
        rest = random.Random(zlib.crc32(seed.encode())).sample(rest, budget)
    return essential + rest


def _wrapper_essential(path: Path) -> bool:
    """In a presentation, plain edits inside the credentials are sampled (each credential is
    a specimen of its own); edits of the presentation's own members are all tried."""
    return _touches_essential(path) and not (len(path) > 2 and path[0] == "verifiableCredential")


async def mutations_of(specimen: Specimen, built: World) -> list[Mutation]:
    document = specimen.document
    found: list[Mutation]
    if specimen.format == "jwt":
        found = list(jwt_mutations(document))
    else:
        essential_at = _wrapper_essential if specimen.presentation else None
        found = list(structural(document, essential_at)) + list(jsonld_rewrites(document))
        if specimen.presentation:
            found += await presentation_mutations(document, built)
    return sample(found, specimen.budget, specimen.name)


# --- judging --------------------------------------------------------------------------------------


async def _same_signed_statements(original: JSON, mutated: JSON, fmt: Format) -> str | None:
    """Why the accepted ``mutated`` does not carry the statements ``original`` signed."""
    if fmt == "jwt":
        before, after = decode_jwt(original), decode_jwt(mutated) if isinstance(
            mutated, str) else None
        if after is None or before is None or before.payload != after.payload:
            return "the JWT payload differs from the one the issuer signed"
        return None
    if not isinstance(mutated, dict):
        return "the accepted document is not a JSON object"
    if fmt == "jcs":
        if canonical_json(unsecured(mutated)) != canonical_json(unsecured(original)):
            return "the JCS form of the document differs"
        if sorted(canonical_json(c) for c in proof_configs(mutated, jcs=True)) != sorted(
                canonical_json(c) for c in proof_configs(original, jcs=True)):
            return "the JCS form of a proof configuration differs"
        return None
    try:
        if await library_rdf(unsecured(mutated)) != await library_rdf(unsecured(original)):
            return "the canonical N-Quads of the document differ"
        configs_before = sorted([await library_rdf(c) for c in proof_configs(original)])
        configs_after = sorted([await library_rdf(c) for c in proof_configs(mutated)])
    except VCBadgesError as exc:
        return f"the accepted document is not readable as JSON-LD ({exc.code})"
    if configs_before != configs_after:
        return "the canonical N-Quads of a proof configuration differ"
    return None


@dataclass
class Tally:
    """How a corpus run went."""

    tried: int = 0
    accepted: int = 0
    no_ops: int = 0
    violations: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.tried += other.tried
        self.accepted += other.accepted
        self.no_ops += other.no_ops
        self.violations += other.violations


# Per specimen, filled by the corpus test and summed up at the end of the run.
TALLIES: dict[str, Tally] = {}


def _is_no_op(original: JSON, mutated: JSON) -> bool:
    if isinstance(original, str) and isinstance(mutated, str):
        before, after = decode_jwt(original), decode_jwt(mutated)
        return (before is not None and after is not None and before.header == after.header
                and before.payload == after.payload and before.signature == after.signature)
    return bool(original == mutated)


async def judge(specimen: Specimen, mutation: Mutation, verify: Callable[..., Any],
                options: dict[str, Any], tally: Tally) -> None:
    """Verify one mutation and record whether accepting it (if it was) was right."""
    tally.tried += 1
    label = f"{specimen.name}: {mutation.name}"
    try:
        report = await verify(mutation.document, **options)
    except Exception as exc:  # noqa: BLE001 - verify must never raise; record it
        tally.violations.append(f"{label}: verify raised {type(exc).__name__}: {exc}"[:300])
        return
    if not isinstance(report, (VerificationReport, PresentationReport)):
        tally.violations.append(f"{label}: verify returned {type(report).__name__}")
        return
    if not report.verified:
        return
    tally.accepted += 1
    if _is_no_op(specimen.document, mutation.document):
        tally.no_ops += 1
    problems = fail_closed_problems(report)
    if problems:
        tally.violations.append(f"{label}: verified with checks that did not pass {problems}")
    reason = await _same_signed_statements(specimen.document, mutation.document,
                                           specimen.format)
    if reason is not None:
        tally.violations.append(f"{label}: accepted, but {reason}")
    before, after = interpret(specimen.document), interpret(mutation.document)
    if before != after:
        differing = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        tally.violations.append(f"{label}: accepted, but it reads differently ({differing})")
