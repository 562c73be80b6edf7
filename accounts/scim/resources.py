"""Rolegate's users and teams as SCIM resources (scim2-models objects), and back."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Email,
    EnterpriseUser,
    Group,
    GroupMember,
    Meta,
    Name,
    ResourceType,
    ScimProvider,
    User,
)

from accounts.scim.provisioning import GroupValues, UserValues

PROVIDER_MODELS = [User, EnterpriseUser, Group]
RESOURCE_TYPES = [ResourceType.from_resource(User[EnterpriseUser]), ResourceType.from_resource(Group)]


def version_of(*values: Any) -> str:
    """A weak ETag that changes whenever what the resource shows changes (RFC 7644 §3.14)."""
    return 'W/"' + hashlib.sha256(repr(values).encode()).hexdigest()[:20] + '"'


def user_resource(provider: ScimProvider, user) -> User:
    """The SCIM User of `user` (its link, if any, is `user.scim_link`, preloaded by the caller)."""
    link = getattr(user, "scim_link", None)
    external_id, department = (link.external_id, link.department) if link else ("", "")
    modified = link.modified_at if link else user.date_joined
    model = provider.model_for("User")
    resource = model(
        id=str(user.pk),
        external_id=external_id or None,
        user_name=user.username,
        name=Name(
            given_name=user.first_name or None,
            family_name=user.last_name or None,
            formatted=user.get_full_name() or None,
        ),
        display_name=user.get_full_name() or user.username,
        emails=_emails(user.email),
        active=user.is_active,
        meta=Meta(
            resource_type="User",
            created=user.date_joined,
            last_modified=modified,
            version=version_of(
                user.username, user.email, user.first_name, user.last_name, user.is_active, external_id, department
            ),
        ),
    )
    if department:
        resource[EnterpriseUser] = EnterpriseUser(department=department)
    return resource


def _emails(address: str) -> list[Email] | None:
    """The user's email, left out if SCIM would refuse it (an admin may have typed a reserved domain)."""
    if not address:
        return None
    try:
        return [Email(value=address, type="work", primary=True)]
    except ValidationError:
        return None


def group_resource(provider: ScimProvider, team, members: list[tuple[int, str]], *, show_members: bool = True) -> Group:
    """The SCIM Group of `team` with `members` (user id, username), left out when the response would drop them."""
    link = getattr(team, "scim_link", None)
    external_id = link.external_id if link else ""
    model = provider.model_for("Group")
    return model(
        id=str(team.pk),
        external_id=external_id or None,
        display_name=team.name,
        members=[GroupMember(value=str(pk), display=username, ref=f"Users/{pk}") for pk, username in members]
        if members and show_members
        else None,
        meta=Meta(
            resource_type="Group",
            created=link.created_at if link else None,
            last_modified=link.modified_at if link else None,
            version=version_of(team.name, external_id, sorted(pk for pk, _ in members)),
        ),
    )


def user_values(resource: User) -> UserValues:
    """What Rolegate keeps of a SCIM User: the primary (else the first) email, names, department."""
    emails = [email for email in resource.emails or [] if email.value]
    email = next((e for e in emails if e.primary), emails[0] if emails else None)
    name = resource.name or Name()
    enterprise = resource[EnterpriseUser]
    return UserValues(
        username=resource.user_name or "",
        email=str(email.value) if email else "",
        first_name=name.given_name or "",
        last_name=name.family_name or "",
        active=True if resource.active is None else bool(resource.active),
        external_id=resource.external_id or "",
        department=(enterprise.department or "") if enterprise else "",
    )


def group_values(resource: Group) -> GroupValues:
    """What Rolegate keeps of a SCIM Group."""
    return GroupValues(
        display_name=resource.display_name or "",
        external_id=resource.external_id or "",
        member_ids=frozenset(member.value for member in resource.members or [] if member.value),
    )
