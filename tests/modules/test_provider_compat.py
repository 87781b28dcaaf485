"""The modules accept hashicorp/aws 5.88 and later, so they read only attributes that 6 keeps.

hashicorp/aws 6 deprecates `name` of the `aws_region` data source in favour of `region`, which the
5.x schema (5.100 here) lacks; `id` holds the region's name in both. A module that read `name`
would print a deprecation warning on every plan for users of provider 6.
"""

from __future__ import annotations

import re

from planhelpers import EXAMPLES, MODULES

REGION_NAME = re.compile(r"data\.aws_region\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.name\b")


def test_no_module_or_example_reads_the_deprecated_region_name() -> None:
    offenders = [
        f"{path.relative_to(MODULES.parent)}:{number}"
        for root in (MODULES, EXAMPLES)
        for path in sorted(root.rglob("*.tf"))
        if ".terraform" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if REGION_NAME.search(line)
    ]
    assert offenders == [], "read data.aws_region.<name>.id instead of .name"
