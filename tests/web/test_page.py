"""The index page (exporter/web/page.py): the template filled in, every value escaped."""

from __future__ import annotations

from exporter.web.page import render_index


def test_the_page_has_no_placeholder_left_and_names_the_version() -> None:
    page = render_index("1.2.3", [], "run make vendor")
    assert '<span class="version">v1.2.3</span>' in page
    assert "$" not in page and "{{" not in page and "{%" not in page
    assert 'id="assets-missing"' not in page
    assert page.startswith("<!doctype html>") and page.endswith("</html>")  # the final newline dropped, as Jinja did


def test_missing_assets_are_named_on_the_page() -> None:
    page = render_index("1", ["uPlot.esm.js", "uPlot.min.css"], "run `make vendor`")
    assert ('<div id="assets-missing" class="conn-lost" role="alert">This installation lacks the page\'s\n'
            "chart library (uPlot.esm.js, uPlot.min.css), so no charts can be drawn. To fix: run `make vendor`.</div>"
            ) in page


def test_every_value_is_escaped() -> None:
    page = render_index('1<script>"', ["<img src=x onerror=alert(1)>"], "a & b <b>")
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "v1&lt;script&gt;&quot;" in page and "a &amp; b &lt;b&gt;" in page
