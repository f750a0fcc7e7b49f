"""The interop tests that run the service use the web tests' helpers (a service on a real
port, tenants, offers); their folder is put on the import path as pytest does for them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))
