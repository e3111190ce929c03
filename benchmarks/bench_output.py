"""What every benchmark does last: write its numbers as JSON under benchmarks/results/ and say where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_results(path: Path, data: Any) -> None:
    """``data`` as indented JSON at ``path`` (its folder made when missing), and a line saying so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
