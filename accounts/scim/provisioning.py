"""
The business steps behind the directory's pushes: users in, users out (deactivated and their
tokens revoked), groups as teams and their members. Called by the SCIM storage, always inside
``acting_as(client)`` so the audit log names the SCIM client as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from scim2_models import InvalidValueException, UniquenessException

from accounts.scim.departments import department_sync
from accounts.scim.models import ScimClient, ScimGroup, ScimUser
from accounts.scim.selectors import manageable_users
from roles.fields import clip_to_field
from roles.models import Team
from roles.services import team_add_members, team_remove_members, user_access_revoke


@dataclass(frozen=True)
class UserValues:
    """What Rolegate keeps of a SCIM User."""

    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    active: bool = True
    external_id: str = ""
    department: str = ""


@dataclass(frozen=True)
class GroupValues:
    """What Rolegate keeps of a SCIM Group: members are user ids (as the directory sent them)."""

    display_name: str
    external_id: str = ""
    member_ids: frozenset[str] = frozenset()


@transaction.atomic
def scim_user_create(*, client: ScimClient, values: UserValues):
    """
    Creates the user (no usable password: they sign in through the company's identity provider
    or an invitation). A user this client deleted earlier comes back under the same account.
    """
    User = get_user_model()
    user = User.objects.filter(username__iexact=values.username).select_related("scim_link").first()
    link = getattr(user, "scim_link", None) if user else None
    if user is not None and (link is None or link.client_id != client.pk or link.deleted_at is None):
        raise UniquenessException(detail=f"userName {values.username!r} is taken")
    if user is None:
        user = User(username=values.username)
        user.set_unusable_password()
        link = ScimUser(user=user, client=client)
    link.deleted_at = None
    return _user_save(user=user, link=link, values=values, created=True)


@transaction.atomic
def scim_user_update(*, client: ScimClient, user, values: UserValues):
    """Updates the user; turning `active` off deactivates them and ends their access now."""
    link = getattr(user, "scim_link", None) or ScimUser(user=user, client=client)
    clash = get_user_model().objects.filter(username__iexact=values.username).exclude(pk=user.pk)
    if clash.exists():
        raise UniquenessException(detail=f"userName {values.username!r} is taken")
    was_active = user.is_active
    user = _user_save(user=user, link=link, values=values, created=False)
    if was_active and not user.is_active:
        user_access_revoke(
            users=get_user_model().objects.filter(pk=user.pk), reason=f"deactivated by the directory ({client.name})"
        )
    return user


@transaction.atomic
def scim_user_delete(*, client: ScimClient, user) -> None:
    """
    The directory deleted the user: they are deactivated (kept for the audit trail), leave the
    directory's teams and lose their access now; to the directory they no longer exist.
    """
    link = getattr(user, "scim_link", None) or ScimUser(user=user, client=client)
    user.is_active = False
    user.save(update_fields=["is_active"])
    link.deleted_at = link.modified_at = timezone.now()
    link.save()
    for team in Team.objects.filter(scim_link__isnull=False, memberships__user=user):
        team_remove_members(team=team, users=get_user_model().objects.filter(pk=user.pk))
    user_access_revoke(
        users=get_user_model().objects.filter(pk=user.pk), reason=f"deleted by the directory ({client.name})"
    )


def _user_save(*, user, link: ScimUser, values: UserValues, created: bool):
    user.username, user.email = values.username, values.email
    user.first_name = clip_to_field(type(user), "first_name", values.first_name)
    user.last_name = clip_to_field(type(user), "last_name", values.last_name)
    user.is_active = values.active
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save()
    link.user, link.external_id = user, values.external_id
    link.department, link.modified_at = values.department, timezone.now()
    link.full_clean(exclude=["user", "client"], validate_unique=False)  # an over-long value: 400, not a 500
    link.save()
    department_sync(user=user, department=values.department, created=created)
    return user


@transaction.atomic
def scim_group_create(*, client: ScimClient, values: GroupValues) -> Team:
    """
    Creates the team for a directory group. A team an admin prepared under the same slug (with
    its roles) and no directory of its own is adopted, so its roles follow the directory's group.
    A client limited to its own users adopts only a team nobody is in yet: adopting a team in use
    would let it rename or delete a team (and its members) it never provisioned.
    """
    slug = slugify(values.display_name)[:90] or "group"
    prepared = Team.objects.filter(slug=slug, scim_link__isnull=True)
    team = (prepared if client.manages_all_users else prepared.filter(memberships__isnull=True)).first()
    if team is None:
        if Team.objects.filter(slug=slug).exists():
            slug = f"{slug}-{Team.objects.filter(slug__startswith=slug).count() + 1}"
        team = Team.objects.create(slug=slug, name=clip_to_field(Team, "name", values.display_name))
    link = ScimGroup(team=team, client=client, external_id=values.external_id)
    link.full_clean(exclude=["team", "client"], validate_unique=False)
    link.save()
    _members_set(client=client, team=team, member_ids=values.member_ids)
    return team


@transaction.atomic
def scim_group_update(*, client: ScimClient, team: Team, values: GroupValues) -> Team:
    """Renames the team and makes its members (among those this client manages) the group's."""
    link = ScimGroup.objects.select_for_update().filter(team=team).first() or ScimGroup(team=team, client=client)
    name = clip_to_field(Team, "name", values.display_name)
    if team.name != name:
        team.name = name
        team.save(update_fields=["name"])
    link.external_id, link.modified_at = values.external_id, timezone.now()
    link.full_clean(exclude=["team", "client"], validate_unique=False)
    link.save()
    _members_set(client=client, team=team, member_ids=values.member_ids, link=link)
    return team


@transaction.atomic
def scim_group_delete(*, client: ScimClient, team: Team) -> None:
    """The directory deleted the group: its members leave the team, then the team goes."""
    link = getattr(team, "scim_link", None)
    members = get_user_model().objects.filter(team_memberships__team=team)
    team_remove_members(
        team=team,
        users=members,
        revoke_access=bool(link and link.revoke_access_on_removal),
        reason=f"group {team.name} deleted by the directory ({client.name})",
    )
    team.delete()


def _members_set(*, client: ScimClient, team: Team, member_ids: frozenset[str], link: ScimGroup | None = None) -> None:
    users = manageable_users(client)
    wanted = {int(value) for value in member_ids if value.isdigit() and len(value) < 19}
    found = set(users.filter(pk__in=wanted).values_list("pk", flat=True))
    if unknown := sorted(member_ids - {str(pk) for pk in found}):
        raise InvalidValueException(detail=f"No such user: {', '.join(unknown[:10])}")
    current = set(team.memberships.filter(user__in=users).values_list("user_id", flat=True))
    if added := found - current:
        team_add_members(team=team, users=get_user_model().objects.filter(pk__in=added))
    if removed := current - found:
        revoke = bool(link and link.revoke_access_on_removal)
        team_remove_members(
            team=team,
            users=get_user_model().objects.filter(pk__in=removed),
            revoke_access=revoke,
            reason=f"removed from group {team.name} by the directory ({client.name})",
        )
