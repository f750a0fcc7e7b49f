"""The bundled JSON-LD contexts: complete, byte-checked, and served only by URL.

The reference copies in ``shared/`` (beside the repository) are byte-exact copies of what is
published at each canonical URL. Our files come from npm packages instead; some of those are
byte-identical, the others differ only in whitespace or key order. Those differences are
listed here explicitly, so that a refresh that silently changes a byte-identical file, or a
formatting-only copy that starts to differ in content, fails. Two reference contexts are
deliberately not bundled, because no registry package ships them (see ``NOT_BUNDLED``).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vcbadges.errors import LoaderError
from vcbadges.jsonld import contexts

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CONTEXTS_DIR = REPO / "contexts"
OWN_FILES = {"index.json", "README.md", "refresh.py"}

OB = "https://purl.imsglobal.org/spec/ob/v3p0/"
OB_ALIAS = "https://imsglobal.github.io/openbadges-specification/context.json"

# Reference contexts that vcbadges deliberately does not bundle: no registry package ships them
# and issuing or verifying Open Badges never needs them (contexts/README.md explains).
NOT_BUNDLED = {
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://w3id.org/security/jwk/v1",
}

# Canonical URLs whose bundled file is JSON-equal to the published document but not
# byte-identical (every other URL in shared/contexts/index.json must be byte-identical).
JSON_EQUAL_ONLY = {
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/examples/v1",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/vc/status-list/2021/v1",
    "https://w3id.org/citizenship/v4rc1",
    OB + "context-3.0.3.json",
}

# Open Badges contexts and the 1EdTech copies they must equal as JSON.
OB_REFERENCES = {
    OB + "context.json": "ob3/contexts/context-3.0.0.json",
    OB + "context-3.0.1.json": "ob3/contexts/context-3.0.1.json",
    OB + "context-3.0.2.json": "ob3/contexts/context-3.0.2.json",
    OB + "context-3.0.3.json": "ob3/contexts/context-3.0.3.json",
    OB + "extensions.json": "ob3/contexts/validator/ob-v3p0-extensions.json",
}


def shared(relative: str) -> Path:
    """A file of the shared reference data; skip the calling test when it is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def our_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = json.loads((CONTEXTS_DIR / "index.json").read_bytes())
    return index


def shared_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = json.loads(shared("contexts/index.json").read_bytes())
    return index


# --- completeness against the reference set -------------------------------------------------


def test_every_reference_context_but_the_deliberate_gaps_is_bundled() -> None:
    reference = set(shared_index())
    assert NOT_BUNDLED <= reference, "the reference set changed: update NOT_BUNDLED"
    missing = reference - contexts.bundled_urls()
    assert missing == NOT_BUNDLED


@pytest.mark.parametrize("url", sorted(NOT_BUNDLED))
def test_deliberately_unbundled_contexts_are_unknown(url: str) -> None:
    assert url not in our_index()
    for call in (contexts.context_bytes, contexts.context_document, contexts.published_sha256):
        with pytest.raises(LoaderError) as info:
            call(url)
        assert info.value.code == "unknown_context"


def test_refresh_refuses_to_pin_an_unbundled_context(monkeypatch: pytest.MonkeyPatch) -> None:
    refresh = _load_refresh(monkeypatch)
    assert set(refresh.NOT_BUNDLED) == NOT_BUNDLED
    pin = refresh.Pin(sorted(NOT_BUNDLED)[0], "x.jsonld", refresh.PINS[0].source)
    with pytest.raises(refresh.RefreshError):
        refresh.build_index([pin], {"x.jsonld": b"{}"})


def test_bundled_files_equal_the_published_documents() -> None:
    for url, ref in shared_index().items():
        if url in NOT_BUNDLED:
            continue
        reference = (SHARED / "contexts" / ref["file"]).read_bytes()
        assert sha256(reference) == ref["sha256"], f"shared copy of {url} changed"
        ours = contexts.context_bytes(url)
        if url in JSON_EQUAL_ONLY:
            assert json.loads(ours) == json.loads(reference), url
            assert sha256(ours) != ref["sha256"], f"{url} is byte-identical now: update the test"
        else:
            assert sha256(ours) == ref["sha256"], url
        # Either way, the digest a relatedResource pins is the published one.
        assert contexts.published_sha256(url) == ref["sha256"], url


def test_open_badges_contexts_equal_the_1edtech_files() -> None:
    for url, relative in OB_REFERENCES.items():
        reference = shared(relative).read_bytes()
        assert contexts.context_document(url) == json.loads(reference), url


def test_open_badges_published_digests_are_the_spec_repository_files() -> None:
    for url, relative in OB_REFERENCES.items():
        if "/validator/" in relative:
            continue  # the validator's copy is not a publication of extensions.json
        reference = shared(relative).read_bytes()
        assert contexts.published_sha256(url) == sha256(reference), url
    # 3.0.0 is the one OB context whose package copy is byte-identical.
    assert sha256(contexts.context_bytes(OB + "context.json")) == sha256(
        shared(OB_REFERENCES[OB + "context.json"]).read_bytes())


