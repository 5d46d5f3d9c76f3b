"""Views of the core: health for load balancers and monitors."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database, Redis and worker state as JSON; 503 when any is down."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)
