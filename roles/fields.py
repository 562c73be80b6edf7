"""Values made to fit their database columns."""

from __future__ import annotations

from django.db.models import Model


def clip_to_field(model: type[Model], field_name: str, value: str) -> str:
    """
    `value` cut to the `max_length` of `model.field_name`: for text that comes from outside
    (a directory, a browser, a typed name) and is kept for display, where a shortened value
    beats a refused request. The length is read from the model, never repeated here.
    """
    return value[: model._meta.get_field(field_name).max_length]
