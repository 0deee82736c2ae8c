"""The WSGI app the benchmark serves: the real `config.wsgi:application`, plus a count of SQL queries.

Each response gets an `X-Bench-Queries` header with the number of SQL statements the request ran, read by
bench/wrk.lua. It is a wrapper rather than a middleware so that nothing in the app's settings differs
between the benchmark and production; gunicorn's sync workers serve one request per process at a time,
so one counter per process is exact.
"""

from django.db import connection

from config.wsgi import application as django_application


class _Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


def application(environ, start_response):
    counter = _Counter()

    def counted_start_response(status, headers, exc_info=None):
        # Django calls this once the view has run, so every query of the request is counted by now.
        headers.append(("X-Bench-Queries", str(counter.queries)))
        return start_response(status, headers, exc_info)

    with connection.execute_wrapper(counter):
        return django_application(environ, counted_start_response)
