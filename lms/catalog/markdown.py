"""Lesson Markdown to HTML that is safe to show: authors are trusted, browsers are not."""

from __future__ import annotations

import markdown as md
import nh3
from markupsafe import Markup

_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "abbr": {"title"},
}
_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]
# The page around a lesson owns its only <h1>: an author's "# Heading" becomes an <h2>,
# so headings stay in order. (toc also adds ids; nh3 drops them, which keeps page ids
# unique when several lessons share a page.)
_EXTENSION_CONFIGS = {"toc": {"baselevel": 2}}


def render(text: str) -> Markup:
    """Markdown to sanitised HTML: scripts, event handlers and unsafe URLs are removed."""
    html = md.markdown(text or "", extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
