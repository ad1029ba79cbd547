"""Where a rule's documentation and concept section live on the web (one place to change)."""

PROJECT_URL = "https://github.com/pvt-lint/pvt-lint"
DOCS_URL = f"{PROJECT_URL}/blob/main/docs"


def rule_url(code: str) -> str:
    return f"{DOCS_URL}/rules/{code}.md"


def concept_url(anchor: str) -> str:
    return f"{DOCS_URL}/concepts.md#{anchor}"
