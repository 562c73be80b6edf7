"""
scim2-server's storage interface over Rolegate's models: Users are ``accounts.User`` rows,
Groups are ``roles.Team`` rows. Reads are scoped to what the client may manage; writes go
through :mod:`accounts.scim.provisioning`. Every search is a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from scim2_models import (
    InvalidValueException,
    NotFoundException,
    NotImplementedException,
    PreconditionFailedException,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimProvider,
    SearchRequest,
    UniquenessException,
)
from scim2_server.storage import ScimStorage, SearchPage

from accounts.scim import provisioning
from accounts.scim.filters import CORE_GROUP, CORE_USER, GROUP_COLUMNS, USER_COLUMNS, to_query
from accounts.scim.models import ScimClient
from accounts.scim.resources import group_resource, group_values, user_resource, user_values
from accounts.scim.selectors import manageable_teams, manageable_users
from roles.models import TeamMembership


def _is_id(resource_id: str) -> bool:
    return resource_id.isdigit() and len(resource_id) < 19


def _invalid_values(error: ValidationError) -> InvalidValueException:
    fields = getattr(error, "message_dict", {"value": error.messages})
    return InvalidValueException(detail="; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()))


class DjangoStorage(ScimStorage):
    """The storage of one request: it acts for `client` and sees only what that client may manage."""

    def __init__(self, provider: ScimProvider, client: ScimClient):
        self.provider = provider
        self.client = client

    def operation(self):
        return transaction.atomic()

    # -- reads ------------------------------------------------------------------------------

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        if resource_type.name == "User":
            return user_resource(self.provider, self._user(resource_id))
        return self._group_resources([self._team(resource_id)], response_parameters)[0]

    def search(
        self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *, position: Any = None
    ) -> SearchPage:
        if len(resource_types) != 1:
            raise NotImplementedException(detail="Search Users or Groups, not the server root")
        is_user = resource_types[0].name == "User"
        rows = self._users() if is_user else manageable_teams(self.client).select_related("scim_link")
        if search_request.filter is not None:
            condition = to_query(
                search_request.filter.ast,
                columns=USER_COLUMNS if is_user else GROUP_COLUMNS,
                core_schema=CORE_USER if is_user else CORE_GROUP,
            )
            rows = rows.filter(pk__in=rows.model.objects.filter(condition).values("pk"))
        count = search_request.count
        total = rows.count()
        start = min(search_request.start_index_0 or 0, total)  # past the end: an empty page, not an overflow
        page = list(rows.order_by("pk")[start : start + count]) if count else []
        if is_user:
            resources = [user_resource(self.provider, user) for user in page]
        else:
            resources = self._group_resources(page, search_request)
        return SearchPage(total=total, resources=resources)

    # -- writes -----------------------------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        try:
            if resource_type.name == "User":
                user = provisioning.scim_user_create(client=self.client, values=user_values(resource))
                return self.get(resource_type, str(user.pk))
            team = provisioning.scim_group_create(client=self.client, values=group_values(resource))
            return self.get(resource_type, str(team.pk))
        except ValidationError as error:
            raise _invalid_values(error) from None
        except IntegrityError:  # a concurrent request took the same userName first
            raise UniquenessException(detail="A unique value is taken") from None

    def update(
        self, resource_type: ResourceType, resource: Resource[Any], *, expected_version: str | None = None
    ) -> Resource[Any]:
        self._check_version(resource_type, str(resource.id), expected_version)
        try:
            if resource_type.name == "User":
                provisioning.scim_user_update(
                    client=self.client, user=self._user(str(resource.id)), values=user_values(resource)
                )
            else:
                provisioning.scim_group_update(
                    client=self.client, team=self._team(str(resource.id)), values=group_values(resource)
                )
        except ValidationError as error:
            raise _invalid_values(error) from None
        except IntegrityError:
            raise UniquenessException(detail="A unique value is taken") from None
        return self.get(resource_type, str(resource.id))

    def delete(self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None) -> None:
        self._check_version(resource_type, resource_id, expected_version)
        if resource_type.name == "User":
            provisioning.scim_user_delete(client=self.client, user=self._user(resource_id))
        else:
            provisioning.scim_group_delete(client=self.client, team=self._team(resource_id))

    # -- helpers ----------------------------------------------------------------------------

    def _users(self):
        return manageable_users(self.client).select_related("scim_link")

    def _user(self, resource_id: str):
        user = self._users().filter(pk=resource_id).first() if _is_id(resource_id) else None
        if user is None:
            raise NotFoundException(detail=f"User {resource_id} not found")
        return user

    def _team(self, resource_id: str):
        teams = manageable_teams(self.client).select_related("scim_link")
        team = teams.filter(pk=resource_id).first() if _is_id(resource_id) else None
        if team is None:
            raise NotFoundException(detail=f"Group {resource_id} not found")
        return team

    def _check_version(self, resource_type: ResourceType, resource_id: str, expected: str | None) -> None:
        if expected is not None and self.get(resource_type, resource_id).meta.version != expected:
            raise PreconditionFailedException(detail="The resource changed since that version")

    def _group_resources(self, teams: list, parameters) -> list[Resource[Any]]:
        """Groups with their members (those this client manages), in one query for the whole page."""
        members: dict[int, list[tuple[int, str]]] = {team.pk: [] for team in teams}
        rows = TeamMembership.objects.filter(team__in=teams, user__in=manageable_users(self.client))
        for team_id, user_id, username in rows.order_by("user_id").values_list("team_id", "user_id", "user__username"):
            members[team_id].append((user_id, username))
        excluded = {str(path).casefold() for path in getattr(parameters, "excluded_attributes", None) or ()}
        show = not any(path.endswith("members") for path in excluded)
        return [group_resource(self.provider, team, members[team.pk], show_members=show) for team in teams]
