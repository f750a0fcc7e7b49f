"""The mutation corpus reports how many mutations it tried and how many were accepted."""

from __future__ import annotations

from typing import Any

from mutations import TALLIES, Tally


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLIES:
        return
    total = Tally()
    for tally in TALLIES.values():
        total.add(tally)
    write = terminalreporter.write_line
    terminalreporter.section("mutation corpus")
    for name, tally in TALLIES.items():
        write(f"{name}: tried {tally.tried}, accepted {tally.accepted}, "
              f"no-ops {tally.no_ops}, violations {len(tally.violations)}")
    write(f"total: tried {total.tried}, accepted {total.accepted}, no-ops {total.no_ops}, "
          f"violations {len(total.violations)}")
