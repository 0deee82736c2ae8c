"""Where one request's time goes: `python bench/profile_request.py /staff/ --as agent [-n 200] [--sort tottime]`.

Runs the request n times in this process through the whole middleware stack (Django's test client,
no network), after a warm-up, under cProfile, and prints the mean wall and CPU time per request, the
queries per request and the functions that cost the most. Run it with the bench database's environment
(docs/performance.md) and DJANGO_DEBUG=false, so that templates are cached as in production.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.tokens import token_issue  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def someone(role: str) -> User:
    if role == "customer":
        # The active account with the most tickets: the worst case of "my tickets".
        customer_id = (
            Ticket.objects.filter(customer__support_status="active")
            .values("customer_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("customer_id", flat=True)
            .first()
        )
        return User.objects.filter(customer_id=customer_id).order_by("id").first()
    return User.objects.filter(role=role, is_active=True).order_by("id").first()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="role", default=Role.AGENT, choices=[r.value for r in Role])
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--no-profile", action="store_true", help="only the times, without cProfile's overhead"
    )
    parser.add_argument("--post", metavar="JSON", help="POST this JSON body instead of a GET (API paths)")
    args = parser.parse_args()

    user = someone(args.role)
    if args.path.startswith("/api/"):
        # As the bench's API clients: a token issued after the second factor, so that staff pass MFA and
        # the token lookup is part of what is measured.
        token = token_issue(user, second_factor=True)[0]
        client = Client(HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    else:
        client = Client(HTTP_ACCEPT="text/html")
        client.force_login(user)

    def request():
        if args.post:
            return client.post(args.path, args.post, content_type="application/json")
        return client.get(args.path)

    for _ in range(20):
        response = request()
    if response.status_code not in (200, 201):
        sys.exit(f"{args.path} answered {response.status_code}: {response.content[:300]!r}")
    with CaptureQueriesContext(connection) as queries:
        request()

    profile = cProfile.Profile()
    wall, cpu = time.perf_counter(), time.process_time()
    if not args.no_profile:
        profile.enable()
    for _ in range(args.n):
        request()
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{args.path} as {args.role}: {len(response.content):,} bytes, {len(queries)} queries, "
        f"{wall / args.n * 1000:.1f} ms wall and {cpu / args.n * 1000:.1f} ms CPU per request"
        f"{'' if args.no_profile else ' (profiled)'}"
    )
    if not args.no_profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
