"""Trust lists name known issuers; an unknown issuer is a verdict of its own, never a name
confirmed."""

import json

import pytest
from clock import NOW

from vcbadges import verify
from vcbadges.cli import main
from vcbadges.errors import CredentialError
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.proofs.di import add_proof
from vcbadges.verifier.trust import load_trust_list, parse_trust_list
from vcbadges.wire import camel


async def test_trust_list_file_names_the_issuer(tmp_path, signed, issuer_key):
    path = tmp_path / "trust.json"
    path.write_text(json.dumps([{"did": issuer_key.controller, "name": "Example University",
                                 "url": "https://example.edu"}]))
    report = await verify(signed, now=NOW, trusted_issuers=load_trust_list(path))
    check = report.check("issuer_trust")
    assert (check.outcome.value, check.code) == ("passed", "issuer_listed")
    assert check.detail == {"name": "Example University", "registry": "trusted issuer list",
                            "url": "https://example.edu"}
    assert report.issuer_trusted and report.to_json()["issuerTrusted"] is True


async def test_an_unlisted_issuer_is_a_separate_verdict_not_a_confirmed_name(signed):
    report = await verify(signed, now=NOW, trusted_issuers=parse_trust_list(
        [{"did": "did:example:other", "name": "Other"}]))
    assert report.verified
    check = report.check("issuer_trust")
    assert (check.outcome.value, check.code) == ("failed", "issuer_unknown")
    assert "not in your trusted issuers" in check.message
    wire = report.to_json()
    assert wire["issuerTrusted"] is False
    # The check's detail is keyed by Python names; its JSON members are camelCase.
    assert "claimed_name" in check.detail
    [trust] = [c for c in wire["checks"] if c["id"] == "issuer_trust"]
    assert set(trust["detail"]) == {camel(key) for key in check.detail}
    assert "claimedName" in trust["detail"]


@pytest.mark.parametrize("data", [{}, [1], [{"did": "did:x"}], [{"name": "n"}],
                                  [{"did": "d", "name": "n", "url": 5}]])
def test_malformed_trust_lists_are_refused(data):
    with pytest.raises(CredentialError) as info:
        parse_trust_list(data)
    assert info.value.code == "invalid_trust_list"


def test_cli_trust_option(tmp_path, capsys, signed, issuer_key):
    cred = tmp_path / "c.json"
    cred.write_text(json.dumps(signed))
    trust = tmp_path / "t.json"
    trust.write_text(json.dumps([{"did": issuer_key.controller, "name": "Example U"}]))
    assert main(["verify", str(cred), "--trust", str(trust)]) == 0
    assert "Example U" in capsys.readouterr().out
    trust.write_text("not json")
    assert main(["verify", str(cred), "--trust", str(trust)]) == 2


async def test_a_listed_issuer_is_never_named_for_a_badge_it_did_not_sign(unsigned, other_key,
                                                                         issuer_key):
    # Names the listed issuer, signed by another key: the registry's name must not appear
    # beside it, whatever else the report says.
    forged = await add_proof(dict(unsigned, validFrom="2026-01-01T00:00:00Z"), key=other_key,
                             loader=StaticLoader(), now=NOW)
    report = await verify(forged, now=NOW,
                          trusted_issuers={issuer_key.controller: "Example University"})
    assert not report.verified
    assert report.check("issuer").code == "issuer_mismatch"
    assert report.check("issuer_trust").outcome.value == "skipped"
    assert report.to_json()["issuerTrusted"] is False
