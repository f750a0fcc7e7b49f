"""Issuer registries: DCC registry documents, lists of registries and trust lists, read from
files and over https through the SafeFetcher; a registry that cannot be read lists nobody."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clock import NOW

from net.https_server import HTTPSServer
from vcbadges import verify
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.verifier.registry import RETRY_AFTER, IssuerRegistries, RegistryEntry
from vcbadges.verifier.trust import parse_trust_list

HARVARD = "did:key:z6MkHarvard"
OTHER = "did:key:z6MkOther"


def dcc_registry(entries: dict[str, Any]) -> dict[str, Any]:
    return {"meta": {"created": "2020-12-02T02:32:16+0000",
                     "updated": "2024-01-10T10:00:00+0000"},
            "registry": entries}


HARVARD_REGISTRY = dcc_registry({HARVARD: {"name": "Harvard University",
                                           "location": "Cambridge, MA, USA",
                                           "url": "https://harvard.edu"}})


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


async def test_a_dcc_registry_file_lists_the_issuer(tmp_path: Path) -> None:
    path = write(tmp_path, "members.json", HARVARD_REGISTRY)
    registries = IssuerRegistries.from_locations([path])
    assert await registries.lookup(HARVARD) == RegistryEntry(
        issuer_id=HARVARD, name="Harvard University", registry="members.json",
        url="https://harvard.edu")
    assert await registries.lookup(OTHER) is None
    assert registries.problems == ()


async def test_older_registry_documents_use_entries(tmp_path: Path) -> None:
    path = write(tmp_path, "old.json", {"meta": {}, "entries": {HARVARD: {"name": "H"}}})
    found = await IssuerRegistries.from_locations([str(path)]).lookup(HARVARD)
    assert found is not None and found.name == "H" and found.url is None


async def test_entries_without_a_name_are_ignored_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", dcc_registry({
        HARVARD: {"name": "Harvard University", "url": "javascript:alert(1)"},
        OTHER: {"url": "https://other.example"}, "did:key:z3": "not an object"}))
    registries = IssuerRegistries.from_locations([path])
    found = await registries.lookup(HARVARD)
    assert found is not None and found.url is None  # Only web links are kept.
    assert await registries.lookup(OTHER) is None
    assert [(p.registry, p.message) for p in registries.problems] == [
        ("r.json", "2 malformed entries were ignored")]


async def test_trust_lists_are_one_more_registry(tmp_path: Path) -> None:
    path = write(tmp_path, "employer.json",
                 [{"did": HARVARD, "name": "Harvard (our list)", "url": "https://h.example"}])
    from_file = IssuerRegistries.from_locations([path])
    assert await from_file.lookup(HARVARD) == RegistryEntry(
        HARVARD, "Harvard (our list)", "employer.json", "https://h.example")
    parsed = IssuerRegistries.from_trust_list(parse_trust_list([{"did": OTHER, "name": "O"}]))
    assert await parsed.lookup(OTHER) == RegistryEntry(OTHER, "O", "trusted issuers")


async def test_the_first_registry_listing_an_issuer_names_it(tmp_path: Path) -> None:
    first = IssuerRegistries.from_trust_list(parse_trust_list([{"did": HARVARD, "name": "A"}]),
                                             name="mine")
    second = IssuerRegistries.from_locations([write(tmp_path, "r.json", HARVARD_REGISTRY)])
    both = IssuerRegistries.combine(first, second)
    assert (await both.lookup(HARVARD)).registry == "mine"  # type: ignore[union-attr]
    assert (await IssuerRegistries.combine(second, first).lookup(HARVARD)
            ).registry == "r.json"  # type: ignore[union-attr]


@pytest.mark.parametrize("content", [b"not json", b'{"a": 1, "a": 2}', b'{"meta": {}}', b"5",
                                     b'[{"did": "did:key:z", "name": ""}]', b"[1]"])
async def test_a_malformed_registry_file_lists_nobody(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    registries = IssuerRegistries.from_locations(
        [path, write(tmp_path, "good.json", HARVARD_REGISTRY)])
    assert await registries.lookup(OTHER) is None
    assert [p.registry for p in registries.problems] == ["bad.json"]
    assert (await registries.lookup(HARVARD)).registry == "good.json"  # type: ignore[union-attr]


async def test_a_missing_file_is_reported_without_its_path(tmp_path: Path) -> None:
    registries = IssuerRegistries.from_locations([tmp_path / "secret-dir" / "gone.json"])
    assert await registries.lookup(HARVARD) is None
    [problem] = registries.problems
    assert problem.registry == "gone.json"
    assert "could not be read" in problem.message and "secret-dir" not in problem.message


def test_a_url_needs_a_fetcher() -> None:
    with pytest.raises(ValueError):
        IssuerRegistries.from_locations(["https://registry.example/registry.json"])


async def test_a_registry_url_through_the_safe_fetcher(
        https_server: HTTPSServer, https_fetcher: SafeFetcher) -> None:
    https_server.add_json("/registry.json", HARVARD_REGISTRY,
                          headers={"Cache-Control": "max-age=60"})
    url = https_server.url("/registry.json")
    registries = IssuerRegistries.from_locations([url], fetcher=https_fetcher)
    found = await registries.lookup(HARVARD)
    assert found == RegistryEntry(HARVARD, "Harvard University", url, "https://harvard.edu")
    assert await registries.lookup(OTHER) is None
    assert registries.problems == ()
    assert https_server.hits("/registry.json") == 1  # The fetcher's cache answered again.


async def test_a_registry_without_cache_headers_is_read_again(
        https_server: HTTPSServer, https_fetcher: SafeFetcher) -> None:
    https_server.add_json("/registry.json", HARVARD_REGISTRY)
    registries = IssuerRegistries.from_locations([https_server.url("/registry.json")],
                                                 fetcher=https_fetcher)
    assert await registries.lookup(HARVARD) is not None
    https_server.add_json("/registry.json", dcc_registry({OTHER: {"name": "Other"}}))
    assert await registries.lookup(HARVARD) is None
    assert (await registries.lookup(OTHER)).name == "Other"  # type: ignore[union-attr]
    assert https_server.hits("/registry.json") == 3


async def test_a_known_registries_list_is_consulted_in_order(
        tmp_path: Path, https_server: HTTPSServer, https_fetcher: SafeFetcher) -> None:
    https_server.add_json("/sandbox.json", dcc_registry({HARVARD: {"name": "Harvard (sandbox)"},
                                                         OTHER: {"name": "Other"}}))
    https_server.add_json("/community.json", HARVARD_REGISTRY)
    listing = [
        {"name": "DCC Member Registry", "type": "oidf",
         "trustAnchorEC": "https://registry.example/.well-known/openid-federation"},
        {"name": "Community", "type": "dcc-legacy", "url": https_server.url("/community.json")},
        {"name": "Sandbox", "url": https_server.url("/sandbox.json")},
    ]
    https_server.add_json("/known-did-registries.json", listing)
    for location in (write(tmp_path, "known.json", listing),
                     https_server.url("/known-did-registries.json")):
        registries = IssuerRegistries.from_locations([location], fetcher=https_fetcher)
        assert await registries.lookup(HARVARD) == RegistryEntry(
            HARVARD, "Harvard University", "Community", "https://harvard.edu")
        assert await registries.lookup(OTHER) == RegistryEntry(OTHER, "Other", "Sandbox")
        assert [p.registry for p in registries.problems] == ["DCC Member Registry"]
        assert "not supported" in registries.problems[0].message


async def test_a_list_of_registries_may_not_name_another_list(
        https_server: HTTPSServer, https_fetcher: SafeFetcher) -> None:
    https_server.add_json("/inner.json", [{"name": "x", "url": https_server.url("/r.json")}])
    https_server.add_json("/outer.json",
                          [{"name": "Inner", "url": https_server.url("/inner.json")}])
    registries = IssuerRegistries.from_locations([https_server.url("/outer.json")],
                                                 fetcher=https_fetcher)
    assert await registries.lookup(HARVARD) is None
    assert [p.registry for p in registries.problems] == ["Inner"]
    assert https_server.hits("/r.json") == 0


@pytest.mark.parametrize("path,body,status", [
    ("/missing.json", None, 404), ("/broken.json", b"{", 200), ("/error.json", b"{}", 500)])
async def test_an_unreadable_registry_url_lists_nobody(
        https_server: HTTPSServer, https_fetcher: SafeFetcher,
        path: str, body: bytes | None, status: int) -> None:
    if body is not None:
        https_server.add_bytes(path, body, status=status, content_type="application/json")
    url = https_server.url(path)
    registries = IssuerRegistries.from_locations([url], fetcher=https_fetcher)
    assert await registries.lookup(HARVARD) is None
    [problem] = registries.problems
    assert problem.registry == url and problem.message.startswith("could not be read")


async def test_a_loopback_registry_is_refused_by_default(https_server: HTTPSServer,
                                                         connection_log: Any) -> None:
    https_server.add_json("/registry.json", HARVARD_REGISTRY)
    async with SafeFetcher(FetchPolicy(ca_file=https_server.ca_file)) as fetcher:
        registries = IssuerRegistries.from_locations(
            [https_server.url("/registry.json", host="127.0.0.1")], fetcher=fetcher)
        assert await registries.lookup(HARVARD) is None
    [problem] = registries.problems
    assert "refused" in problem.message
    assert https_server.hits("/registry.json") == 0
    assert connection_log.attempts == []


async def test_an_unreadable_registry_is_retried_only_after_a_while(
        https_server: HTTPSServer, https_fetcher: SafeFetcher) -> None:
    now = [0.0]
    https_server.add_bytes("/r.json", b"{}", status=503)
    registries = IssuerRegistries.from_locations(
        [https_server.url("/r.json")], fetcher=https_fetcher, clock=lambda: now[0])
    assert await registries.lookup(HARVARD) is None
    https_server.add_json("/r.json", HARVARD_REGISTRY)
    assert await registries.lookup(HARVARD) is None
    assert https_server.hits("/r.json") == 1
    assert registries.problems != ()
    now[0] += RETRY_AFTER
    assert await registries.lookup(HARVARD) is not None
    assert registries.problems == ()


async def test_preload_reads_every_registry_and_reports(tmp_path: Path) -> None:
    registries = IssuerRegistries.from_locations(
        [write(tmp_path, "a.json", HARVARD_REGISTRY), tmp_path / "none.json"])
    assert [p.registry for p in await registries.preload()] == ["none.json"]


async def test_verify_reports_the_registry_that_lists_the_issuer(
        tmp_path: Path, signed: dict[str, Any], issuer_key: Any) -> None:
    path = write(tmp_path, "members.json", dcc_registry(
        {issuer_key.controller: {"name": "Example University", "url": "https://example.edu"}}))
    report = await verify(signed, now=NOW,
                          registries=IssuerRegistries.from_locations([path]))
    check = report.check("issuer_trust")
    assert (check.outcome.value, check.code) == ("passed", "issuer_listed")
    assert check.detail == {"name": "Example University", "registry": "members.json",
                            "url": "https://example.edu"}
    assert report.to_json()["issuerTrusted"] is True


async def test_verify_says_an_unlisted_issuer_only_claims_its_name(
        tmp_path: Path, signed: dict[str, Any]) -> None:
    registries = IssuerRegistries.from_locations(
        [write(tmp_path, "r.json", HARVARD_REGISTRY), tmp_path / "gone.json"])
    report = await verify(signed, now=NOW, registries=registries)
    check = report.check("issuer_trust")
    assert (check.outcome.value, check.code) == ("failed", "issuer_unknown")
    assert "not in your trusted issuers" in check.message
    assert report.verified  # A verdict of its own.
    assert report.to_json()["issuerTrusted"] is False
    assert [p.registry for p in registries.problems] == ["gone.json"]
