"""Safe-mode JSON-LD, context loading, and the context memo proven equal to plain pyld."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from pyld import jsonld

from vcbadges.credentials.obv3 import (
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Alignment,
    Criteria,
    Evidence,
    IdentityObject,
    Image,
    Profile,
    Result,
    ResultDescription,
)
from vcbadges.errors import JSONLDError, LoaderError
from vcbadges.jsonld.canon import canonicalize, quads_from_pyld
from vcbadges.jsonld.expansion import to_quads, to_quads_async
from vcbadges.jsonld.loader import ChainLoader, StaticLoader

LOADER = StaticLoader()
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def plain_pyld(doc: dict[str, Any]) -> str:
    """The general path: pyld's own to_rdf with a fresh document loader, no memo."""

    def load(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url,
                "document": copy.deepcopy(LOADER.get(url).document)}

    dataset = jsonld.to_rdf(copy.deepcopy(doc), {"documentLoader": load, "base": None})
    return canonicalize(quads_from_pyld(dataset))


def random_badge(rng: random.Random) -> dict[str, Any]:
    def text() -> str:
        return "".join(rng.choice("abcdefghij éü漢字 ") for _ in range(rng.randint(1, 12))).strip() or "x"

    rubric = f"https://example.edu/a/{rng.randint(0, 999)}#r"
    achievement = Achievement(
        id=f"https://example.edu/a/{rng.randint(0, 999)}", name=text(), description=text(),
        criteria=Criteria(narrative=text()) if rng.random() < 0.7 else Criteria(
            id="https://example.edu/criteria"),
        image=Image(id="https://example.edu/i.png", caption=text()) if rng.random() < 0.5 else None,
        achievement_type=rng.choice([None, "Course", "Badge", "Certificate"]),
        alignment=[Alignment(target_name=text(), target_url="https://example.org/t",
                             target_type="CFItem")] * rng.randint(0, 2),
        result_description=[ResultDescription(id=rubric, name=text(), result_type="Percent")]
        if rng.random() < 0.5 else [],
        tag=[text() for _ in range(rng.randint(0, 3))],
        creator=Profile(id="https://example.edu/creator", name=text())
        if rng.random() < 0.3 else None,
    )
    subject_id = "did:key:z6MkjAkzjnnDL1PvwDaRU2N1w1EH6uXDK6aNZ7HANNRXJeJW"
    with_id = rng.random() < 0.7
    subject = AchievementSubject(
        achievement=achievement,
        id=subject_id if with_id else None,
        identifier=[IdentityObject.hashed_email(f"{text()}@example.com".replace(" ", ""),
                                                salt="s")] if not with_id or rng.random() < 0.5
        else [],
        result=[Result(result_description=rubric, value=str(rng.randint(0, 100)))]
        if rng.random() < 0.5 else [],
        narrative=text() if rng.random() < 0.3 else None,
    )
    cred = AchievementCredential(
        issuer=Profile(id="did:key:z6MkvKYN3Uuyz8xEErUbYS721GpStA85NAJTkAoEHgfHZUtA",
                       name=text(), url="https://example.edu"),
        credential_subject=subject, name=text(),
        evidence=[Evidence(id=f"https://example.edu/e/{i}", narrative=text())
                  for i in range(rng.randint(0, 2))],
        vcdm=rng.choice(["2.0", "2.0", "1.1"]),
    )
    return cred.to_json()


def test_memoised_path_equals_plain_pyld_on_generated_credentials():
    rng = random.Random(20261123)
    for _ in range(150):
        doc = random_badge(rng)
        assert canonicalize(to_quads(doc, get=LOADER.get)) == plain_pyld(doc)


def test_memo_does_not_leak_between_documents():
    rng = random.Random(7)
    docs = [random_badge(rng) for _ in range(20)]
    first = [canonicalize(to_quads(d, get=LOADER.get)) for d in docs]
    second = [canonicalize(to_quads(d, get=LOADER.get)) for d in reversed(docs)]
    assert first == list(reversed(second))
    assert len(set(first)) == len(first)


def _badge() -> dict[str, Any]:
    return random_badge(random.Random(1)) | {"@context": [V2, OB]}


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [((), "favouriteColour", "blue"),
     (("credentialSubject",), "nickname", "Jo"),
     (("credentialSubject", "achievement"), "difficulty", 3),
     (("issuer",), "motto", "Lux"),
     ((), "type", ["VerifiableCredential", "OpenBadgeCredential", "Diploma"]),
     (("credentialSubject", "achievement"), "type", ["Achievement", "Trophy"]),
     ((), "id", "relative-id")],
)
def test_safe_mode_refuses_what_expansion_would_drop(where, key, value):
    doc = _badge()
    node = doc
    for step in where:
        node = node[step]
    node[key] = value
    with pytest.raises(JSONLDError) as info:
        to_quads(doc, get=LOADER.get)
    assert info.value.code == "undefined_term"


def test_unknown_context_is_refused_without_fetching():
    doc = _badge()
    doc["@context"] = [V2, "https://evil.example/context.json"]
    with pytest.raises(LoaderError) as info:
        to_quads(doc, get=LOADER.get)
    assert info.value.code == "unknown_context"


def test_protected_term_redefinition_is_a_jsonld_error():
    doc = _badge()
    doc["@context"] = [V2, OB, {"name": "https://example.com/otherName"}]
    with pytest.raises(JSONLDError) as info:
        to_quads(doc, get=LOADER.get)
    assert info.value.code == "invalid_jsonld"


def test_inline_context_defining_a_term_is_accepted():
    doc = _badge()
    doc["@context"] = [V2, OB, {"favouriteColour": "https://example.com/vocab#favouriteColour"}]
    doc["favouriteColour"] = "blue"
    quads = to_quads(doc, get=LOADER.get)
    assert any("favouriteColour" in q[1] for q in quads)


async def test_chain_loader_uses_handlers_only_for_their_prefix():
    custom = {"@context": {"motto": "https://example.com/vocab#motto"}}
    calls: list[str] = []

    async def handler(url: str) -> Any:
        calls.append(url)
        return custom

    loader = ChainLoader(StaticLoader(), {"https://contexts.example/": handler})
    doc = _badge()
    doc["@context"] = [V2, OB, "https://contexts.example/motto.json"]
    doc["motto"] = "Lux"
    quads = await to_quads_async(doc, loader=loader)
    assert calls == ["https://contexts.example/motto.json"]
    assert any("motto" in q[1] for q in quads)
    doc["@context"] = [V2, OB, "https://elsewhere.example/x.json"]
    with pytest.raises(LoaderError):
        await to_quads_async(doc, loader=loader)


def test_non_objects_are_refused():
    for value in ([], "text", 5, None):
        with pytest.raises(JSONLDError):
            to_quads(value, get=LOADER.get)  # type: ignore[arg-type]
