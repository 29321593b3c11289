"""The index page: exporter/web/templates/index.html with its few values filled in, rendered once per app.

A `string.Template` (stdlib) rather than a template engine: the page is static HTML and
JavaScript fetches everything else, so all it takes is the version and, on an installation
that lacks the chart library, a notice naming the missing files. Every value goes through
`html.escape`. The output is what the Jinja2 template rendered: Jinja dropped the file's
final newline (keep_trailing_newline off), so it is dropped here too.
"""

from __future__ import annotations

import html
from importlib import resources
from string import Template

MISSING = ('<div id="assets-missing" class="conn-lost" role="alert">This installation lacks the page\'s\n'
           'chart library ({names}), so no charts can be drawn. To fix: {how_to_fix}.</div>')


def render_index(version: str, missing_assets: list[str], how_to_fix: str) -> str:
    text = resources.files("exporter.web").joinpath("templates/index.html").read_text(encoding="utf-8")
    notice = ""
    if missing_assets:
        notice = MISSING.format(names=", ".join(html.escape(n) for n in missing_assets),
                                how_to_fix=html.escape(how_to_fix))
    page = Template(text).substitute(version=html.escape(version), assets_missing=notice)
    return page.removesuffix("\n")
