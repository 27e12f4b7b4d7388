"""The client's address, as sign-in lockout and the public form's rate limit see it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind ``PEERWAY_PROXY_COUNT`` trusted proxies the address the outermost one saw.

    Each proxy appends the address it received from to X-Forwarded-For, so with N trusted proxies the
    client's address is the N-th entry from the right; anything left of it could be forged by the client.
    """
    proxies: int = settings.PEERWAY_PROXY_COUNT
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote
