"""Code blocks of the docs, by name, for the tests that run, plan or parse them.

A block is named by an HTML comment on the line before its opening fence:

    <!-- snippet: retry-on-refused-login -->
    ```python
    ...
    ```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(
    r"^<!-- snippet: (?P<name>[a-z0-9-]+) -->\n```(?P<language>[a-z]+)\n(?P<code>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Snippet:
    name: str
    language: str
    code: str


def snippets(path: Path) -> dict[str, Snippet]:
    """Every named block of the page, in page order."""
    found: dict[str, Snippet] = {}
    for match in _BLOCK.finditer(path.read_text()):
        name = match["name"]
        assert name not in found, f"{path}: two blocks are named {name}"
        found[name] = Snippet(name, match["language"], match["code"])
    return found


def snippet(path: Path, name: str) -> Snippet:
    found = snippets(path)
    assert name in found, f"{path} has no block named {name} (named: {sorted(found)})"
    return found[name]
