"""Where the reference data beside the repository lives (../shared), for the vector tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
VECTORS = SHARED / "vectors"


def need_shared(path: Path) -> Path:
    """Return ``path`` or skip the calling test when the shared reference data is absent."""
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    return path
