"""Views of the core: health for load balancers and monitors, and the API's JSON 404."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found

from .health import health_report


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database, Redis and worker state as JSON; 503 when any is down."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def not_found(request, exception):
    """404: JSON under /api/ (clients parse the body; DRF's own views answer the same way), else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
