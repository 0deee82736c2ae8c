"""Stored files in an S3-compatible object store (DJANGO_STORAGE=s3), against a real S3 API: moto's server
mode, started by these tests on a free port of 127.0.0.1 and stopped after them (tests/reliability/nodes.py).

Attachments and the PDFs of issued documents are objects of a private bucket; nothing of them is written
on the node's disk; they are served only after the permission check, streamed through the app or through
a short-lived signed URL; a document's bytes are checked against the digest recorded at its issue.
"""

import hashlib
import io
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from billing.models import Invoice
from documents.models import StoredDocument
from documents.store import StoredDocumentCorrupt, stored_document_bytes
from tests.conftest import api_for
from tests.portals import browser, incident
from tests.reliability import nodes
from tests.workflow import API, diagnosed
from tickets.models import Attachment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(nodes.missing(haproxy=False) is not None, reason=str(nodes.missing(haproxy=False))),
]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with nodes.s3_server(tmp_path_factory.mktemp("s3"), bucket="desk-files") as server:
        yield server


@pytest.fixture
def on_s3(s3, settings, tmp_path):
    """The app's storage is the S3 server's bucket, as DJANGO_STORAGE=s3 and its settings make it."""
    settings.MEDIA_ROOT = tmp_path / "media"  # must stay empty
    settings.STORAGE_KIND = "s3"
    settings.S3_BUCKET = s3.bucket
    settings.S3_ENDPOINT_URL = s3.url
    settings.S3_DOWNLOADS = "stream"
    settings.S3_SIGNED_URL_SECONDS = 45
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3.bucket,
                "endpoint_url": s3.url,
                "region_name": nodes.S3_REGION,
                "access_key": nodes.S3_KEY_ID,
                "secret_key": nodes.S3_SECRET,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 45,
                "file_overwrite": False,
            },
        },
    }
    return s3


