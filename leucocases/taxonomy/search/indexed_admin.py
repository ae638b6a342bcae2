"""The admin's part in keeping the search index in step: refresh what a save or a delete touched."""

from collections import defaultdict
from collections.abc import Collection

from .index import search_index_refresh_many


class SearchIndexedAdmin:
    """ModelAdmin mixin. Subclasses say which entries an object's text feeds (``search_index_changes``)
    and which inline models are indexed themselves (``search_indexed_inlines``: model → kind)."""

    search_indexed_inlines: dict = {}

    def search_index_changes(self, obj) -> dict[str, Collection[int]]:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        # Rows an inline deletes lose their ids when deleted: note them first.
        doomed: dict[str, set[int]] = defaultdict(set)
        for formset in formsets:
            kind = self.search_indexed_inlines.get(formset.model)
            if kind:
                doomed[kind].update(f.instance.pk for f in formset.deleted_forms if f.instance.pk)
        super().save_related(request, form, formsets, change)
        search_index_refresh_many(_merged(self.search_index_changes(form.instance), doomed))

    def delete_model(self, request, obj):
        changes = self.search_index_changes(obj)
        super().delete_model(request, obj)
        search_index_refresh_many(changes)

    def delete_queryset(self, request, queryset):
        changes: dict[str, set[int]] = defaultdict(set)
        for obj in queryset:
            changes = _merged(changes, self.search_index_changes(obj))
        super().delete_queryset(request, queryset)
        search_index_refresh_many(changes)


def _merged(*changes: dict[str, Collection[int]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        for kind, ids in change.items():
            out[kind].update(ids)
    return dict(out)