def _context_urls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        yield item
            yield from _context_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _context_urls(item)


def _example_documents(root: Path) -> Iterator[tuple[Path, Any]]:
    for path in sorted(root.rglob("*")):
        if path.suffix in {".json", ".1ob"}:
            yield path, json.loads(path.read_bytes())
        elif path.suffix == ".jwt":
            payload = path.read_text().strip().split(".")[1]
            yield path, json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_every_open_badges_context_url_in_the_official_examples_resolves() -> None:
    seen: set[str] = set()
    for path, document in _example_documents(shared("ob3/examples")):
        for url in _context_urls(document):
            if "imsglobal" in url:
                seen.add(url)
                assert url in contexts.bundled_urls(), f"{path.name}: {url}"
    # The examples use all of these, including the pre-purl GitHub Pages URL (simple.jwt).
    assert {OB + "context.json", OB + "context-3.0.3.json", OB + "extensions.json",
            OB_ALIAS} <= seen


# --- the index, the files and the README ------------------------------------------------------


def test_index_digests_match_the_files() -> None:
    for url, entry in our_index().items():
        data = (CONTEXTS_DIR / entry["file"]).read_bytes()
        assert sha256(data) == entry["sha256"], url
        assert contexts.context_bytes(url) == data
        for key in ("package", "version", "path", "license"):
            assert entry[key], f"{url} has no {key}"


def test_every_file_in_the_directory_is_indexed() -> None:
    files = {p.name for p in CONTEXTS_DIR.iterdir() if p.is_file()} - OWN_FILES
    assert files == {entry["file"] for entry in our_index().values()}


def test_aliases_serve_the_same_document() -> None:
    index = our_index()
    aliases = {url: entry["alias_of"] for url, entry in index.items() if "alias_of" in entry}
    assert aliases == {OB_ALIAS: OB + "context.json"}
    for alias, canonical in aliases.items():
        assert index[alias]["file"] == index[canonical]["file"]
        assert contexts.context_bytes(alias) == contexts.context_bytes(canonical)
        assert contexts.context_document(alias) is contexts.context_document(canonical)
        assert contexts.published_sha256(alias) == contexts.published_sha256(canonical)


def test_published_digest_is_only_recorded_where_bytes_differ() -> None:
    for url, entry in our_index().items():
        if "published_sha256" in entry:
            assert entry["published_sha256"] != entry["sha256"], url
            assert contexts.published_sha256(url) == entry["published_sha256"]
        else:
            assert contexts.published_sha256(url) == entry["sha256"]


def test_readme_lists_every_url_with_its_digest() -> None:
    readme = (CONTEXTS_DIR / "README.md").read_text()
    for url, entry in our_index().items():
        rows = [line for line in readme.splitlines() if line.startswith(f"| {url} ")]
        assert len(rows) == 1, url
        assert entry["sha256"] in rows[0] and entry["file"] in rows[0], url
        assert f"{entry['package']}@{entry['version']}" in rows[0], url


def _load_refresh(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    name = "_vcbadges_contexts_refresh"
    spec = importlib.util.spec_from_file_location(name, CONTEXTS_DIR / "refresh.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_index_and_readme_are_what_refresh_generates(monkeypatch: pytest.MonkeyPatch) -> None:
    refresh = _load_refresh(monkeypatch)
    files = refresh.outputs(refresh.PINS, refresh.read_committed(refresh.PINS))
    assert files["index.json"] == (CONTEXTS_DIR / "index.json").read_bytes()
    assert files["README.md"] == (CONTEXTS_DIR / "README.md").read_bytes()


# --- the registry API ---------------------------------------------------------------------------


def test_importlib_resources_finds_every_file() -> None:
    directory = resources.files("vcbadges") / "contexts"
    assert (directory / "index.json").is_file()
    for entry in our_index().values():
        assert (directory / entry["file"]).is_file(), entry["file"]


def test_bundled_urls_are_the_index() -> None:
    urls = contexts.bundled_urls()
    assert isinstance(urls, frozenset)
    assert urls == set(our_index())


def test_context_document_is_parsed_once_and_shared() -> None:
    url = "https://www.w3.org/ns/credentials/v2"
    document = contexts.context_document(url)
    assert document == json.loads(contexts.context_bytes(url))
    assert "@context" in document
    assert contexts.context_document(url) is document


@pytest.mark.parametrize("url", [
    "https://example.com/contexts/v1",
    "http://www.w3.org/ns/credentials/v2",  # scheme variants are different URLs to JSON-LD
    "https://www.w3.org/ns/credentials/v2/",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.0.json",  # not a published URL
    "",
])
def test_unknown_urls_raise_loader_error(url: str) -> None:
    for call in (contexts.context_bytes, contexts.context_document, contexts.published_sha256):
        with pytest.raises(LoaderError) as info:
            call(url)
        assert info.value.code == "unknown_context"
        assert repr(url) in info.value.message


def test_a_file_that_is_not_the_indexed_one_is_refused() -> None:
    with pytest.raises(LoaderError) as info:
        contexts._file_bytes("credentials-v2.jsonld", "0" * 64)
    assert info.value.code == "context_digest_mismatch"
