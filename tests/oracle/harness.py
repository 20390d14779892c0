"""The official client 10.51 as a test oracle, in its own directory and its own process.

``ibapi-latest==10.51.1`` installs the module ``ibapi``, like ``ibapi==9.81.1.post1`` in the test
environment, and its licence forbids redistribution: it is installed with ``pip install --target``
into :func:`oracle_dir` (``.ci/run`` does it on a clean machine; the first test session does it
when it is missing) and run only in subprocesses (``driver.py``) with that directory first on
``PYTHONPATH``. Nothing of it is copied into ibwire.

``IBWIRE_ORACLE_DIR`` chooses the directory; ``IBWIRE_REQUIRE_ORACLE=1`` (CI) turns "cannot be
installed" into a failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "ibapi-latest==10.51.1"
DRIVER = Path(__file__).with_name("driver.py")
ROOT = Path(__file__).resolve().parents[2]


def oracle_dir() -> Path:
    return Path(os.environ.get("IBWIRE_ORACLE_DIR") or ROOT / ".oracle" / "ibapi-latest-10.51.1")


def required() -> bool:
    return os.environ.get("IBWIRE_REQUIRE_ORACLE", "") not in ("", "0")


def installed(path: Path) -> bool:
    return (path / "ibapi" / "client.py").is_file() and any(path.glob("ibapi_latest-10.51.1*"))


def install(path: Path) -> str | None:
    """Install the oracle into ``path`` (atomically); None when done, else why it failed."""
    if installed(path):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".install-", dir=path.parent))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "--no-warn-script-location", "--target", str(tmp), PACKAGE],
            capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            return f"pip install {PACKAGE} failed: {(proc.stderr or proc.stdout).strip()[-500:]}"
        if path.exists():
            if installed(path):
                return None  # another session won the race
            shutil.rmtree(path)
        tmp.rename(path)
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        return f"pip install {PACKAGE} failed: {exc}"
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def undecodable(stderr: str) -> list[str]:
    """The lines of an official-client program's stderr that show it could not decode a message
    (the official client logs "diff len fields" or a BadMessage) or failed (a traceback)."""
    return [line for line in stderr.splitlines()
            if "diff len fields" in line or "BadMessage" in line or "Traceback" in line]


class Oracle:
    """Runs batches of driver commands in one subprocess each (see driver.py for the commands)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = dict(os.environ, PYTHONPATH=str(path), PYTHONDONTWRITEBYTECODE="1")
        self.env.pop("PYTHONSTARTUP", None)

    def python_env(self) -> dict[str, str]:
        """Environment in which ``sys.executable`` imports the oracle's ``ibapi``."""
        return dict(self.env)

    def run_app(self, app: Path, *args: object, timeout: float = 300) -> dict[str, Any]:
        """Run the official-client program ``app`` (a script) with ``args`` and the oracle's
        ``ibapi``; check that it exited 0 and logged nothing it could not decode; return its
        report, the JSON object on its last line of output."""
        proc = subprocess.run([sys.executable, str(app), *map(str, args)], capture_output=True,
                              text=True, env=self.env, timeout=timeout)
        assert proc.returncode == 0, proc.stderr[-3000:]
        bad = undecodable(proc.stderr)
        assert not bad, bad
        report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return report

    def run(self, cmds: list[dict[str, Any]]) -> list[dict[str, Any]]:
        proc = subprocess.run([sys.executable, str(DRIVER)], input=json.dumps(cmds),
                              capture_output=True, text=True, env=self.env, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"oracle driver failed: {proc.stderr[-2000:]}")
        out: list[dict[str, Any]] = json.loads(proc.stdout)
        for cmd, res in zip(cmds, out):
            if "failure" in res:
                raise RuntimeError(f"oracle driver failed on {cmd}: {res['failure']}")
        return out
