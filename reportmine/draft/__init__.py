"""Progress-report drafts in which every number cites its source.

``draft_from_store(store, scope, options)`` → ``Draft``; ``render(draft, "json"|"md"|"docx")``
→ bytes. Aggregation rules: ``aggregate``; wording: ``corpora/templates/draft``.
"""

from __future__ import annotations

from reportmine.draft.build import Draft, DraftOptions, build_draft
# imported here so that the name ``render`` is the function, not the submodule
from reportmine.draft.render import render


def draft_from_store(store, scope=None, options: DraftOptions | None = None) -> Draft:
    """Draft from the facts ``scope`` may see in ``store`` (the year asked for, or the
    latest year stored, and the year before it for the comparison)."""
    from reportmine.draft.source import from_store, latest_year

    options = options or DraftOptions()
    year = options.year if options.year is not None else latest_year(store, scope)
    years = [year - 1, year] if year is not None else None
    inp = from_store(store, scope, years=years, orgs=options.orgs, categories=options.categories,
                     max_facts=options.max_facts)
    if options.year is None and year is not None:
        options = DraftOptions(year=year, orgs=options.orgs, categories=options.categories,
                               federation=options.federation, max_facts=options.max_facts)
    return build_draft(inp, options)


__all__ = ["Draft", "DraftOptions", "build_draft", "draft_from_store", "render"]
