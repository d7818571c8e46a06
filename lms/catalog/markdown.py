"""Lesson Markdown to HTML that is safe to show: authors are trusted, browsers are not."""

from __future__ import annotations

import re

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
_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _headings_from_h2(html: str) -> str:
    """Shift headings so the lesson's top level is <h2>.

    The page around a lesson owns its only <h1>. Authors start at "#" or at "##";
    either way the outline under the page title must not skip a level.
    """
    levels = [int(level) for _slash, level in _HEADING.findall(html)]
    if not levels:
        return html
    shift = 2 - min(levels)
    return _HEADING.sub(
        lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}>", html)


def render(text: str) -> Markup:
    """Markdown to sanitised HTML: scripts, event handlers and unsafe URLs are removed."""
    html = _headings_from_h2(md.markdown(text or "", extensions=_EXTENSIONS))
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
