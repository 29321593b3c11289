"""/metrics?collect[]=cpu&collect[]=meminfo and exclude[]=: node_exporter's per-scrape collector selection.

Names are node_exporter's collector names (the collector table); the selection
filters the families of the one latest Reading, it never collects again. An
unknown name, a collector this configuration does not run, or both parameters
at once are 400s naming the problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exporter.host.collectors import BY_NAME
from exporter.web.errors import ApiError
from exporter.web.params import check_query, shown

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

COLLECT, EXCLUDE = "collect[]", "exclude[]"


def collector_selection(request: Request, enabled: tuple[str, ...]) -> frozenset[str] | None:
    """The collectors whose families this scrape gets, or None for all of them."""
    check_query(request, COLLECT, EXCLUDE, repeatable=(COLLECT, EXCLUDE))
    if not request.args:
        return None
    collect, exclude = request.args.getlist(COLLECT), request.args.getlist(EXCLUDE)
    if not collect and not exclude:
        return None
    if collect and exclude:
        raise ApiError(400, "collect[] and exclude[] cannot be combined")
    for name in (*collect, *exclude):
        if name not in BY_NAME:
            raise ApiError(400, f"unknown collector: {shown(name)}")
        if name not in enabled:
            raise ApiError(400, f"collector not enabled: {name}")
    if collect:
        return frozenset(collect)
    return frozenset(enabled) - frozenset(exclude)
