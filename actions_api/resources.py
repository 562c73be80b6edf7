"""
How business rows travel in and out of spreadsheets (CSV and Excel) through the admin.

Built on django-import-export: every import is previewed as a dry run first (new, updated and
unchanged rows, and each invalid row with its error), and nothing is written until the admin
confirms. Rows are matched by their natural key, so importing the same file twice changes nothing.
Each row is validated like a form would (``full_clean``): a region that does not exist is an error
on that row, not a silent new region. Exports neutralise spreadsheet formulas
(``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from actions_api.models import Customer, Document, Order


class ExistingRowWidget(widgets.ForeignKeyWidget):
    """A reference by name; one that names no row is that row's error, saying what to import first."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            noun = self.model._meta.verbose_name
            raise ValueError(f"No {noun} with the {self.field} {value!r}: import or add that {noun} first.") from None


class BusinessRowResource(resources.ModelResource):
    """The import rules every scoped model shares; a company's own model subclasses it (docs/ROLES.md)."""

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class CustomerResource(BusinessRowResource):
    class Meta(BusinessRowResource.Meta):
        model = Customer
        import_id_fields = ["name"]
        fields = ["name", "region", "country", "email"]


class OrderResource(BusinessRowResource):
    """An order names its customer; its region is always the customer's (the column is exported, not read)."""

    customer = fields.Field(
        attribute="customer", column_name="customer", widget=ExistingRowWidget(Customer, field="name")
    )
    region = fields.Field(attribute="region", column_name="region", readonly=True)

    class Meta(BusinessRowResource.Meta):
        model = Order
        import_id_fields = ["reference"]
        fields = ["reference", "customer", "region", "amount", "currency", "status", "placed_at"]

    def import_instance(self, instance: Order, row, **kwargs) -> None:
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            if instance.customer_id is not None:
                instance.region = instance.customer.region  # before full_clean, which requires it

    def validate_instance(self, instance: Order, import_validation_errors=None, validate_unique=True) -> None:
        """An unknown customer is the row's error; the region it would have given is not a second one."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict({})
            if "customer" in errors:
                errors.pop("region", None)
            raise ValidationError(errors) from None


class DocumentResource(BusinessRowResource):
    class Meta(BusinessRowResource.Meta):
        model = Document
        import_id_fields = ["title"]
        fields = ["title", "department", "summary", "updated_at"]
