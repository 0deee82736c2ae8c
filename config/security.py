"""Who is logging in, and from where: the keys of django-axes' login throttling (SEC-07).

The client IP comes from X-Forwarded-For only when the app sits behind a known number of trusted
proxies (DJANGO_TRUSTED_PROXY_COUNT); otherwise that header is the client's own words, and trusting
it would let an attacker pick a fresh "IP" for every guess.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address our own outermost trusted proxy saw, never a client-chosen one."""
    meta = request.META
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        # Each trusted proxy appends the address it received the request from, so the entry that many
        # places from the right was written by our outermost proxy; anything left of it is hearsay.
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    # None when there is no peer at all (force_login builds a bare request); axes stores it as unknown.
    return meta.get("REMOTE_ADDR") or None


def login_username(request, credentials: dict | None) -> str:
    """The e-mail being tried, as the login would match it: case variants are one and the same account."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email")
    if username is None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username") or data.get("email") or ""
    return str(username).strip().lower()[:254]
