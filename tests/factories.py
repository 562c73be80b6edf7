import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from oauth2_provider.models import get_application_model

from accounts.models import User
from accounts.redirects import ChatGPTCallbacks
from actions_api.models import Customer, Document, Order, Region
from roles.models import ApiPermission, Role, RoleAssignment, RoleDataScope, Team, TeamMembership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.django.Password("correct horse battery")


class ApiPermissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiPermission
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"things{n}.read")


class RoleFactory(factory.django.DjangoModelFactory):
    """A role; `RoleFactory(permissions=["orders.read"], scopes={"region": ["EMEA"]})`."""

    class Meta:
        model = Role
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda role: role.slug.title())

    @factory.post_generation
    def permissions(role, create, codes, **kwargs):
        for code in codes or []:
            role.permissions.add(ApiPermissionFactory(code=code))

    @factory.post_generation
    def scopes(role, create, scopes, **kwargs):
        for attribute, values in (scopes or {}).items():
            for value in values:
                RoleDataScope.objects.create(role=role, attribute=attribute, value=value)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_application_model()

    name = factory.Sequence(lambda n: f"Connection {n}")
    client_id = factory.Sequence(lambda n: f"client-{n}")
    client_secret = "connection-secret-long-as-a-generated-one"
    client_type = "confidential"
    authorization_grant_type = "authorization-code"
    redirect_uris = "https://app.example.test/callback"
    chatgpt_callbacks = ChatGPTCallbacks.EXACT
    algorithm = "RS256"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    region = Region.EMEA
    country = "Germany"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    reference = factory.Sequence(lambda n: f"ORD-{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    region = factory.LazyAttribute(lambda order: order.customer.region)
    amount = Decimal("120.50")
    placed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Document {n}")
    department = "HR"
    summary = "A document."
    updated_at = factory.LazyFunction(timezone.now)


class TeamFactory(factory.django.DjangoModelFactory):
    """A team; `TeamFactory(members=[alice, bob])`."""

    class Meta:
        model = Team
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda team: team.slug.title())

    @factory.post_generation
    def members(team, create, users, **kwargs):
        for user in users or []:
            TeamMembership.objects.get_or_create(team=team, user=user)
