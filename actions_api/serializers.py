from rest_framework import serializers

from actions_api.models import Customer, Document, Order


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "region", "country", "email"]


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Order
        fields = ["id", "reference", "region", "customer", "customer_name", "amount", "currency", "status", "placed_at"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "title", "department", "summary", "updated_at"]


class MeSerializer(serializers.Serializer):
    """The caller's identity and claims exactly as the API read them from the token."""

    sub = serializers.CharField()
    preferred_username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    client_id = serializers.CharField()
    scope = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(child=serializers.CharField())
    data_scopes = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    expires_at = serializers.IntegerField(source="exp")
