"""`manage.py check`: the storage settings name a storage that can work (README, Configuration)."""

from django.conf import settings
from django.core.checks import Error as CheckError
from django.core.checks import register


@register()
def storage_settings_are_complete(app_configs=None, **kwargs):
    errors = _errors_unless_one_of(
        "DJANGO_STORAGE",
        settings.STORAGE_KIND,
        ("filesystem", "s3"),
        hint="Use 'filesystem' (MEDIA_ROOT, one machine) or 's3' (an object store every node shares).",
        check_id="documents.E001",
    )
    if settings.STORAGE_KIND == "s3" and not settings.S3_BUCKET:
        errors.append(
            CheckError(
                "DJANGO_STORAGE is 's3' but DJANGO_S3_BUCKET is not set.",
                hint="Name the (private) bucket that holds attachments and documents.",
                id="documents.E002",
            )
        )
    errors += _errors_unless_one_of(
        "DJANGO_S3_DOWNLOADS",
        settings.S3_DOWNLOADS,
        ("stream", "signed-url"),
        hint="Use 'stream' (through the app) or 'signed-url' (a redirect to a short-lived signed URL).",
        check_id="documents.E003",
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


def _errors_unless_one_of(
    variable: str, value: str, allowed: tuple[str, ...], *, hint: str, check_id: str
) -> list[CheckError]:
    """The error of a variable that names a way of working, when its value is none of the `allowed` ones."""
    if value in allowed:
        return []
    return [CheckError(f"{variable} is {value!r}.", hint=hint, id=check_id)]
