"""
The deployable: Django for every path, except the MCP endpoint that the MCP SDK serves.

Run it with an ASGI server (``uvicorn portal.asgi:application``); the WSGI app in
``portal.wsgi`` serves everything but ``/mcp``.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_application = get_asgi_application()

from actions_api.checks import ensure_cache_works  # noqa: E402  (needs Django set up)
from actions_api.mcp.endpoint import MCP_PATH, mcp_application  # noqa: E402

ensure_cache_works()

mcp = mcp_application()


async def application(scope, receive, send):
    if scope["type"] == "lifespan" or (scope["type"] == "http" and scope["path"] == MCP_PATH):
        await mcp(scope, receive, send)
    else:
        await django_application(scope, receive, send)
