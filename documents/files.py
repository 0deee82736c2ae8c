"""Private stored files (attachments, and any file of the default storage) served after the caller's
permission check, never from a public address.

The default storage is the file system (MEDIA_ROOT, one machine) or an S3-compatible object store shared
by every web node and worker (DJANGO_STORAGE=s3). Its objects are private: no ACL makes them public and
no page carries their address. A view that has checked who asks either streams the file through the app
(the default, DJANGO_S3_DOWNLOADS=stream: the object store need not be reachable by clients), or, with
DJANGO_S3_DOWNLOADS=signed-url, redirects to an address signed for DJANGO_S3_SIGNED_URL_SECONDS that
names the file's download name and type, so the bytes do not pass through a web worker.
"""

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

# The headers of every private download: a download, never rendered by the browser, never cached.
PRIVATE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def signed_downloads() -> bool:
    return settings.STORAGE_KIND == "s3" and settings.S3_DOWNLOADS == "signed-url"


def signed_url(file: FieldFile, *, filename: str, content_type: str) -> str:
    """An address of the object valid for DJANGO_S3_SIGNED_URL_SECONDS, whose answer is a download."""
    return file.storage.url(  # type: ignore[call-arg]
        file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": "private, no-store",
        },
        expire=settings.S3_SIGNED_URL_SECONDS,
    )


def private_file_response(file: FieldFile, *, filename: str, content_type: str) -> HttpResponseBase:
    """The stored `file` as a download named `filename`, to a caller the view has already checked.

    A file missing from the storage is a 404. From the object store the bytes are streamed as they
    arrive (the object's body, never a copy on the node's disk), with its length.
    """
    if not file.name:
        raise Http404("no file")
    response: HttpResponseBase
    if signed_downloads():
        response = HttpResponseRedirect(signed_url(file, filename=filename, content_type=content_type))
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"  # the signed address goes to no other site
        return response
    try:
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    obj = getattr(handle, "obj", None)  # django-storages' S3File: the boto3 object, its HEAD already read
    if obj is not None:
        body = obj.get()["Body"]
        response = FileResponse(body, as_attachment=True, filename=filename, content_type=content_type)
        response["Content-Length"] = str(obj.content_length)
        handle.close()
    else:
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response
