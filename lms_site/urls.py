# First: registers the <id:...> converter before Wagtail's admin URLs include the apps' viewsets.
import lms_site.converters  # noqa: F401

# isort: split
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.generic import TemplateView
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap

from api.v1 import urls as api_v1_urls
from lms_site import documents, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document URLs, served through the private-file door (lms_site/documents.py).
    path("documents/", include(documents.urlpatterns)),
    path("lti/", include("lti.urls")),  # LTI 1.3 tool: login, launch, JWKS, deep linking
    # The REST API v1 (api/v1.py): OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.
    path("api/v1/", api_v1_urls()),
    path("api/", include("api.urls")),
    # Not "media/": that is MEDIA_URL, which static() serves in development.
    path("media-library/", include("media_pipeline.urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# What people read, in every language: English without a prefix, the others under /de/, /ar/ (lms_site/i18n.py).
# The admin, the API, LTI, health checks and files keep one address: machines and editors call them.
urlpatterns += i18n_patterns(
    path("accounts/", include("accounts.urls")),
    path("learning/", include("learning.urls")),
    path("assessments/", include("assessments.urls")),
    path("certificates/", include("certificates.urls")),
    path("billing/", include("billing.urls")),
    path("gamification/", include("gamification.urls")),
    path("scheduling/", include("scheduling.urls")),
    path("scorm/", include("scorm.urls")),
    path("analytics/", include("analytics.urls")),
    # Not "teams/": editors may well call a marketing page "Teams", and a site URL would hide it.
    path("organisations/", include("organisations.urls")),
    # Strings that the site's JavaScript shows (static/js/*.js read them through `gettext`).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Wagtail's page tree answers every other URL, so it comes last.
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
