"""
The demo deployment of DESIGN §5: users, roles, a GPT connection and business data.

Idempotent: every row is found by its natural key and brought to the demo state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.models import get_application_model

from accounts.models import default_scopes
from accounts.redirects import ChatGPTCallbacks
from actions_api.models import Customer, Document, Order, Region
from roles.models import ApiPermission, Role, RoleAssignment, RoleDataScope

DEMO_PASSWORD = "rolegate-demo"
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "rolegate-admin"
DEMO_CLIENT_ID, DEMO_CLIENT_SECRET = "demo-gpt", "demo-gpt-secret"

PERMISSIONS = {
    "customers.read": "List and read customers",
    "orders.read": "List and read orders, amounts included",
    "documents.read": "List and read documents",
}
# slug -> (name, permissions, {attribute: values})
ROLES = {
    "sales-emea": ("Sales EMEA", ["customers.read", "orders.read"], {"region": ["EMEA"]}),
    "sales-amer": ("Sales Americas", ["customers.read", "orders.read"], {"region": ["AMER"]}),
    "finance": ("Finance", ["orders.read"], {"region": ["*"]}),
    "hr": ("Human resources", ["documents.read"], {"department": ["HR"]}),
}
# username -> (first name, last name, roles)
USERS = {
    "alice": ("Alice", "Andersen", ["sales-emea"]),
    "bob": ("Bob", "Brown", ["sales-amer"]),
    "carol": ("Carol", "Chen", ["finance"]),
    "erin": ("Erin", "Evans", ["hr"]),
    "dave": ("Dave", "Dubois", []),
}
CUSTOMERS = {
    Region.EMEA: [
        ("Aurora Logistics", "Germany"),
        ("Brightwell Foods", "France"),
        ("Cobalt Marine", "Norway"),
        ("Delta Pharma", "Italy"),
        ("Elmstone Retail", "United Kingdom"),
    ],
    Region.AMER: [
        ("Fairview Energy", "United States"),
        ("Granite Works", "Canada"),
        ("Harbor Textiles", "Brazil"),
        ("Ironclad Tools", "Mexico"),
        ("Juniper Health", "United States"),
    ],
    Region.APAC: [
        ("Kestrel Electronics", "Japan"),
        ("Lotus Hospitality", "Thailand"),
        ("Meridian Mining", "Australia"),
        ("Nimbus Software", "Singapore"),
        ("Orchid Apparel", "Vietnam"),
    ],
}
CURRENCIES = {Region.EMEA: "EUR", Region.AMER: "USD", Region.APAC: "USD"}
ORDERS_PER_CUSTOMER = 4
DOCUMENTS = {
    "HR": ["Parental leave policy", "Salary bands 2026", "Onboarding checklist"],
    "Finance": ["Quarterly close calendar", "Expense policy", "Revenue recognition memo"],
    "Sales": ["Discount approval matrix", "EMEA pricing sheet", "Partner programme"],
    "Engineering": ["Incident runbook", "Architecture overview", "On-call rota"],
}
EPOCH = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@transaction.atomic
def seed_demo(*, progress: Callable[[str], None] = lambda message: None) -> None:
    progress("roles and permissions")
    roles = _seed_roles()
    progress("users")
    _seed_users(roles)
    progress("demo GPT connection")
    seed_demo_connection()
    progress("customers, orders and documents")
    _seed_business_data()


# ---------------------------------------------------------------- the steps (the bench seeds with them too)
def seed_role(*, slug: str, name: str, permissions: Iterable[str], data_scopes: Mapping[str, Iterable[str]]) -> Role:
    """A role with exactly these permissions (created when missing) and data scopes."""
    role, _ = Role.objects.update_or_create(slug=slug, defaults={"name": name})
    role.permissions.set([ApiPermission.objects.get_or_create(code=code)[0] for code in permissions])
    role.data_scopes.all().delete()
    RoleDataScope.objects.bulk_create(
        RoleDataScope(role=role, attribute=attribute, value=value)
        for attribute, values in data_scopes.items()
        for value in values
    )
    return role


def seed_user(
    username: str,
    *,
    first_name: str,
    last_name: str,
    email: str,
    roles: Iterable[Role] = (),
    password: str | None = None,
    granted_by=None,
):
    """An active user holding exactly `roles` directly; the password is set when given."""
    user, _ = get_user_model().objects.update_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": email, "is_active": True},
    )
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    roles = list(roles)
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        RoleAssignment.objects.get_or_create(user=user, role=role, defaults={"granted_by": granted_by})
    return user


def seed_connection(
    *, client_id: str, client_secret: str, name: str, redirect_uris: str = "", chatgpt_callbacks: str = ""
):
    """
    A confidential connection as a GPT uses it (authorization code, PKCE optional, RS256 ID
    tokens, the default scopes), in exactly this state; its secret is stored hashed, as every
    connection's is.
    """
    Application = get_application_model()
    connection, _ = Application.objects.update_or_create(
        client_id=client_id,
        defaults={
            "name": name,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "client_secret": client_secret,
            "hash_client_secret": True,
            "redirect_uris": redirect_uris,
            "chatgpt_callbacks": chatgpt_callbacks or ChatGPTCallbacks.EXACT,
            "require_pkce": False,
            "default_scopes": default_scopes(),
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": False,
        },
    )
    return connection


def _seed_roles() -> dict[str, Role]:
    for code, description in PERMISSIONS.items():
        ApiPermission.objects.update_or_create(code=code, defaults={"description": description})
    return {
        slug: seed_role(slug=slug, name=name, permissions=codes, data_scopes=scopes)
        for slug, (name, codes, scopes) in ROLES.items()
    }


def _seed_users(roles: dict[str, Role]) -> None:
    admin, _ = get_user_model().objects.get_or_create(username=ADMIN_USERNAME)
    admin.is_staff = admin.is_superuser = True
    admin.email = "admin@rolegate.example"
    admin.set_password(ADMIN_PASSWORD)
    admin.save()
    for username, (first_name, last_name, role_slugs) in USERS.items():
        seed_user(
            username,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@rolegate.example",
            roles=[roles[slug] for slug in role_slugs],
            password=DEMO_PASSWORD,
            granted_by=admin,
        )


def seed_demo_connection():
    return seed_connection(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        name="Demo GPT",
        chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT,
    )


def _seed_business_data() -> None:
    sequence = 0
    for region, customers in CUSTOMERS.items():
        for index, (name, country) in enumerate(customers):
            customer, _ = Customer.objects.update_or_create(
                name=name,
                defaults={
                    "region": region,
                    "country": country,
                    "email": f"buyer{index + 1}@{name.split()[0].lower()}.example",
                },
            )
            for number in range(1, ORDERS_PER_CUSTOMER + 1):
                sequence += 1
                Order.objects.update_or_create(
                    reference=f"{region}-{index + 1:02d}{number:02d}",
                    defaults={
                        "customer": customer,
                        "region": region,
                        "amount": Decimal(1000 + (sequence * 7919) % 90000) / 4,
                        "currency": CURRENCIES[region],
                        "status": list(Order.Status)[sequence % len(Order.Status)],
                        "placed_at": EPOCH + dt.timedelta(days=sequence * 3, hours=sequence % 9),
                    },
                )
    for department, titles in DOCUMENTS.items():
        for index, title in enumerate(titles):
            Document.objects.update_or_create(
                title=title,
                defaults={
                    "department": department,
                    "summary": f"{title}: the {department} team's current version.",
                    "updated_at": EPOCH + dt.timedelta(days=30 * index),
                },
            )
