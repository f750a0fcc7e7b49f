"""For the benchmarks that load a running service: ``vcbadges serve`` in a subprocess, on
a free local port, in a folder of its own (SQLite there), from this checkout's sources."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(folder: Path, port: int, workers: int = 1, *,
                 settings: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start the service; return it and the demo tenant's API key it prints once.

    The service sees none of this process's ``VCBADGES_*`` variables, only those of
    ``settings`` (the database or the number of verify workers, for instance)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCBADGES_")}
    env.update(settings or {})
    env.update(PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""))
    code = "import sys; from vcbadges.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    api_key = None
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not select.select([process.stdout], [], [], 0.5)[0]:
            continue
        line = process.stdout.readline()
        if not line:
            break
        if "API key" in line:
            api_key = line.rsplit(" ", 1)[1].strip()
        if "serving on" in line and api_key is not None:
            return process, api_key
    process.kill()
    raise SystemExit("the service did not start")
