"""Role-level access for pages that are not about one object.

A page the user's role may not use answers 404, the same as a page that does not
exist, so the site's shape is not disclosed to people outside the role.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def require_capability(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated or not request.user.has_perm(perm):
                raise Http404("Page not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
