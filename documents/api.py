"""The base every PDF download shares: the API's endpoints and the portals' views.

Each returns the stored bytes of an issued document exactly (LAW-09), with its number as file name.
Who may download what is who may see the document: another customer's document is a 404.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.models import StoredDocument
from documents.store import stored_document_bytes

PDF_RESPONSES = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF document."),
    404: OpenApiResponse(description="No such document, or not yours."),
}


class BytesRenderer(BaseRenderer):
    """Lets a client ask for a document's media type; the views return the document's bytes themselves."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PdfRenderer(BytesRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XmlRenderer(BytesRenderer):
    media_type = "application/xml"
    format = "xml"


def pdf_response(content: bytes, *, filename: str, etag: str = "") -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # The document number is [A-Z0-9-] only; quoting keeps the header valid whatever it becomes.
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "document"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    if etag:
        response["ETag"] = f'"{etag}"'
    return response


def stored_pdf_response(stored: StoredDocument, *, filename: str) -> HttpResponse:
    """A stored document's bytes as issued, its hash as the ETag."""
    return pdf_response(stored_document_bytes(stored), filename=filename, etag=stored.sha256)


class PdfDownloadApi(APIView):
    """GET only; errors keep the JSON shapes of the contract even when the client asked for a PDF."""

    renderer_classes = [JSONRenderer, PdfRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
