"""The API documentation pages, served from our own static files (drf-spectacular-sidecar).

drf-spectacular's stock templates carry an inline <style> and an inline script (and Redoc's a
Google Fonts link); these templates load only same-origin files and have nothing inline.

- Swagger UI (/api/v1/docs/swagger/) runs under the site's CSP unchanged: its start-up script
  comes from the same URL with ?script (SpectacularSwaggerSplitView).
- Redoc (/api/v1/docs/) cannot: its bundle creates <style> elements itself. styled-components
  creates them empty and fills them through the CSSOM (insertRule, which the CSP does not
  govern), and the bundled stylesheets are fixed text. So the page's own policy allows exactly
  those by hash (REDOC_STYLE_HASHES: the empty string and the bundle's one fixed stylesheet),
  adds `worker-src blob:` for Redoc's search worker (built by the bundle from a Blob), and
  changes nothing else: scripts stay 'self' only, no 'unsafe-inline' anywhere.
  tests/api/test_docs_browser.py opens both pages in Chromium and fails on any CSP violation,
  so a new Redoc bundle with different styles is caught (recompute the hash from the error).
"""

from django.conf import settings
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

REDOC_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (styled-components' tags)
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # the bundle's fixed stylesheet
)


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "あきる野市 事務報告書 API（Swagger UI）"
    schema = None  # a page, not an operation of the API


class RedocView(SpectacularRedocView):
    template_name = "api/redoc.html"
    url_name = "api:schema"
    title = "あきる野市 事務報告書 API"
    schema = None

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = redoc_policy()
        return response


def redoc_policy() -> str:
    """The site's CSP, with style-src widened by the Redoc hashes and blob: workers allowed."""
    directives = []
    for directive in settings.CONTENT_SECURITY_POLICY.split(";"):
        directive = directive.strip()
        if directive.startswith("style-src"):
            directive = " ".join([directive, *REDOC_STYLE_HASHES])
        if directive:
            directives.append(directive)
    directives.append("worker-src blob:")
    return "; ".join(directives)
