from roles.audit.context import acting_as


class AuditActorMiddleware:
    """Makes the signed-in user (an admin, usually) the actor of every change made in the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Lazy: `request.user` is loaded only if something is actually audited.
        with acting_as(lambda: getattr(request, "user", None)):
            return self.get_response(request)
