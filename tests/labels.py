"""Reading ``# expect: CODE`` labels from fixture and example sources."""

import re

LABEL = re.compile(r"#\s*expect:\s*(?P<codes>PVT\d{3}(?:\s*,\s*PVT\d{3})*)")


def expected(text: str) -> set[tuple[int, str]]:
    out = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = LABEL.search(line)
        if match:
            for code in match.group("codes").split(","):
                out.add((number, code.strip()))
    return out
