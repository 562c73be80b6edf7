"""Admin forms of roles/ that do more than a ModelForm: data scopes chosen from the data."""

from __future__ import annotations

from django import forms

from roles.models import ALL_VALUES, RoleDataScope
from roles.scope_values import scope_attributes, scope_value_matches, scope_values


class ScopeValueInput(forms.TextInput):
    """A text box whose suggestions (a <datalist>: no script) are the values present in the data."""

    template_name = "admin/roles/scope_value_input.html"
    offered: dict[str, list[str]] = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = f"{context['widget']['attrs']['id']}-values"
        context["offered"] = [(ALL_VALUES, "every value")] + [
            (one, attribute) for attribute, values in self.offered.items() for one in values
        ]
        return context


class RoleDataScopeForm(forms.ModelForm):
    """
    `attribute` is one a scoped model is filtered by; `value` is offered from the data (`*` for all).
    A value that matches no row is refused unless the admin ticks "keep anyway": a typo such as
    ``NORDICS`` would otherwise silently grant nothing.
    """

    keep_unmatched = forms.BooleanField(
        required=False, label="keep anyway", help_text="Keep a value that no row has (yet)."
    )

    class Meta:
        model = RoleDataScope
        fields = ["attribute", "value", "keep_unmatched"]
        widgets = {"value": ScopeValueInput(attrs={"autocomplete": "off", "placeholder": "e.g. EMEA, or * for all"})}

    def __init__(self, *args, offered: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].widget.offered = offered or {}
        known = scope_attributes()
        current = self.initial.get("attribute")
        choices = [("", "---------"), *((name, name) for name in known)]
        if current and current not in known:
            choices.append((current, f"{current} (no model is scoped by it)"))
        self.fields["attribute"] = forms.ChoiceField(choices=choices, label="attribute")
        self.fields["value"].help_text = f"A value present in the data, or {ALL_VALUES} for every value."

    def clean(self):
        data = super().clean()
        attribute, value = data.get("attribute"), (data.get("value") or "").strip()
        if attribute and value and not data.get("keep_unmatched") and not scope_value_matches(attribute, value):
            offered = ", ".join(scope_values(attribute, limit=10)) or "none yet"
            self.add_error(
                "value",
                (
                    f"No row has {attribute} = {value}, so this grants nothing (values in the data: {offered}). "
                    "Check the spelling, or tick \u201ckeep anyway\u201d to keep it."
                ),
            )
        return data


class RoleDataScopeFormSet(forms.BaseInlineFormSet):
    """Reads the values present in the data once per page, for every row's suggestions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = {attribute: scope_values(attribute) for attribute in scope_attributes()}

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "offered": self.offered}
