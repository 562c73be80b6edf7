"""
The Actions API's operations as MCP tools, for ChatGPT apps and Claude connectors.

Nothing here decides access: each tool reads a collection of ``actions_api.catalog`` (the
same model, serializer, required permission and row scoping as the REST API) with the
claims of the token that ``actions_api.mcp.endpoint`` verified for this request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from asgiref.sync import sync_to_async
from django.core.paginator import EmptyPage, Paginator
from django.db import close_old_connections
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from actions_api.call_log import tool_call_record
from actions_api.catalog import COLLECTIONS, NOT_VISIBLE, Collection
from actions_api.pagination import RowsPagination
from actions_api.permissions import permission_missing
from actions_api.request_ids import current_request_id
from actions_api.serializers import MeSerializer
from actions_api.throttling import throttle_wait
from actions_api.token_verification import VerifiedToken

#: Where actions_api.mcp.endpoint leaves the verified token in the ASGI scope.
TOKEN_SCOPE_KEY = "rolegate.token"
READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)

Page = Annotated[int, Field(ge=1, description="1 for the first page.")]
PageSize = Annotated[int, Field(ge=1, le=RowsPagination.max_page_size, description="Rows per page.")]

server = MCPServer(
    "Rolegate",
    instructions=(
        "Business data of the signed-in user's company: customers, orders and documents, limited to "
        "what that user's roles allow. Call whoami first to see their roles and data scopes; a list "
        "that is empty or a call refused for a missing permission is expected for some users."
    ),
)


def caller(ctx: Context) -> VerifiedToken:
    """The token this request carried, as actions_api.mcp.endpoint verified it."""
    return ctx.request_context.request.scope[TOKEN_SCOPE_KEY]


@sync_to_async
def _in_django(read: Callable[[], Any]) -> Any:
    """Runs ORM work off the event loop, on a connection Django keeps healthy."""
    close_old_connections()
    try:
        return read()
    finally:
        close_old_connections()


class CallRefused(ToolError):
    """A tool call refused as the REST API would refuse the request: its status and error code."""

    def __init__(self, message: str, *, status: int, error: str) -> None:
        super().__init__(message)
        self.status, self.error = status, error


async def _metered(
    ctx: Context, tool: str, arguments: Mapping[str, Any], run: Callable[[VerifiedToken], Awaitable[dict]]
) -> dict[str, Any]:
    """Runs a tool call under the caller's REST rate limits, and records it in the Action-call log."""
    token, started = caller(ctx), time.monotonic()
    outcome = {"status": 200, "rows": None, "error": "", "reason": ""}
    try:
        wait = await sync_to_async(throttle_wait)(token)
        if wait is not None:
            raise CallRefused(
                f"Request was throttled. Expected available in {math.ceil(wait)} seconds.",
                status=429,
                error="throttled",
            )
        result = await run(token)
        outcome["rows"] = len(result["results"]) if "results" in result else (1 if "id" in result else None)
        return result
    except CallRefused as refused:
        outcome.update(status=refused.status, error=refused.error, reason=str(refused))
        raise
    finally:
        # In memory, no query: the log's flusher writes it (actions_api.call_log).
        tool_call_record(
            tool=tool,
            arguments=arguments,
            token=token,
            duration_ms=round((time.monotonic() - started) * 1000),
            request_id=current_request_id(),
            **outcome,
        )


async def whoami(ctx: Context) -> dict[str, Any]:
    """Who the token says you are, and the roles, permissions and data scopes it carries."""

    async def run(token: VerifiedToken) -> dict[str, Any]:
        return dict(MeSerializer(dict(token.payload)).data)

    return await _metered(ctx, "whoami", {}, run)


def _readable(collection: Collection, token: VerifiedToken) -> None:
    if not token.claims.has_permission(collection.required_permission):
        raise CallRefused(
            permission_missing(collection.required_permission), status=403, error="insufficient_permission"
        )


def _list_tool(collection: Collection):
    async def list_rows(ctx: Context, page: Page = 1, page_size: PageSize = RowsPagination.page_size) -> dict[str, Any]:
        async def run(token: VerifiedToken) -> dict[str, Any]:
            _readable(collection, token)
            return await _in_django(lambda: read(token, page, page_size))

        return await _metered(ctx, f"list_{collection.name}", {"page": page, "page_size": page_size}, run)

    def read(token: VerifiedToken, page: int, page_size: int) -> dict[str, Any]:
        paginator = Paginator(collection.visible_rows(token.claims), page_size)
        try:
            rows = paginator.page(page)
        except EmptyPage:
            raise CallRefused(
                f"There is no page {page}; there are {paginator.num_pages}.", status=404, error="not_found"
            ) from None
        return {
            "count": paginator.count,
            "page": page,
            "next_page": page + 1 if rows.has_next() else None,
            "results": collection.serializer_class(rows.object_list, many=True).data,
        }

    return list_rows


def _get_tool(collection: Collection):
    async def get_row(ctx: Context, id: int) -> dict[str, Any]:
        async def run(token: VerifiedToken) -> dict[str, Any]:
            _readable(collection, token)
            return await _in_django(lambda: read(token, id))

        return await _metered(ctx, f"get_{collection.noun}", {"id": id}, run)

    def read(token: VerifiedToken, id: int) -> dict[str, Any]:
        try:
            row = collection.visible_rows(token.claims).get(pk=id)
        except collection.model.DoesNotExist:
            raise CallRefused(NOT_VISIBLE, status=404, error="not_found") from None
        return dict(collection.serializer_class(row).data)

    return get_row


server.add_tool(whoami, name="whoami", title="Who am I", annotations=READ_ONLY)
for _collection in COLLECTIONS:
    _scope_note = (
        f"Only {_collection.name} whose {_collection.scoped_by} your roles allow are visible; "
        f"needs the permission {_collection.required_permission}."
    )
    server.add_tool(
        _list_tool(_collection),
        name=f"list_{_collection.name}",
        title=f"List {_collection.name}",
        description=f"Lists {_collection.name}, a page at a time. {_scope_note}",
        annotations=READ_ONLY,
    )
    server.add_tool(
        _get_tool(_collection),
        name=f"get_{_collection.noun}",
        title=f"Get one {_collection.noun}",
        description=f"Returns one {_collection.noun} by its id. {_scope_note}",
        annotations=READ_ONLY,
    )
