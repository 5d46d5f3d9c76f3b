"""The system-review pack's page and its PDF: committee members and admins only."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cxloop.org.models import Role
from cxloop.org.permissions import role_required

from .forms import period_form
from .pack import review_pack
from .pdf import pack_pdf


@require_GET
@role_required(Role.COMMITTEE)
def review_pack_page(request: HttpRequest) -> HttpResponse:
    """The pack for the period asked (by default since the last system review)."""
    form = period_form(request.GET)
    if not form.is_valid():
        return TemplateResponse(
            request, "governance/review_pack/page.html", {"form": form, "sections": []}, status=400
        )
    period = form.period()
    context = {
        "form": form,
        "period": period,
        "sections": review_pack(user=request.user, period=period),
        "pdf_query": f"date_from={period.date_from.isoformat()}&date_to={period.date_to.isoformat()}",
    }
    return TemplateResponse(request, "governance/review_pack/page.html", context)


@require_GET
@role_required(Role.COMMITTEE)
def review_pack_download(request: HttpRequest) -> HttpResponse:
    """The same pack as a PDF file."""
    form = period_form(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {messages[0]}" for field, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    period = form.period()
    content = pack_pdf(sections=review_pack(user=request.user, period=period), period=period)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"system-review-pack-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
