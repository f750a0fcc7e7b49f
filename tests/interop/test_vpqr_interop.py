"""VP-QR interoperability with the Digital Credentials Consortium's libraries, both ways.

The Node side is tests/interop/vpqr.mjs: ``@digitalcredentials/vpqr`` 2.2.1 (with
``@digitalcredentials/cborld`` 4.3, as in the Learner Credential Wallet and VerifierPlus)
and ``@digitalbazaar/cborld`` 8.1, pinned in the lockfile beside it.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from vcbadges import issue, verify
from vcbadges.credentials import cborld, vpqr
from vcbadges.primitives.keys import Ed25519SigningKey

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "vpqr.mjs"
CONTEXTS = Path(cborld.__file__).resolve().parents[2] / "contexts"


def node(command: str, payload: dict[str, Any]) -> dict[str, Any]:
    exe = shutil.which("node")
    assert exe is not None, "node is needed for the interop tests"
    assert (HERE / "node_modules").is_dir(), "run `npm ci --prefix tests/interop` first"
    result = subprocess.run(
        [exe, str(SCRIPT), command], input=json.dumps(payload), capture_output=True, text=True,
        timeout=120, env={**os.environ, "VCBADGES_CONTEXTS_DIR": str(CONTEXTS)})
    out: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == 0, out.get("error") or result.stderr
    return out


@pytest.fixture
async def signed() -> dict[str, Any]:
    key = Ed25519SigningKey.generate()
    badge = json.loads((HERE / "sample_ob3.json").read_text())
    badge.pop("proof", None)
    badge["issuer"]["id"] = key.controller
    return await issue(badge, key=key)


async def test_the_dcc_library_reads_our_code_and_the_badge_still_verifies(signed):
    text = vpqr.to_text(vpqr.presentation_of(signed))
    decoded = node("decode", {"payload": text})["document"]
    assert decoded == vpqr.presentation_of(signed)
    assert (await verify(decoded["verifiableCredential"])).verified


async def test_we_read_the_dcc_librarys_code_and_the_badge_still_verifies(signed):
    presentation = vpqr.presentation_of(signed)
    text = node("encode", {"document": presentation})["payload"]
    assert text.startswith("VP1-B")
    # Byte for byte what we write: the same term ids, codecs and map order.
    assert text == vpqr.to_text(presentation)
    decoded = vpqr.from_text(text)
    assert decoded == presentation
    assert (await verify(vpqr.credential_in(decoded))).verified


async def test_a_tampered_badge_encoded_by_the_dcc_library_fails_verification(signed):
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    text = node("encode", {"document": vpqr.presentation_of(tampered)})["payload"]
    report = await verify(vpqr.credential_in(vpqr.from_text(text)))
    assert report.check("proof").code == "invalid_signature"


async def test_cborld_8_reads_our_credential_bytes(signed):
    # @digitalbazaar/cborld 8 still reads the 0x0501 form, for a bare credential; it cannot
    # process the VCDM 2.0 VerifiablePresentation type (a "@context": null scoped context).
    decoded = node("decode8", {"cborld": cborld.encode(signed).hex()})["document"]
    assert decoded == signed
