"""The mutation corpus: every forged variant of every signed specimen, verified.

A verifier that says ``verified`` for a changed document must have been handed something that
means what the issuer signed. So for every mutation the verifier accepts, the signed
statements (canonical N-Quads, or the JCS form, or the JWT payload) and the values a reader
takes from the JSON (dates, status entries, issuer, subjects, types, endorsements, proof times,
holder, signer) must both equal the specimen's, and the report must rest on checks that
passed. ``verify()`` must never raise, whatever the mutation.
"""

from __future__ import annotations

import pytest
from mutations import (
    SPECIMEN_NAMES,
    TALLIES,
    Tally,
    assert_fails_closed,
    judge,
    mutations_of,
    world,
)

from vcbadges import verify

SHOWN = 25


@pytest.mark.parametrize("name", SPECIMEN_NAMES)
async def test_the_unmutated_specimen_verifies_on_checks_that_passed(name: str) -> None:
    """Without this the corpus would prove nothing: every mutation would fail for free."""
    built = await world()
    specimen = built.specimens[name]
    report = await verify(specimen.document, **built.options(specimen))
    assert report.verified, report.to_json()
    assert_fails_closed(report)


@pytest.mark.parametrize("name", SPECIMEN_NAMES)
async def test_no_mutation_is_accepted_unless_it_means_what_was_signed(name: str) -> None:
    """Each accepted mutation is a forgery unless it reads exactly like the original."""
    built = await world()
    specimen = built.specimens[name]
    options = built.options(specimen)
    tally = Tally()
    for mutation in await mutations_of(specimen, built):
        await judge(specimen, mutation, verify, options, tally)
    TALLIES[name] = tally
    print(f"\n{name}: {tally.tried} mutations tried, {tally.accepted} accepted, "
          f"{tally.no_ops} of them no-ops, {len(tally.violations)} violations")
    shown = "\n".join(tally.violations[:SHOWN])
    more = len(tally.violations) - SHOWN
    assert not tally.violations, f"{len(tally.violations)} violations:\n{shown}" + (
        f"\n... and {more} more" if more > 0 else "")
