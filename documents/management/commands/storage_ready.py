"""`python manage.py storage_ready [--create-bucket]`: the default storage answers, and holds what it is given.

Run once at deployment, after `migrate` (the compose file's `migrate` service does): with DJANGO_STORAGE=s3 it
creates the bucket if asked and it is missing (private: no ACL, no policy is set), then writes a probe
object, reads it back and deletes it; with the file system it does the same in MEDIA_ROOT. Exit status 1
with the reason when the storage cannot be used.
"""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check that the default storage (file system or S3 bucket) can store and read files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-bucket", action="store_true", help="create the S3 bucket if it does not exist (private)"
        )

    def handle(self, *args, create_bucket=False, **options):
        if settings.STORAGE_KIND == "s3":
            self._bucket(create=create_bucket)
            where = f"bucket {settings.S3_BUCKET}" + (
                f" at {settings.S3_ENDPOINT_URL}" if settings.S3_ENDPOINT_URL else ""
            )
        else:
            where = str(settings.MEDIA_ROOT)
        name = f"probes/{uuid.uuid4().hex}"
        try:
            saved = default_storage.save(name, ContentFile(b"incident-desk storage probe"))
            with default_storage.open(saved, "rb") as handle:
                read = handle.read()
            default_storage.delete(saved)
        except Exception as exc:  # noqa: BLE001 - any failure is the answer, with its reason
            raise CommandError(f"the storage ({where}) cannot be used: {exc}") from exc
        if read != b"incident-desk storage probe":
            raise CommandError(f"the storage ({where}) returned other bytes than it was given")
        self.stdout.write(f"storage ready: {where}")

    def _bucket(self, *, create: bool) -> None:
        from botocore.exceptions import ClientError

        client = default_storage.connection.meta.client  # type: ignore[attr-defined]
        try:
            client.head_bucket(Bucket=settings.S3_BUCKET)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket") or not create:
                raise CommandError(f"bucket {settings.S3_BUCKET}: {exc}") from exc
        region = client.meta.region_name
        options = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        client.create_bucket(Bucket=settings.S3_BUCKET, **options)
        self.stdout.write(f"bucket {settings.S3_BUCKET} created (private)")
