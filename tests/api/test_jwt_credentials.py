"""VC-JWT and VC-JOSE badges through issue_jwt(), verify(), presentations and the CLI."""

import json

import pytest

from clock import ISSUED, NOW
from vcbadges import issue_jwt, present, verify
from vcbadges.cli import main
from vcbadges.proofs.jose import enveloped_credential


@pytest.mark.parametrize("fmt", ["jwt", "vc+jwt"])
async def test_jwt_badges_verify_with_the_same_report(unsigned, issuer_key, fmt):
    token = await issue_jwt(unsigned, key=issuer_key, format=fmt, now=ISSUED)
    assert token.count(".") == 2
    report = await verify(token, now=NOW)
    assert report.verified, report.to_json()
    assert [c.id for c in report.checks][:6] == ["document", "schema", "proof", "issuer",
                                                "issuer_trust", "validity"]
    assert report.credential["achievement"] == "Data Literacy 101"


async def test_tampered_jwt_fails_the_proof_but_still_shows_the_badge(unsigned, issuer_key):
    token = await issue_jwt(unsigned, key=issuer_key, now=ISSUED)
    header, payload, sig = token.split(".")
    forged_sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    report = await verify(f"{header}.{payload}.{forged_sig}", now=NOW)
    assert report.check("proof").code == "invalid_signature"
    assert report.credential["achievement"] == "Data Literacy 101"


async def test_jwt_signed_by_another_did_is_not_the_issuer(unsigned, issuer_key, other_key):
    from vcbadges.proofs.jose import sign_vc_jwt

    token = sign_vc_jwt(dict(unsigned, issuer={"id": issuer_key.controller, "type": ["Profile"],
                                              "name": "X"}, validFrom="2026-05-01T00:00:00Z",
                             id="urn:uuid:1"), key=other_key, now=ISSUED)
    report = await verify(token, now=NOW)
    assert not report.verified
    failing = [c for c in report.checks if c.outcome.value == "failed"]
    assert failing[0].code in ("jwt_claims_mismatch", "issuer_mismatch")


@pytest.mark.parametrize("bad", ["a.b.c", "eyJhbGciOiJub25lIn0.e30.", "x" * 40])
async def test_malformed_tokens_are_reported(bad):
    report = await verify(bad, now=NOW)
    assert not report.verified
    assert report.checks[0].id == "document"


async def test_enveloped_jwt_credentials_travel_in_presentations(unsigned, issuer_key,
                                                                 holder_key):
    token = await issue_jwt(unsigned, key=issuer_key, format="vc+jwt", now=ISSUED)
    vp = await present([enveloped_credential(token)], key=holder_key, challenge="c1",
                       domain="https://employer.example", now=NOW)
    report = await verify(vp, challenge="c1", domain="https://employer.example", now=NOW)
    assert report.verified, report.to_json()
    assert report.credentials[0].credential["achievement"] == "Data Literacy 101"


async def test_undefined_terms_are_refused_for_jwts_too(unsigned, issuer_key):
    from vcbadges.errors import JSONLDError

    with pytest.raises(JSONLDError):
        await issue_jwt(dict(unsigned, favouriteColour="blue"), key=issuer_key)


def test_cli_issues_and_verifies_jwts(tmp_path, capsys, unsigned, issuer_key):
    from vcbadges.primitives.keyfile import write_key_file

    key_path = tmp_path / "k.key"
    write_key_file(key_path, issuer_key, passphrase=None, unencrypted=True)
    cred = tmp_path / "u.json"
    cred.write_text(json.dumps(unsigned))
    assert main(["issue", str(cred), "--key", str(key_path), "--format", "jwt"]) == 0
    token = capsys.readouterr().out.strip()
    jwt_file = tmp_path / "badge.jwt"
    jwt_file.write_text(token + "\n")
    assert main(["verify", str(jwt_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] is True
    assert main(["issue", str(cred), "--key", str(key_path), "--format", "jwt",
                 "--suite", "eddsa-rdfc-2022"]) == 2
