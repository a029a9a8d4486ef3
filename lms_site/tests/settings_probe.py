"""Settings as a fresh process sees them: the settings modules read the environment once, at import."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def read_in_subprocess(script: str, module: str, env: dict[str, str], drop: Callable[[str], bool]) -> dict:
    """Runs `script` (which prints one JSON line last) under settings `module`, in an environment without the
    variables `drop` picks out of this one (the machine's own DATABASE_URL, say) and with `env` added."""
    clean = {key: value for key, value in os.environ.items() if not drop(key)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])
