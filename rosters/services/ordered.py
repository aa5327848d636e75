"""Lists kept in order (a person's contact rules, a rotation's people, a policy's steps),
written place by place."""

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model


def write_in_order(
    *, rows: Sequence[Model], wanted: Sequence[dict[str, Any]], new: Callable[..., Model]
) -> bool:
    """Make `rows` (as stored, in order) hold `wanted`, one place at a time: a place whose
    values differ is updated, places beyond the stored ones are created with `new(**values)`,
    stored rows beyond the wanted ones are deleted. `position` is the place. Row by row rather
    than in bulk, so that the audit log says what changed at which place ("step 2: wait 5m ->
    10m") instead of "all deleted, all created". Returns whether anything changed."""
    changed = False
    for place, values in enumerate(wanted):
        values = {**values, "position": place}
        if place >= len(rows):
            new(**values).save()
            changed = True
            continue
        row = rows[place]
        dirty = [name for name, value in values.items() if getattr(row, name) != value]
        for name in dirty:
            setattr(row, name, values[name])
        if dirty:
            row.save(update_fields=dirty)
            changed = True
    for row in rows[len(wanted) :]:
        row.delete()
        changed = True
    return changed
