"""A realistic sample badge, for ``vcbadges quickstart``, the README and the benchmarks."""

from __future__ import annotations

from datetime import datetime

from vcbadges.credentials.obv3 import (
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Criteria,
    Evidence,
    Image,
    Profile,
    Result,
    ResultDescription,
)
from vcbadges.primitives.dates import utcnow

__all__ = ["sample_badge"]


def sample_badge(
    *, issuer: str, subject: str, valid_from: datetime | None = None
) -> AchievementCredential:
    """An Open Badge with an issuer profile, an achievement with criteria and an image,
    one piece of evidence and one result."""
    achievement_id = "https://badges.example.edu/achievements/data-literacy-101"
    rubric = f"{achievement_id}#grade"
    return AchievementCredential(
        issuer=Profile(id=issuer, name="Example University", url="https://example.edu"),
        name="Data Literacy 101",
        credential_subject=AchievementSubject(
            id=subject,
            achievement=Achievement(
                id=achievement_id,
                name="Data Literacy 101",
                description="Reads, questions and explains quantitative evidence.",
                criteria=Criteria(narrative="Passed the final assessment with a grade of B or better."),
                image=Image(id="https://badges.example.edu/images/data-literacy-101.png"),
                achievement_type="Course",
                result_description=[
                    ResultDescription(id=rubric, name="Final grade", result_type="LetterGrade")
                ],
                tag=["data", "statistics"],
            ),
            result=[Result(result_description=rubric, value="A")],
        ),
        evidence=[Evidence(id="https://badges.example.edu/evidence/4711",
                           name="Final project", narrative="An analysis of city bike usage.")],
        valid_from=valid_from or utcnow(),
    )
