"""`manage.py check`: the storage settings name a storage that can work (README, Configuration)."""

from django.conf import settings
from django.core.checks import Error as CheckError
from django.core.checks import register


@register()
def storage_settings_are_complete(app_configs=None, **kwargs):
    errors = []
    if settings.STORAGE_KIND not in ("filesystem", "s3"):
        errors.append(
            CheckError(
                f"DJANGO_STORAGE is {settings.STORAGE_KIND!r}.",
                hint="Use 'filesystem' (MEDIA_ROOT, one machine) or 's3' (an object store every node shares).",
                id="documents.E001",
            )
        )
    if settings.STORAGE_KIND == "s3" and not settings.S3_BUCKET:
        errors.append(
            CheckError(
                "DJANGO_STORAGE is 's3' but DJANGO_S3_BUCKET is not set.",
                hint="Name the (private) bucket that holds attachments and documents.",
                id="documents.E002",
            )
        )
    if settings.S3_DOWNLOADS not in ("stream", "signed-url"):
        errors.append(
            CheckError(
                f"DJANGO_S3_DOWNLOADS is {settings.S3_DOWNLOADS!r}.",
                hint="Use 'stream' (through the app) or 'signed-url' (a redirect to a short-lived signed URL).",
                id="documents.E003",
            )
        )
    if not 1 <= settings.S3_SIGNED_URL_SECONDS <= 3600:
        errors.append(
            CheckError(
                f"DJANGO_S3_SIGNED_URL_SECONDS is {settings.S3_SIGNED_URL_SECONDS}.",
                hint="A signed URL is short-lived: between 1 and 3600 seconds (default 60).",
                id="documents.E004",
            )
        )
    return errors
