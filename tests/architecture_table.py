"""The URL-to-code table of ARCHITECTURE.md, built from the application's URL map.

``python -m tests.architecture_table`` prints it; tests/test_architecture.py checks
that the document holds exactly these rows.
"""

from __future__ import annotations


def rows() -> list[str]:
    from lms import create_app

    app = create_app(LMS_ENV="testing", LMS_DATABASE_URL="sqlite://")
    found: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        module = app.view_functions[rule.endpoint].__module__
        if module.startswith("lms."):
            found.add((rule.rule, module.replace(".", "/") + ".py"))
    return [f"| `{url}` | `{path}` |" for url, path in sorted(found)]


if __name__ == "__main__":
    print("\n".join(rows()))
