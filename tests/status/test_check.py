"""check_status with injected fetch/verify functions: one check per entry, exact codes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared_data import VECTORS, need_shared
from vcbadges.errors import FetchError, InvalidProof
from vcbadges.report import Outcome
from vcbadges.status.bitstring import (
    MIN_LIST_BYTES,
    encode_list,
    new_list,
    set_status,
    status_entry,
    status_list_credential,
)
from vcbadges.status.check import MAX_LISTS, ListVerification, check_status

ISSUER = "did:example:issuer"
OTHER = "did:example:someone-else"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ISSUED = datetime(2025, 1, 1, tzinfo=UTC)
CREDENTIAL_ID = "urn:uuid:6f1c2a5e-3c56-4c33-9d7e-2b1f0f0c1a01"
REVOKED_AT = 94567


class Lists:
    """A fake network: documents by URL, plus the URLs whose proofs do not verify."""

    def __init__(self, documents: dict[str, Any], *, unverified: set[str] = frozenset(),
                 verify_raises: set[str] = frozenset()) -> None:
        self.documents = documents
        self.unverified = unverified
        self.verify_raises = verify_raises
        self.fetched: list[str] = []
        self.verified: list[str] = []

    async def fetch(self, url: str) -> Any:
        self.fetched.append(url)
        if url not in self.documents:
            raise FetchError(f"GET {url} failed: connection refused")
        return copy.deepcopy(self.documents[url])

    async def verify(self, document: dict[str, Any]) -> ListVerification:
        self.verified.append(document.get("id"))
        if document.get("id") in self.verify_raises:
            raise InvalidProof("the proof value does not verify")
        if document.get("id") in self.unverified:
            return ListVerification(False, None, "invalid_signature", "signature mismatch")
        issuer = document.get("issuer")
        return ListVerification(True, issuer if isinstance(issuer, str) else issuer["id"])


def _bits(*indexes: int, size: int = 1, value: int = 1, entries: int = 131072) -> bytearray:
    bits = new_list(entries, size=size)
    for index in indexes:
        set_status(bits, index, value, size=size)
    return bits


def _list(url: str, *set_indexes: int, purpose: str = "revocation",
          issuer: str = ISSUER, **extra: Any) -> dict[str, Any]:
    vc = status_list_credential(list_id=url, issuer=issuer, purpose=purpose,
                                bits=_bits(*set_indexes), valid_from=ISSUED)
    vc.update(extra)
    return vc


def _raw_list(url: str, bits: bytes | bytearray, purpose: Any, *, encoded: str | None = None,
              list_type: str = "BitstringStatusListCredential",
              subject_type: str = "BitstringStatusList") -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", list_type],
        "issuer": ISSUER,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": f"{url}#list", "type": subject_type,
                              "statusPurpose": purpose,
                              "encodedList": encoded if encoded is not None
                              else encode_list(bits)},
    }


def _entry(url: str, index: int | str, purpose: str = "revocation", **extra: Any) -> dict:
    entry = status_entry(list_credential=url, index=0, purpose="revocation")
    entry.update(statusPurpose=purpose, statusListIndex=str(index), **extra)
    return entry


def _credential(*entries: Any, **extra: Any) -> dict[str, Any]:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential"],
        "issuer": {"id": ISSUER, "type": "Profile"},
        "validFrom": "2025-02-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
        "credentialStatus": entries[0] if len(entries) == 1 else list(entries),
    }
    credential.update(extra)
    return credential


async def _check(credential: dict, lists: Lists, **options: Any):
    return await check_status(credential, issuer=ISSUER, fetch_list=lists.fetch,
                              verify_list=lists.verify, now=NOW, **options)


def _summary(checks) -> list[tuple[str, str, str]]:
    return [(c.id, c.outcome.value, c.code) for c in checks]


L1 = "https://issuer.example/status/1"
L2 = "https://issuer.example/status/2"
SUSP = "https://issuer.example/status/suspension"


async def test_no_credential_status_means_no_checks():
    credential = _credential(_entry(L1, 5))
    del credential["credentialStatus"]
    assert await _check(credential, Lists({})) == []


async def test_not_revoked():
    checks = await _check(_credential(_entry(L1, 5)), Lists({L1: _list(L1, REVOKED_AT)}))
    assert _summary(checks) == [("status_revocation", "passed", "not_revoked")]
    assert checks[0].detail["statusListIndex"] == "5"


async def test_revoked():
    checks = await _check(_credential(_entry(L1, REVOKED_AT)),
                          Lists({L1: _list(L1, REVOKED_AT)}))
    assert _summary(checks) == [("status_revocation", "failed", "revoked")]


async def test_suspended():
    lists = Lists({SUSP: _list(SUSP, 42, purpose="suspension")})
    checks = await _check(_credential(_entry(SUSP, 42, "suspension")), lists)
    assert _summary(checks) == [("status_suspension", "failed", "suspended")]


async def test_unsuspended_after_the_bit_is_cleared():
    bits = _bits(42)
    set_status(bits, 42, 0)
    listing = status_list_credential(list_id=SUSP, issuer=ISSUER, purpose="suspension",
                                     bits=bits, valid_from=ISSUED)
    checks = await _check(_credential(_entry(SUSP, 42, "suspension")), Lists({SUSP: listing}))
    assert _summary(checks) == [("status_suspension", "passed", "not_suspended")]


async def test_every_entry_is_checked_whatever_its_position():
    lists = Lists({L1: _list(L1), L2: _list(L2, 7)})
    checks = await _check(_credential(_entry(L1, 7), _entry(L2, 7)), lists)
    assert _summary(checks) == [
        ("status_revocation", "passed", "not_revoked"),
        ("status_revocation_2", "failed", "revoked"),
    ]


async def test_revocation_clear_but_suspension_set():
    lists = Lists({L1: _list(L1), SUSP: _list(SUSP, 23452, purpose="suspension")})
    checks = await _check(
        _credential(_entry(L1, 94567), _entry(SUSP, 23452, "suspension")), lists)
    assert _summary(checks) == [
        ("status_revocation", "passed", "not_revoked"),
        ("status_suspension", "failed", "suspended"),
    ]


async def test_ids_stay_unique_for_repeated_purposes():
    lists = Lists({L1: _list(L1)})
    checks = await _check(_credential(*(_entry(L1, i) for i in range(3))), lists)
    assert [c.id for c in checks] == ["status_revocation", "status_revocation_2",
                                      "status_revocation_3"]


async def test_each_list_is_fetched_and_verified_once():
    lists = Lists({L1: _list(L1, 3)})
    checks = await _check(_credential(_entry(L1, 1), _entry(L1, 3), _entry(L1, 5)), lists)
    assert _summary(checks) == [
        ("status_revocation", "passed", "not_revoked"),
        ("status_revocation_2", "failed", "revoked"),
        ("status_revocation_3", "passed", "not_revoked"),
    ]
    assert lists.fetched == [L1]
    assert lists.verified == [L1]


async def test_unreachable_list_is_an_error_not_a_pass():
    lists = Lists({})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_unreachable")]
    assert checks[0].detail["cause"] == "fetch_failed"


async def test_unreachable_list_is_fetched_once_and_reported_for_every_entry():
    lists = Lists({})
    checks = await _check(_credential(_entry(L1, 5), _entry(L1, 6, "suspension")), lists)
    assert _summary(checks) == [
        ("status_revocation", "error", "status_list_unreachable"),
        ("status_suspension", "error", "status_list_unreachable"),
    ]
    assert lists.fetched == [L1]


async def test_unverified_list_is_an_error():
    lists = Lists({L1: _list(L1)}, unverified={L1})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_unverified")]
    assert checks[0].detail["cause"] == "invalid_signature"


async def test_verify_list_raising_is_unverified():
    lists = Lists({L1: _list(L1)}, verify_raises={L1})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_unverified")]


async def test_expired_list_is_unverified():
    lists = Lists({L1: _list(L1, validUntil="2025-03-01T00:00:00Z")})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_unverified")]
    assert checks[0].detail["reason"] == "expired"


async def test_list_by_another_issuer_is_an_error():
    lists = Lists({L1: _list(L1, issuer=OTHER)})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_issuer_mismatch")]


async def test_purpose_mismatch_is_an_error():
    lists = Lists({L1: _list(L1, 5, purpose="suspension")})
    checks = await _check(_credential(_entry(L1, 5, "revocation")), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_purpose_mismatch")]


async def test_a_list_may_serve_several_purposes():
    listing = _raw_list(L1, _bits(5), ["revocation", "suspension"])
    checks = await _check(_credential(_entry(L1, 5, "suspension")), Lists({L1: listing}))
    assert _summary(checks) == [("status_suspension", "failed", "suspended")]


MESSAGES = [
    {"status": "0x0", "message": "pending_review"},
    {"status": "0x1", "message": "accepted"},
    {"status": "0x2", "message": "rejected"},
    {"status": "0x3", "message": "undefined"},
]


async def test_message_purpose_with_status_size_2_reports_the_message():
    bits = _bits(1234, size=2, value=2)
    lists = Lists({L1: _raw_list(L1, bits, "message")})
    entry = _entry(L1, 1234, "message", statusSize=2, statusMessage=MESSAGES,
                   statusReference="https://example.org/status-dictionary/")
    checks = await _check(_credential(entry, _entry(L1, 1235, "message", statusSize=2,
                                                    statusMessage=MESSAGES)), lists)
    assert _summary(checks) == [
        ("status_message", "passed", "ok"),
        ("status_message_2", "passed", "ok"),
    ]
    assert checks[0].detail["message"] == "rejected"
    assert checks[0].detail["status"] == "0x2"
    assert checks[0].detail["statusReference"] == "https://example.org/status-dictionary/"
    assert "rejected" in checks[0].message
    assert checks[1].detail["message"] == "pending_review"


async def test_one_bit_message_without_status_message_uses_set_and_unset():
    lists = Lists({L1: _raw_list(L1, _bits(3), "message")})
    checks = await _check(_credential(_entry(L1, 3, "message"), _entry(L1, 4, "message")),
                          lists)
    assert _summary(checks) == [
        ("status_message", "passed", "ok"),
        ("status_message_2", "passed", "ok"),
    ]
    assert [c.detail["message"] for c in checks] == ["set", "unset"]


async def test_two_bit_entries_need_a_list_of_131072_two_bit_entries():
    lists = Lists({L1: _raw_list(L1, new_list(), "message")})  # 16 KiB: 65,536 entries
    checks = await _check(_credential(_entry(L1, 5, "message", statusSize=2,
                                             statusMessage=MESSAGES)), lists)
    assert _summary(checks) == [("status_message", "error", "status_list_too_short")]


async def test_revocation_with_status_size_2_fails_on_any_nonzero_value():
    bits = _bits(9, size=2, value=1)
    lists = Lists({L1: _raw_list(L1, bits, "revocation")})
    messages = [{"status": hex(i), "message": m}
                for i, m in enumerate(["valid", "revoked_fraud", "revoked_error", "undefined"])]
    checks = await _check(_credential(_entry(L1, 9, statusSize=2, statusMessage=messages)),
                          lists)
    assert _summary(checks) == [("status_revocation", "failed", "revoked")]
    assert checks[0].detail["message"] == "revoked_fraud"


async def test_spec_message_example_with_three_messages_for_two_bits_is_malformed():
    data = json.loads(need_shared(
        VECTORS / "status-lists" / "bitstring-status-list-spec-examples.json").read_text())
    credential = data["examples"]["credentialWithMessageStatusEntry"]
    checks = await check_status(credential, issuer="did:example:12345",
                                fetch_list=Lists({}).fetch, verify_list=Lists({}).verify,
                                now=NOW)
    assert _summary(checks) == [("status_message", "failed", "status_entry_malformed")]


async def test_refresh_purpose_never_fails():
    lists = Lists({L1: _raw_list(L1, _bits(3), "refresh")})
    checks = await _check(_credential(_entry(L1, 3, "refresh"), _entry(L1, 4, "refresh")),
                          lists)
    assert _summary(checks) == [
        ("status_refresh", "passed", "refresh_available"),
        ("status_refresh_2", "passed", "ok"),
    ]


async def test_spec_examples_with_the_spec_list():
    data = json.loads(need_shared(
        VECTORS / "status-lists" / "bitstring-status-list-spec-examples.json").read_text())
    examples = data["examples"]
    revocation_list = examples["bitstringStatusListCredential"]
    suspension_list = copy.deepcopy(revocation_list)
    suspension_list["id"] = "https://example.com/credentials/status/4"
    suspension_list["credentialSubject"]["statusPurpose"] = "suspension"
    lists = Lists({revocation_list["id"]: revocation_list,
                   suspension_list["id"]: suspension_list})
    checks = await check_status(examples["credentialWithTwoStatusEntries"],
                                issuer="did:example:12345", fetch_list=lists.fetch,
                                verify_list=lists.verify,
                                now=datetime(2024, 5, 1, tzinfo=UTC))
    assert _summary(checks) == [
        ("status_revocation", "passed", "not_revoked"),
        ("status_suspension", "passed", "not_suspended"),
    ]


def _sl2021_list(url: str, *set_indexes: int, purpose: str = "revocation") -> dict:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1",
                     "https://w3id.org/vc/status-list/2021/v1"],
        "id": url,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": ISSUER,
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": f"{url}#list", "type": "StatusList2021",
                              "statusPurpose": purpose,
                              "encodedList": encode_list(_bits(*set_indexes))[1:]},
    }


def _sl2021_entry(url: str, index: int, purpose: str = "revocation") -> dict:
    return {"id": f"{url}#{index}", "type": "StatusList2021Entry", "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": url}


@pytest.mark.parametrize(("index", "outcome", "code"), [
    (REVOKED_AT, "failed", "revoked"),
    (REVOKED_AT + 1, "passed", "not_revoked"),
])
async def test_status_list_2021(index, outcome, code):
    lists = Lists({L1: _sl2021_list(L1, REVOKED_AT)})
    checks = await _check(_credential(_sl2021_entry(L1, index)), lists)
    assert _summary(checks) == [("status_revocation", outcome, code)]


async def test_status_list_2021_suspension_and_vector_list():
    data = json.loads(need_shared(
        VECTORS / "status-lists" / "status-list-2021-spec-examples.json").read_text())
    examples = data["examples"]
    lists = Lists({examples["statusList2021Credential"]["id"]:
                   examples["statusList2021Credential"],
                   SUSP: _sl2021_list(SUSP, 8, purpose="suspension")})
    credential = examples["credentialWithStatusList2021Entry"]
    credential = {**credential, "credentialStatus": [credential["credentialStatus"],
                                                     _sl2021_entry(SUSP, 8, "suspension")]}
    checks = await check_status(credential, issuer="did:example:12345",
                                fetch_list=lists.fetch, verify_list=lists.verify,
                                now=datetime(2022, 1, 1, tzinfo=UTC))
    assert _summary(checks) == [
        ("status_revocation", "passed", "not_revoked"),
        ("status_suspension", "error", "status_list_issuer_mismatch"),
    ]


async def test_status_list_2021_entry_must_point_at_a_status_list_2021():
    lists = Lists({L1: _list(L1)})
    checks = await _check(_credential(_sl2021_entry(L1, 3)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_malformed")]


REVOCATIONS = "https://issuer.example/revocations"


def _1edtech_list(*revoked: dict, issuer: Any = ISSUER) -> dict:
    return {"id": REVOCATIONS, "issuer": issuer, "revokedCredentials": list(revoked)}


def _1edtech_entry() -> dict:
    return {"id": REVOCATIONS, "type": "1EdTechRevocationList"}


@pytest.mark.parametrize(("revoked", "outcome", "code"), [
    ([{"id": CREDENTIAL_ID, "revocationReason": "issued in error"}], "failed", "revoked"),
    ([{"id": CREDENTIAL_ID, "revoked": True}], "failed", "revoked"),
    ([{"id": CREDENTIAL_ID, "revoked": False}], "passed", "not_revoked"),
    ([{"id": "urn:uuid:another"}], "passed", "not_revoked"),
    ([], "passed", "not_revoked"),
])
async def test_1edtech_revocation_list(revoked, outcome, code):
    lists = Lists({REVOCATIONS: _1edtech_list(*revoked)})
    checks = await _check(_credential(_1edtech_entry()), lists)
    assert _summary(checks) == [("status_revocation", outcome, code)]
    assert lists.verified == []  # plain JSON: there is no proof to verify
    assert checks[0].detail["list_signed"] is False


async def test_1edtech_revocation_reason_is_reported():
    lists = Lists({REVOCATIONS: _1edtech_list({"id": CREDENTIAL_ID,
                                               "revocationReason": "issued in error"})})
    checks = await _check(_credential(_1edtech_entry()), lists)
    assert checks[0].detail["revocationReason"] == "issued in error"
    assert "issued in error" in checks[0].message


async def test_1edtech_list_from_another_issuer_is_an_error():
    lists = Lists({REVOCATIONS: _1edtech_list(issuer={"id": OTHER})})
    checks = await _check(_credential(_1edtech_entry()), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_issuer_mismatch")]


async def test_1edtech_list_without_the_array_is_malformed():
    lists = Lists({REVOCATIONS: {"id": REVOCATIONS, "issuer": ISSUER}})
    checks = await _check(_credential(_1edtech_entry()), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_malformed")]


async def test_1edtech_needs_a_credential_id():
    credential = _credential(_1edtech_entry())
    del credential["id"]
    checks = await _check(credential, Lists({REVOCATIONS: _1edtech_list()}))
    assert _summary(checks) == [("status_revocation", "failed", "status_entry_malformed")]


async def test_1edtech_unreachable():
    checks = await _check(_credential(_1edtech_entry()), Lists({}))
    assert _summary(checks) == [("status_revocation", "error", "status_list_unreachable")]


async def test_unsupported_status_type_is_an_error():
    entry = {"id": "https://example.com/status/2#0", "type": "RevocationList2020Status",
             "revocationListIndex": "0",
             "revocationListCredential": "https://example.com/status/2"}
    lists = Lists({})
    checks = await _check(_credential(entry), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_type_unsupported")]
    assert lists.fetched == []


async def test_unknown_purpose_is_an_error():
    checks = await _check(_credential(_entry(L1, 5, "custom")), Lists({L1: _list(L1)}))
    assert _summary(checks) == [("status_custom", "error", "status_purpose_unsupported")]


def _without(entry: dict, key: str) -> dict:
    return {k: v for k, v in entry.items() if k != key}


@pytest.mark.parametrize("entry", [
    pytest.param(_without(_entry(L1, 5), "statusListIndex"), id="missing-index"),
    pytest.param(_entry(L1, "five"), id="non-numeric-index"),
    pytest.param(_entry(L1, "-1"), id="negative-index"),
    pytest.param(_entry(L1, "1.5"), id="fractional-index"),
    pytest.param(_entry(L1, ""), id="empty-index"),
    pytest.param({**_entry(L1, 5), "statusListIndex": 5}, id="index-not-a-string"),
    pytest.param(_without(_entry(L1, 5), "statusListCredential"), id="missing-list-url"),
    pytest.param(_entry("not a url", 5), id="list-url-not-a-url"),
    pytest.param(_without(_entry(L1, 5), "statusPurpose"), id="missing-purpose"),
    pytest.param(_without(_entry(L1, 5), "type"), id="missing-type"),
    pytest.param(_entry(L1, 5, statusSize=0), id="status-size-zero"),
    pytest.param(_entry(L1, 5, statusSize="2"), id="status-size-string"),
    pytest.param(_entry(L1, 5, "message", statusSize=2), id="size-2-without-messages"),
    pytest.param(_entry(L1, 5, "message", statusSize=2, statusMessage=MESSAGES[:3]),
                 id="too-few-messages"),
    pytest.param(_entry(L1, 5, "message", statusSize=2,
                        statusMessage=[*MESSAGES[:3], {"status": "0x2", "message": "again"}]),
                 id="repeated-message-status"),
    pytest.param(_entry(L1, 5, "message", statusSize=1,
                        statusMessage=[{"status": "0", "message": "a"},
                                       {"status": "0x1", "message": "b"}]),
                 id="message-status-without-0x"),
    pytest.param("https://issuer.example/status/1#5", id="entry-not-an-object"),
])
async def test_malformed_entries_fail(entry):
    lists = Lists({L1: _list(L1)})
    checks = await _check(_credential(entry), lists)
    assert len(checks) == 1
    assert checks[0].outcome is Outcome.FAILED
    assert checks[0].code == "status_entry_malformed"
    assert checks[0].id.startswith("status_")


async def test_malformed_entry_ids():
    lists = Lists({L1: _list(L1)})
    checks = await _check(_credential(_entry(L1, "five"), _entry(L1, "-1", "suspension")),
                          lists)
    assert _summary(checks) == [
        ("status_revocation", "failed", "status_entry_malformed"),
        ("status_suspension", "failed", "status_entry_malformed"),
    ]


async def test_a_malformed_entry_does_not_hide_a_revoked_one():
    lists = Lists({L1: _list(L1, 7)})
    checks = await _check(_credential(_entry(L1, "x"), _entry(L1, 7)), lists)
    assert _summary(checks) == [
        ("status_revocation", "failed", "status_entry_malformed"),
        ("status_revocation_2", "failed", "revoked"),
    ]


async def test_status_size_beyond_support_is_an_error():
    checks = await _check(_credential(_entry(L1, 5, statusSize=17)), Lists({L1: _list(L1)}))
    assert _summary(checks) == [("status_revocation", "error", "status_size_unsupported")]


@pytest.mark.parametrize("index", ["131072", "1" + "0" * 30, "9" * 5000],
                         ids=["end", "huge", "too-many-digits"])
async def test_index_out_of_range_fails(index):
    checks = await _check(_credential(_entry(L1, index)), Lists({L1: _list(L1)}))
    assert _summary(checks) == [("status_revocation", "failed", "status_index_out_of_range")]


async def test_list_too_large_is_an_error():
    lists = Lists({L1: _raw_list(L1, bytes(4 * MIN_LIST_BYTES), "revocation")})
    checks = await _check(_credential(_entry(L1, 5)), lists, max_list_bytes=2 * MIN_LIST_BYTES)
    assert _summary(checks) == [("status_revocation", "error", "status_list_too_large")]


async def test_list_too_short_unless_the_ecosystem_allows_it():
    lists = Lists({L1: _raw_list(L1, _bits(5, entries=131072)[:128], "revocation")})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_too_short")]
    checks = await _check(_credential(_entry(L1, 5)), lists, min_entries=1024)
    assert _summary(checks) == [("status_revocation", "failed", "revoked")]


@pytest.mark.parametrize("subject", [
    {"encodedList": encode_list(bytes(MIN_LIST_BYTES))[1:]},  # no multibase prefix
    {"encodedList": "u!!!"},
    {"encodedList": None},
])
async def test_malformed_list_is_an_error(subject):
    listing = _list(L1)
    listing["credentialSubject"].update(subject)
    checks = await _check(_credential(_entry(L1, 5)), Lists({L1: listing}))
    assert _summary(checks) == [("status_revocation", "error", "status_list_malformed")]


async def test_list_of_the_wrong_type_is_an_error():
    listing = _raw_list(L1, bytes(MIN_LIST_BYTES), "revocation", list_type="VerifiableCredential")
    checks = await _check(_credential(_entry(L1, 5)), Lists({L1: listing}))
    assert _summary(checks) == [("status_revocation", "error", "status_list_malformed")]


async def test_a_list_that_is_not_an_object_is_an_error():
    lists = Lists({L1: "eyJhbGciOi..."})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_malformed")]
    assert lists.verified == []


async def test_too_many_lists():
    urls = [f"https://issuer.example/status/{i}" for i in range(MAX_LISTS + 2)]
    lists = Lists({u: _list(u) for u in urls})
    checks = await _check(_credential(*(_entry(u, 1) for u in urls)), lists)
    assert [c.code for c in checks] == ["not_revoked"] * MAX_LISTS + ["status_too_many_lists"] * 2
    assert checks[-1].outcome is Outcome.ERROR
    assert len(lists.fetched) == MAX_LISTS


async def test_list_not_yet_valid_is_unverified():
    lists = Lists({L1: _list(L1, validFrom="2025-07-01T00:00:00Z")})
    checks = await _check(_credential(_entry(L1, 5)), lists)
    assert _summary(checks) == [("status_revocation", "error", "status_list_unverified")]
    checks = await _check(_credential(_entry(L1, 5)), lists, skew=timedelta(days=31))
    assert _summary(checks) == [("status_revocation", "passed", "not_revoked")]


async def test_bugs_in_injected_functions_propagate():
    async def broken(url: str) -> Any:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await check_status(_credential(_entry(L1, 5)), issuer=ISSUER, fetch_list=broken,
                           verify_list=Lists({}).verify, now=NOW)
