"""Lesson Markdown: what authors need survives, what attacks browsers does not."""

from __future__ import annotations

from lms.catalog.markdown import render


def test_scripts_are_removed_with_their_content():
    html = render("Before\n\n<script>alert('x')</script>\n\nAfter")
    assert "<script" not in html
    assert "alert" not in html
    assert "Before" in html and "After" in html


def test_event_handlers_are_removed():
    html = render('<img src="x.png" alt="diagram" onerror="alert(1)">\n\n'
                  '<p onclick="steal()">Click</p>')
    assert "onerror" not in html and "onclick" not in html
    assert "alert" not in html and "steal" not in html
    assert 'alt="diagram"' in html


def test_javascript_links_lose_their_target():
    html = render("[click me](javascript:alert(1)) and <a href=\"JavaScript:evil()\">raw</a>")
    assert "javascript" not in html.lower()
    assert "click me" in html and "raw" in html


def test_style_iframes_and_forms_are_removed():
    html = render('<iframe src="https://evil.example"></iframe>'
                  '<form action="https://evil.example"><input name="p"></form>'
                  '<span style="position:fixed">styled</span>')
    assert "<iframe" not in html and "<form" not in html and "<input" not in html
    assert "style=" not in html
    assert "styled" in html


def test_a_lesson_starting_at_level_two_keeps_its_outline_from_h2():
    html = str(render("## Legality\n\nText.\n\n### Necessity\n\nMore."))
    assert "<h2>Legality</h2>" in html
    assert "<h3>Necessity</h3>" in html


def test_headings_lists_tables_and_links_survive():
    text = (
        "# Objectives\n\n"
        "## Details\n\n"
        "- first\n- second\n\n"
        "1. one\n2. two\n\n"
        "| Drug | Effect |\n|------|--------|\n| A | B |\n\n"
        "See [the CICAD site](https://www.oas.org/cicad) or **write** to "
        "<mailto:info@example.org>.\n\n"
        "```\ncode block\n```\n"
    )
    html = render(text)
    # The page owns the <h1>: a lesson's headings start at <h2>.
    assert "<h2>Objectives</h2>" in html
    assert "<h3>Details</h3>" in html
    assert "<ul>" in html and "<li>first</li>" in html
    assert "<ol>" in html and "<li>one</li>" in html
    assert "<table>" in html and "<th>Drug</th>" in html and "<td>A</td>" in html
    assert '<a href="https://www.oas.org/cicad" rel="noopener noreferrer">the CICAD site</a>' \
        in html
    assert "<strong>write</strong>" in html
    assert "mailto:" in html
    assert "<pre><code>code block" in html


def test_empty_body_renders_nothing():
    assert str(render("")) == ""
