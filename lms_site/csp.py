"""Content-Security-Policy: one strict policy for the site, a looser one for the Wagtail admin.

The site's templates carry no inline script, no inline style and no on*= handler, so its policy allows
scripts and styles from this origin only. Wagtail's admin still renders a few inline scripts (date pickers,
inline panels) that cannot be moved out without copying Wagtail's templates, so paths under the admin get
CONTENT_SECURITY_POLICY_ADMIN instead. Framing follows X-Frame-Options: Wagtail's preview views answer
SAMEORIGIN so the editor can show them in its side panel; every other page answers DENY. Browsers that know
frame-ancestors ignore X-Frame-Options, so the policy must say the same thing or it would loosen it.
"""

from functools import cache

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse


@cache
def admin_prefix() -> str:
    return reverse("wagtailadmin_home")


class PathPolicyCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        # Wagtail renders previews by sending a dummy request for the page through the middleware; the
        # header belongs to the admin's preview response that carries it, which this middleware sees next.
        if getattr(request, "is_dummy", False):
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        # A view's own @csp decorator wins; otherwise the admin's paths take the admin's policy.
        if parts.config is None and request.path_info.startswith(admin_prefix()):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        framing = [SELF] if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN" else [NONE]
        parts.replace = {**(parts.replace or {}), "frame-ancestors": framing}
        return parts
