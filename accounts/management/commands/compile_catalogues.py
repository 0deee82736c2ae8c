"""Compile locale/*/LC_MESSAGES/*.po into .mo files in pure Python (polib): no GNU gettext needed."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the message catalogues (.po → .mo) without msgfmt; `make install` runs it."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                # A fuzzy entry is a guess awaiting review; gettext's msgfmt leaves them out too.
                for entry in catalogue.fuzzy_entries():
                    catalogue.remove(entry)
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                self.stdout.write(f"{po_path}: {len(catalogue.translated_entries())} messages")
        self.stdout.write(f"{compiled} catalogue(s) compiled")
