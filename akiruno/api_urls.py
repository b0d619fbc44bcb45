"""The versioned REST API (/api/v1/). URL names are in the "api" namespace (api:section-list).

Anything under /api/v1/ that matches nothing gets the JSON 404 (akiruno.api.NotFoundView),
never the HTML page.
"""

from django.urls import Resolver404, include, path, re_path, resolve, reverse
from drf_spectacular.views import SpectacularAPIView
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from akiruno.api_docs import RedocView, SwaggerView
from akiruno.api_tokens import TokenView, TokenViewSet
from akiruno.exceptions import NotFound
from reports import apis as report_apis
from reports import apis_content, apis_public, apis_workflow

app_name = "api"


class ApiRootView(APIView):
    """Where to start: the schema and the documentation pages."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    schema = None

    def get(self, request):
        return Response(
            {
                "name": "あきる野市 事務報告書 API",
                "version": "v1",
                "schema": reverse("api:schema"),
                "docs": reverse("api:docs"),
                "swagger": reverse("api:swagger"),
            }
        )


class NotFoundView(APIView):
    """Any URL under /api/v1/ that matches nothing: the JSON 404, never the HTML page."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        details = {}
        path = request.path
        if not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not NotFoundView:
                details = {"path": f"URL は「/」で終わります: {path}/"}
        raise NotFound(
            "この URL の API はありません。一覧は /api/v1/docs/ を参照してください。",
            details=details,
        )

    def get(self, request, *args, **kwargs):  # pragma: no cover (initial always raises)
        return Response(status=status.HTTP_404_NOT_FOUND)

    post = put = patch = delete = head = options = get


router = SimpleRouter()
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("departments", report_apis.DepartmentViewSet, basename="department")
router.register("reports", report_apis.AnnualReportViewSet, basename="report")
router.register("sections", report_apis.SectionViewSet, basename="section")
router.register("events", report_apis.SectionEventViewSet, basename="event")
router.register("snapshots", report_apis.SectionSnapshotViewSet, basename="snapshot")
router.register("items", apis_content.ItemViewSet, basename="item")
router.register("blocks", apis_content.BlockViewSet, basename="block")
router.register("comments", apis_workflow.ReviewCommentViewSet, basename="comment")
router.register("builds", apis_workflow.BuildViewSet, basename="build")

# The anonymous, read-only public API: published builds only (reports.apis_public).
public_urlpatterns = apis_public.urlpatterns

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("users/me/", report_apis.MeView.as_view(), name="me"),
    *router.urls,
    path("public/", include((public_urlpatterns, "public"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", RedocView.as_view(), name="docs"),
    path("docs/swagger/", SwaggerView.as_view(), name="swagger"),
    path("meetings/", include("meetings.api_urls")),
    path("finance/", include("finance.api_urls")),
    re_path(r"^.*$", NotFoundView.as_view(), name="not-found"),
]