def _attach(customer, content=PNG, name="screen.png") -> Attachment:
    ticket = incident(customer)
    response = browser(customer).post(
        reverse("customer:tickets:message", args=[ticket.pk]),
        {"body": "see the file", "attachment": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content[:500]
    return Attachment.objects.get(ticket=ticket)


def _public_grants(s3, key: str) -> list[dict]:
    grants = s3.client().get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
    return [g for g in grants if "URI" in g["Grantee"]]  # AllUsers, AuthenticatedUsers: none


def test_an_attachment_is_a_private_object_of_the_bucket_and_nothing_on_the_nodes_disk(
    on_s3, customer, settings
):
    attachment = _attach(customer)

    assert attachment.file.name in on_s3.keys("attachments/")
    stored = on_s3.client().get_object(Bucket=on_s3.bucket, Key=attachment.file.name)["Body"].read()
    assert stored == PNG
    assert _public_grants(on_s3, attachment.file.name) == []
    assert not settings.MEDIA_ROOT.exists() or nodes.files_under(settings.MEDIA_ROOT) == []


def test_an_attachment_is_streamed_to_those_who_see_its_ticket_only(on_s3, customer, other_customer, agent):
    attachment = _attach(customer)
    url_of = {
        customer: reverse("customer:tickets:attachment", args=[attachment.pk]),
        agent: reverse("staff:tickets:attachment", args=[attachment.pk]),
        other_customer: reverse("customer:tickets:attachment", args=[attachment.pk]),
    }

    for user in (customer, agent):
        download = browser(user).get(url_of[user])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PNG
        assert download["Content-Length"] == str(len(PNG))
        assert download["Content-Disposition"] == 'attachment; filename="screen.png"'
        assert download["Content-Type"] == "image/png"
        assert download["Cache-Control"] == "private, no-store"
        assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert download["X-Content-Type-Options"] == "nosniff"
    assert browser(other_customer).get(url_of[other_customer]).status_code == 404
    assert browser(None).get(url_of[customer]).status_code == 302  # to the login page


def test_an_object_missing_from_the_bucket_is_a_404(on_s3, customer):
    attachment = _attach(customer)
    on_s3.client().delete_object(Bucket=on_s3.bucket, Key=attachment.file.name)

    response = browser(customer).get(reverse("customer:tickets:attachment", args=[attachment.pk]))
    assert response.status_code == 404


def test_signed_url_downloads_redirect_after_the_check_to_a_short_lived_url(
    on_s3, settings, customer, other_customer
):
    settings.S3_DOWNLOADS = "signed-url"
    attachment = _attach(customer, content=b"line one\nline two\n", name="boot.log")
    url = reverse("customer:tickets:attachment", args=[attachment.pk])

    assert browser(other_customer).get(url).status_code == 404  # no URL for someone who may not see it
    answer = browser(customer).get(url)
    assert answer.status_code == 302
    assert answer["Cache-Control"] == "private, no-store" and answer["Referrer-Policy"] == "no-referrer"
    location = answer["Location"]
    assert location.startswith(f"{on_s3.url}/{on_s3.bucket}/{attachment.file.name}?")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["45"]
    assert query["response-content-disposition"] == ['attachment; filename="boot.log"']

    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 - the signed http://127.0.0.1 URL
        assert fetched.read() == b"line one\nline two\n"
        assert fetched.headers["Content-Disposition"] == 'attachment; filename="boot.log"'
    # Nothing in the bucket is public: no grant to everyone on the object or the bucket, no bucket policy.
    # (moto does not check signatures, so an unsigned read cannot be shown refused here.)
    assert _public_grants(on_s3, attachment.file.name) == []
    bucket_grants = on_s3.client().get_bucket_acl(Bucket=on_s3.bucket)["Grants"]
    assert [g for g in bucket_grants if "URI" in g["Grantee"]] == []
    with pytest.raises(on_s3.client().exceptions.ClientError):
        on_s3.client().get_bucket_policy(Bucket=on_s3.bucket)


def test_an_issued_documents_pdf_is_an_object_checked_against_its_digest(
    on_s3, customer, agent, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = diagnosed(customer, agent, "fixed")
    invoice = Invoice.objects.get(ticket_id=ticket["id"])
    stored = StoredDocument.objects.get(kind=StoredDocument.Kind.INVOICE, object_id=invoice.pk)

    assert bytes(stored.content) == b""  # the bytes are not in the database
    assert stored.file.name == f"documents/invoice/{invoice.pk}-{stored.sha256}.pdf"
    assert stored.file.name in on_s3.keys("documents/")
    assert _public_grants(on_s3, stored.file.name) == []
    download = api_for(customer).get(f"{API}/invoices/{invoice.pk}/pdf/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert hashlib.sha256(download.content).hexdigest() == stored.sha256
    assert download["ETag"] == f'"{stored.sha256}"'

    on_s3.client().put_object(Bucket=on_s3.bucket, Key=stored.file.name, Body=b"%PDF-1.7 forged")
    with pytest.raises(StoredDocumentCorrupt):
        stored_document_bytes(stored)


def test_a_document_stored_before_the_object_store_is_read_from_its_row(on_s3, db):
    legacy = StoredDocument.objects.create(
        kind=StoredDocument.Kind.QUOTE, object_id=987654, content=b"%PDF-1.4 old", sha256="0" * 64
    )
    assert stored_document_bytes(legacy) == b"%PDF-1.4 old"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"STORAGE_KIND": "ftp"}, "documents.E001"),
        ({"STORAGE_KIND": "s3", "S3_BUCKET": ""}, "documents.E002"),
        ({"S3_DOWNLOADS": "public"}, "documents.E003"),
        ({"S3_SIGNED_URL_SECONDS": 86400}, "documents.E004"),
    ],
)
def test_storage_settings_that_cannot_work_fail_the_checks(settings, changes, error):
    for name, value in changes.items():
        setattr(settings, name, value)
    assert error in {message.id for message in run_checks()}


def test_storage_ready_creates_the_private_bucket_and_checks_it(on_s3, settings):
    settings.S3_BUCKET = f"new-{uuid.uuid4().hex[:12]}"
    settings.STORAGES["default"]["OPTIONS"]["bucket_name"] = settings.S3_BUCKET
    settings.STORAGES = {**settings.STORAGES}  # the storage is built again with the new bucket
    with pytest.raises(CommandError, match="bucket"):
        call_command("storage_ready", stdout=io.StringIO())

    out = io.StringIO()
    call_command("storage_ready", "--create-bucket", stdout=out)
    assert f"bucket {settings.S3_BUCKET} created (private)" in out.getvalue()
    assert f"storage ready: bucket {settings.S3_BUCKET} at {on_s3.url}" in out.getvalue()
    assert on_s3.client().list_objects_v2(Bucket=settings.S3_BUCKET).get("KeyCount") == 0  # the probe is gone
    call_command("storage_ready", stdout=io.StringIO())  # a second run finds it
