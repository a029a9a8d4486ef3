"""Wagtail documents, served through the same door as every other private file (lms_site/files.py).

Wagtail's own serve view checks a collection's view restrictions and then streams the file, sends it with
django-sendfile, or redirects to the storage's URL, which for a bucket would be the public media address. This
view runs the same checks (the before_serve_document hooks, which include the collection's restrictions, and
the document_served signal) and hands the file to `private_file_response`, so a private document leaves only
as a stream, an X-Accel-Redirect or a short-lived signed URL. The URL names stay Wagtail's, so Document.url
and the admin's links point here.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import etag, require_http_methods
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.documents.models import document_served
from wagtail.documents.views.serve import authenticate_with_password

from .files import delivery, private_file_response


@require_http_methods(["GET", "HEAD"])
def serve(request, document_id: int, document_filename: str) -> HttpResponseBase:
    document_model = get_document_model()
    document = get_object_or_404(document_model, id=document_id)
    # The id alone would do; the name in the URL must match too, so an old link never fetches a replacement.
    if document.filename != document_filename:
        raise Http404("This document does not match the given filename.")
    for hook in hooks.get_hooks("before_serve_document"):
        result = hook(document, request)
        if isinstance(result, HttpResponse):
            return result
    document_served.send(sender=document_model, instance=document, request=request)

    storage, name = document.file.storage, document.file.name
    inline_types = getattr(settings, "WAGTAILDOCS_INLINE_CONTENT_TYPES", ["application/pdf"])

    def send(request) -> HttpResponseBase:
        response = private_file_response(
            request,
            storage=storage,
            name=name,
            content_type=document.content_type,
            filename=document.filename,
            attachment=document.content_type not in inline_types,
            # Revalidated on every use, so a collection made private later is checked again; never shared.
            cache_control="private, no-cache",
        )
        if getattr(settings, "WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT", True):
            response["Content-Security-Policy"] = "default-src 'none'"  # a document never runs as a page
        return response

    if delivery(storage, name) == "stream":
        # Only when Django sends the bytes: a cached redirect revalidated to 304 would lead to an expired URL,
        # and nginx answers conditional requests for the files it sends.
        send = etag(lambda request: document.file_hash or None)(send)
    try:
        return send(request)
    except FileNotFoundError:
        raise Http404("This document's file is missing.") from None


urlpatterns = [
    path("<id:document_id>/<str:document_filename>", serve, name="wagtaildocs_serve"),
    path(
        "authenticate_with_password/<id:restriction_id>/",
        authenticate_with_password,
        name="wagtaildocs_authenticate_with_password",
    ),
]
