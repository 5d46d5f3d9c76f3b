"""Privacy pages for administrators: erase a customer (form, confirmation with the counts, then the
erasure on a confirmed POST), and the retention policies with what each would anonymise now."""

from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback.models import RetentionPolicy, Source

from .erasure import ErasureReport, customer_erase, customer_erase_preview
from .forms import ErasureForm
from .retention import retention_preview

# What each count of an erasure report is, for people.
KIND_LABELS = {
    "feedback.customers": "customer records (contact details emptied, external id replaced)",
    "feedback.comments": "feedback comments and their metadata",
    "feedback.admin_log": "admin history entries naming the customer",
    "feedback.admin_log_text": "admin history entries naming the customer's email, phone or id",
    "feedback.sign_in_records": "failed sign-ins with the customer's email, phone or id as username",
    "feedback.classifiers": "trained category classifiers (retrained without the comments)",
    "feedback.import_files": "import files naming the customer (deleted)",
    "feedback.import_rows": "import preview rows",
    "feedback.import_errors": "import error-report rows",
    "feedback.dead_letters": "webhook dead letters",
    "innerloop.cases": "cases (messages, notes and contact details)",
    "innerloop.case_events": "case timeline entries with text",
    "innerloop.contact_attempts": "contact attempts with notes",
    "innerloop.case_emails": "emails about the cases",
    "innerloop.case_alerts": "alerts quoting the comments",
    "innerloop.huddle_summaries": "huddle summaries quoting the comments",
    "innerloop.staff_text": "huddle records and case timelines naming the customer's email, phone or id",
    "outerloop.staff_text": (
        "initiatives, comments, milestones and signals naming the customer's email, phone or id"
    ),
    "governance.staff_text": (
        "committee meetings, agendas, decisions, action items and system reviews naming the customer's "
        "email, phone or id"
    ),
    "notifications.emails_to_customer": "emails to the customer",
    "notifications.texts_to_customer": "text messages to the customer",
}


def _rows(report: ErasureReport) -> list[tuple[str, int]]:
    return [(KIND_LABELS.get(key, key), count) for key, count in sorted(report.counts.items()) if count]


def _refused(request, form: ErasureForm, error: ApplicationError) -> TemplateResponse:
    for field, reasons in error.extra.items():
        if field in form.fields and form.cleaned_data.get(field):
            form.add_error(field, reasons)
    form.add_error(None, error.message)
    return TemplateResponse(request, "feedback/privacy/erase.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def customer_erase_view(request):
    """Erase a customer: the form; on POST the counts to confirm; on a confirmed POST, the erasure."""
    if request.method == "GET":
        return TemplateResponse(request, "feedback/privacy/erase.html", {"form": ErasureForm()})
    form = ErasureForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(request, "feedback/privacy/erase.html", {"form": form}, status=400)
    who = {"external_id": form.cleaned_data["external_id"], "email": form.cleaned_data["email"]}
    confirmed = request.POST.get("confirm") == "erase"
    try:
        report = customer_erase(actor=request.user, **who) if confirmed else customer_erase_preview(**who)
    except ApplicationError as error:
        return _refused(request, form, error)
    template = "feedback/privacy/erase_done.html" if confirmed else "feedback/privacy/erase_confirm.html"
    context = {"form": form, "report": report, "rows": _rows(report), "by_email": bool(who["email"])}
    return TemplateResponse(request, template, context)


@require_GET
@role_required(Role.ADMIN)
def retention_overview(request):
    """Each source's retention policy, with what it would anonymise if it ran now."""
    policies = {policy.source_id: policy for policy in RetentionPolicy.objects.all()}
    rows = []
    for source in Source.objects.order_by("name"):
        policy = policies.get(source.pk)
        rows.append(
            {
                "source": source,
                "policy": policy,
                "due": retention_preview(policy=policy) if policy else None,
                "edit_url": (
                    reverse("admin:feedback_retentionpolicy_change", args=[policy.pk])
                    if policy
                    else reverse("admin:feedback_retentionpolicy_add") + f"?source={source.pk}"
                ),
            }
        )
    return TemplateResponse(request, "feedback/privacy/retention.html", {"rows": rows})
