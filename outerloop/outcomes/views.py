"""What happened to what I raised: a page every signed-in person opens for their own items."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from .selectors import raised_page


@require_GET
def raised_list(request: HttpRequest) -> HttpResponse:
    """The obstacles, signals and staff feedback the signed-in person raised, newest first, with outcomes."""
    raised = raised_page(user=request.user, page_number=request.GET.get("page"))
    return TemplateResponse(request, "outerloop/raised.html", {"page": raised.page, "items": raised.items})
