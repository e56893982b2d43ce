"""Print the `-C KEY=VALUE` Briefcase options kept in the top-level briefcase.toml.

``briefcase create linux system $(python -m tracker.ui.briefcase_overrides)``. Values may name
environment variables as ``${NAME}``; an override whose variable is unset is left out, so the
command falls back to Briefcase's own default (the template on GitHub).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path

VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def overrides(path: Path) -> list[str]:
    with path.open("rb") as f:
        table = tomllib.load(f).get("overrides", {})
    out: list[str] = []
    for key, value in table.items():
        if isinstance(value, str):
            names = VAR.findall(value)
            if any(not os.environ.get(n) for n in names):
                continue
            value = VAR.sub(lambda m: os.environ[m.group(1)], value)
        out += ["-C", f"{key}={json.dumps(value)}"]
    return out


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd() / "briefcase.toml"
    print(" ".join(overrides(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
