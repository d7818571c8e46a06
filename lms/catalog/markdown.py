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


def _headings_from(html: str, top: int = 2) -> str:
    """Shift headings so the text's top level is <h{top}> (2 by default).

    The page around a lesson owns its only <h1>. Authors start at "#" or at "##";
    either way the outline under the page title must not skip a level.
    """
    levels = [int(level) for _slash, level in _HEADING.findall(html)]
    if not levels:
        return html
    shift = top - min(levels)
    return _HEADING.sub(
        lambda m: f"<{m.group(1)}h{max(1, min(int(m.group(2)) + shift, 6))}>", html)


def render(text: str) -> Markup:
    """Markdown to sanitised HTML: scripts, event handlers and unsafe URLs are removed.

    Its headings start at <h2>; ``headings_from`` moves them under a deeper heading."""
    html = _headings_from(md.markdown(text or "", extensions=_EXTENSIONS))
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def headings_from(html: Markup, top: int) -> Markup:
    """``render``'s output with its top heading at <h{top}>: for a text shown under a
    heading of its own (an announcement under its title), whose outline continues below.

    Only the bare heading tags ``render`` leaves (nh3 keeps no attribute on them) are
    renamed; nothing else changes, so the text stays as sanitised as it was."""
    return Markup(_headings_from(str(html), top))  # noqa: S704 - already sanitised
