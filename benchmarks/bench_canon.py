"""How fast is our RDFC-1.0, and how fast does it refuse a poison graph?

Run ``python benchmarks/bench_canon.py`` from the repository root. It prints
canonicalizations per second for a typical small credential dataset (15 quads, one blank
node), a larger one (60 quads, five blank nodes with distinct first-degree hashes), a
dataset that needs Hash N-Degree Quads, and, when ``../shared/vectors/rdfc-1.0`` exists,
the hardest accepted suite test (test044) and the time to refuse test074 (the poison clique).
Timings are the best of several repeats, so that other load on the machine counts less.
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vcbadges.errors import CanonicalizationError  # noqa: E402
from vcbadges.jsonld.canon import DEFAULT_MAX_WORK, Quad, canonicalize, parse_nquads  # noqa: E402

SUITE = ROOT.parent / "shared" / "vectors" / "rdfc-1.0" / "rdfc10"

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
CRED = "https://www.w3.org/2018/credentials#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
ISSUER = "<did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK>"
ACHIEVEMENT = "<https://example.com/achievements/21st-century-skills/teamwork>"


def small_credential() -> list[Quad]:
    """An Open Badges 3.0 credential without its proof: 15 quads, the subject a blank node."""
    text = f"""
<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002> {RDF_TYPE} <{CRED}VerifiableCredential> .
<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002> {RDF_TYPE} <{OB}OpenBadgeCredential> .
<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002> <https://schema.org/name> "Teamwork Badge" .
<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002> <{CRED}issuer> {ISSUER} .
<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002> <{CRED}validFrom> "2024-01-01T00:00:00Z"^^<{XSD}dateTime> .
<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002> <{CRED}credentialSubject> _:b0 .
_:b0 {RDF_TYPE} <{OB}AchievementSubject> .
_:b0 <{OB}achievement> {ACHIEVEMENT} .
{ACHIEVEMENT} {RDF_TYPE} <{OB}Achievement> .
{ACHIEVEMENT} <https://schema.org/name> "Teamwork" .
{ACHIEVEMENT} <https://schema.org/description> "This badge recognizes the development of the capacity to collaborate within a group environment." .
{ACHIEVEMENT} <{OB}criteria> <https://example.com/achievements/21st-century-skills/teamwork/criteria> .
<https://example.com/achievements/21st-century-skills/teamwork/criteria> <{OB}narrative> "Team members are nominated for this badge by their peers and recognized upon review by Example Corp management." .
{ISSUER} {RDF_TYPE} <{OB}Profile> .
{ISSUER} <https://schema.org/name> "Example Corp" .
"""
    quads = parse_nquads(text)
    assert len(quads) == 15
    return quads


def larger_credential() -> list[Quad]:
    """60 quads and five blank nodes (subject, result, evidence, image, alignment), all told
    apart by their first-degree hashes, as in a credential with results and evidence."""
    quads = small_credential()
    extra: list[Quad] = [
        ("_:b0", f"<{OB}result>", "_:r", ""),
        ("_:r", RDF_TYPE, f"<{OB}Result>", ""),
        ("_:r", f"<{OB}value>", '"A"', ""),
        ("_:r", f"<{OB}status>", '"Completed"', ""),
        ("<urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002>", f"<{OB}evidence>", "_:e", ""),
        ("_:e", RDF_TYPE, f"<{OB}Evidence>", ""),
        ("_:e", "<https://schema.org/name>", '"Project report"', ""),
        ("_:e", f"<{OB}narrative>", '"Led a team of five\\nfor six weeks."', ""),
        (ACHIEVEMENT, f"<{OB}image>", "_:i", ""),
        ("_:i", RDF_TYPE, f"<{OB}Image>", ""),
        ("_:i", "<https://schema.org/caption>", '"Teamwork badge image"', ""),
        (ACHIEVEMENT, f"<{OB}alignment>", "_:a", ""),
        ("_:a", RDF_TYPE, f"<{OB}Alignment>", ""),
        ("_:a", f"<{OB}targetName>", '"Collaboration"', ""),
        ("_:a", f"<{OB}targetUrl>", f'"https://example.com/framework/collab"^^<{XSD}anyURI>', ""),
    ]
    for i in range(60 - len(quads) - len(extra)):
        extra.append((ACHIEVEMENT, f"<{OB}tag>", f'"tag {i}"', ""))
    quads += extra
    assert len(quads) == 60
    return quads


def symmetric_dataset() -> list[Quad]:
    """Two achievements with identical, unidentified alignments: Hash N-Degree Quads runs."""
    quads: list[Quad] = []
    for n, alignment in (("1", "_:x"), ("2", "_:y")):
        quads += [
            (f"<urn:ex:achievement{n}>", f"<{OB}alignment>", alignment, ""),
            (alignment, RDF_TYPE, f"<{OB}Alignment>", ""),
            (alignment, f"<{OB}targetName>", '"Collaboration"', ""),
        ]
    quads.append(("_:x", "<urn:ex:sameAs>", "_:y", ""))
    quads.append(("_:y", "<urn:ex:sameAs>", "_:x", ""))
    return quads


def rate(label: str, function: Callable[[], object]) -> None:
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=number)) / number
    print(f"{label:<58} {1 / best:>10,.0f} /s   {best * 1e6:>9.1f} µs")


def refusal(label: str, quads: list[Quad]) -> None:
    def attempt() -> None:
        try:
            canonicalize(quads)
        except CanonicalizationError:
            return
        raise AssertionError(f"{label} was accepted")

    best = min(timeit.repeat(attempt, repeat=5, number=1))
    print(f"{label:<58} {'refused in':>10} {best * 1e3:>9.1f} ms")


def main() -> None:
    print(f"RDFC-1.0 canonicalization (DEFAULT_MAX_WORK = {DEFAULT_MAX_WORK:,} steps)")
    rate("small credential: 15 quads, 1 blank node", lambda q=small_credential(): canonicalize(q))
    rate("larger credential: 60 quads, 5 blank nodes", lambda q=larger_credential(): canonicalize(q))
    rate("symmetric: 8 quads, 2 blank nodes with one shared hash", lambda q=symmetric_dataset(): canonicalize(q))
    if SUITE.is_dir():
        evil = parse_nquads((SUITE / "test044-in.nq").read_text(encoding="utf-8"))
        rate("suite test044 (poison, accepted): 36 quads, 12 blank nodes", lambda: canonicalize(evil))
        clique = parse_nquads((SUITE / "test074-in.nq").read_text(encoding="utf-8"))
        refusal("suite test074 (poison clique): 100 quads, 10 blank nodes", clique)
    else:
        print(f"(no RDFC-1.0 suite at {SUITE}: test044 and test074 skipped)")


if __name__ == "__main__":
    main()
