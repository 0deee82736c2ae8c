"""Django's `makemessages` with the project's defaults, so that the catalogues hold the app's messages only.

`make messages` runs it for French and German; tests/config/test_catalogues.py extracts the messages the
same way and holds the catalogues to them. Needs GNU gettext (xgettext, msguniq, msgmerge).
"""

from django.core.management.commands import makemessages

# Not the app: the virtualenv, runtime files, the tests, the benchmarks and the docs.
IGNORED = [".venv", "var", "tests", "bench", "docs", "node_modules"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        # A message gone from the code leaves the catalogue: no obsolete (#~) entries pile up.
        options["no_obsolete"] = True
        # Each message names the files that use it, not their line numbers: an edit elsewhere in a file
        # leaves the catalogues alone, and branches that each add messages merge without conflicts.
        options["add_location"] = options["add_location"] or "file"
        super().handle(*args, **options)
