"""
Federated sign-in's business steps.

An IdP identity becomes a Rolegate user by (IdP, subject) only. A first sign-in creates the
user (just in time), or links an existing account with the same email when the IdP vouches
for the email and the admin allowed linking for that IdP. Every sign-in then aligns the user's
teams with the IdP's groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.federation.models import EmailDomain, IdentityProvider
from accounts.federation.selectors import email_domain
from roles.audit.models import AuditEvent
from roles.audit.services import audit_record
from roles.models import Team, TeamMembership


class SignInRefused(Exception):
    """A federated sign-in Rolegate refuses; `reason` picks the explanation shown to the user."""

    def __init__(self, reason: str, *, email: str = "") -> None:
        super().__init__(reason)
        self.reason, self.email = reason, email


@dataclass(frozen=True)
class TeamSync:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def identity_provider_create(
    *,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: list[str],
    groups_claim: str = "groups",
) -> IdentityProvider:
    """Adds an OpenID Connect IdP for the given email domains (ValidationError when a value is wrong)."""
    provider = IdentityProvider(
        name=name,
        slug=_free_slug(name),
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret=client_secret,
        groups_claim=groups_claim,
    )
    provider.full_clean()
    with transaction.atomic():
        provider.save()
        for domain in domains:
            row = EmailDomain(identity_provider=provider, domain=domain.strip().lower().lstrip("@"))
            row.full_clean(exclude=["identity_provider"])
            row.save()
    return provider


def _free_slug(name: str) -> str:
    base = slugify(name)[:40] or "idp"
    slug, number = base, 1
    while IdentityProvider.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def federated_claims(sociallogin) -> dict:
    """Everything the IdP said about the user: ID token claims, overridden by userinfo's."""
    data = sociallogin.account.extra_data or {}
    if "id_token" in data or "userinfo" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return dict(data)


def federated_user_resolve(*, identity_provider: IdentityProvider, sociallogin, request):
    """
    The Rolegate user of this IdP identity: the linked one, a linked existing account, or a new
    one. Raises SignInRefused (nothing created or linked) for a deactivated user or an email
    that belongs to an account this IdP may not claim.
    """
    if sociallogin.is_existing:
        user = sociallogin.user
    else:
        user = _link_or_create(identity_provider=identity_provider, sociallogin=sociallogin, request=request)
    if not user.is_active:
        raise SignInRefused("deactivated", email=user.email)
    return user


def _link_or_create(*, identity_provider, sociallogin, request):
    email = (sociallogin.user.email or "").strip()
    existing = list(get_user_model().objects.filter(email__iexact=email)[:2]) if email else []
    owner = IdentityProvider.objects.owning_domain(email_domain(email)) if email else None
    if owner is not None and owner.pk != identity_provider.pk:
        raise SignInRefused("foreign_domain", email=email)  # another company's IdP speaks for that domain
    if not existing:
        return _create_user(sociallogin=sociallogin, request=request)
    if not _may_link(identity_provider, email, existing):
        raise SignInRefused("email_in_use", email=email)
    verified = any(
        address.verified and address.email.lower() == email.lower() for address in sociallogin.email_addresses
    )
    if not verified:
        raise SignInRefused("email_unverified", email=email)
    user = existing[0]
    if not user.is_active:
        raise SignInRefused("deactivated", email=email)
    sociallogin.connect(request, user)
    audit_record(
        action=AuditEvent.Action.UPDATED,
        target=user,
        actor=None,
        details={"identity_provider": identity_provider.slug, "linked_by_verified_email": email},
    )
    return user


def _may_link(identity_provider: IdentityProvider, email: str, existing: list) -> bool:
    """
    Linking by email only for an IdP allowed to, for an email of one of its own domains (any IdP
    can call any address verified), and never onto a staff or superuser account.
    """
    own_domains = {domain.lower() for domain in identity_provider.domains.values_list("domain", flat=True)}
    return (
        identity_provider.allow_email_linking
        and len(existing) == 1
        and email_domain(email) in own_domains
        and not (existing[0].is_staff or existing[0].is_superuser)
    )


def _create_user(*, sociallogin, request):
    """Just-in-time account: names and email from the IdP, a free username, no Rolegate password."""
    user = sociallogin.user
    claims = federated_claims(sociallogin)
    user.username = get_account_adapter(request).generate_unique_username(
        [claims.get("preferred_username") or "", user.email or "", user.first_name, "user"]
    )
    user.set_unusable_password()
    sociallogin.save(request)
    return user


def group_values(claims: dict, claim: str) -> list[str]:
    """The IdP's group values from `claim`: a list of strings or a single string."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def team_memberships_sync(*, user, identity_provider: IdentityProvider, groups: list[str]) -> TeamSync:
    """
    Makes the user a member of exactly the teams their mapped groups grant, among the teams this
    IdP manages (teams mapped from its groups); other teams are the admin's and stay untouched.
    """
    managed = {mapping.team_id for mapping in identity_provider.group_mappings.all()}
    wanted = {team.pk for team in identity_provider.teams_for(groups)}
    current = set(TeamMembership.objects.filter(user=user, team_id__in=managed).values_list("team_id", flat=True))
    with transaction.atomic():
        for team_id in wanted - current:
            TeamMembership.objects.create(team_id=team_id, user=user)
        for membership in TeamMembership.objects.filter(user=user, team_id__in=current - wanted):
            membership.delete()  # one by one: each removal is audited like an admin's
    sync = TeamSync(
        added=sorted(Team.objects.filter(pk__in=wanted - current).values_list("slug", flat=True)),
        removed=sorted(Team.objects.filter(pk__in=current - wanted).values_list("slug", flat=True)),
    )
    if sync.added or sync.removed:
        audit_record(
            action=AuditEvent.Action.UPDATED,
            target=user,
            actor=None,
            details={
                "identity_provider": identity_provider.slug,
                "teams_added": sync.added,
                "teams_removed": sync.removed,
            },
        )
    return sync


def federated_sign_in_failed(*, identity_provider: IdentityProvider | None, reason: str, detail: str = "") -> None:
    """Audits a refused or failed federated sign-in (never with the IdP's raw answer: it may hold tokens)."""
    audit_record(
        action=AuditEvent.Action.SIGN_IN_FAILED,
        actor=None,
        target_type="accounts.identityprovider",
        target_id=str(identity_provider.pk) if identity_provider else "",
        target_label=str(identity_provider or "unknown identity provider"),
        details={"reason": reason, **({"detail": detail} if detail else {})},
    )


def federated_sign_in_outlived(*, user) -> bool:
    """
    Whether a federated user's last sign-in at their IdP is older than its max age: their
    refresh tokens are then refused, so the IdP (groups, offboarding) is asked again.
    A user without an IdP identity is never affected; one whose IdP was removed always is.
    """
    identities = list(SocialAccount.objects.filter(user=user).values_list("provider", "last_login"))
    if not identities:
        return False
    max_ages = dict(
        IdentityProvider.objects.active()
        .filter(slug__in=[provider for provider, _ in identities])
        .values_list("slug", "sign_in_max_age")
    )
    now = timezone.now()
    return not any(
        provider in max_ages and now - last_login <= max_ages[provider] for provider, last_login in identities
    )
