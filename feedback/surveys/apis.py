"""The survey-invitation API: create invitations (one or up to 1,000), read one, list the surveys.

Authentication and roles as the feedback API (feedback.apis): an integration token, or a person in
a session or with a personal token. Who may invite for which survey is the feedback write policy
(feedback.permissions.Writer): the survey's source must be one the caller may send feedback for.
"""

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import BODY_REQUIRED, ErrorSerializer
from cxloop.org.models import ApiToken, Role
from cxloop.org.permissions import HasRole
from feedback.models import Survey, SurveyInvitation
from feedback.permissions import Writer

from .access import invitation_get, surveys_usable_by
from .invitations import DUPLICATE, ERROR, survey_invitations_create
from .items import MAX_BATCH
from .serializers import InvitationOutput, InvitationResultOutput, InvitationsCreate, SurveyOutput

ALL_ROLES = tuple(Role.values)


class _InvitationApi(APIView):
    """Creating invitations needs the `ingest` scope (it is how integrations send); reading needs
    `read`, or `ingest` for a token that holds it (an integration reads back what it sent)."""

    permission_classes = [HasRole]
    required_roles = ALL_ROLES

    @property
    def required_scope(self) -> str:
        request = self.request
        token = request.auth
        if request.method not in SAFE_METHODS:
            return "ingest"
        if isinstance(token, ApiToken) and "ingest" in token.scopes:
            return "ingest"
        return "read"


def _survey_for(*, slug, writer: Writer) -> Survey:
    """The survey the body names: 404 when there is none, 403 when the caller may not invite for it."""
    if not isinstance(slug, str) or not slug or "\x00" in slug:
        raise ValidationError({"survey": ["name the survey by its slug (a string)."]})
    survey = Survey.objects.select_related("source", "touchpoint").filter(slug=slug[:50]).first()
    if survey is None:
        raise NotFound(f'No survey "{slug[:100]}".')
    if refusal := writer.source_refusal(survey.source):
        raise PermissionDenied(refusal.replace("send feedback for", "invite for"))
    return survey


class SurveyInvitationCollectionApi(_InvitationApi):
    """POST: invite customers (or employees) to a survey, through the contact rules, once per transaction."""

    @extend_schema(
        request=InvitationsCreate,
        responses={
            201: PolymorphicProxySerializer(
                component_name="InvitationsCreated",
                serializers=[InvitationResultOutput, InvitationResultOutput(many=True)],
                resource_type_field_name=None,
                many=False,
            ),
            200: OpenApiResponse(InvitationResultOutput, description="one object: a duplicate"),
            207: OpenApiResponse(
                InvitationResultOutput(many=True), description="some items were duplicates or errors"
            ),
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="InvitationsRefused",
                    serializers=[InvitationResultOutput, ErrorSerializer],
                    resource_type_field_name=None,
                    many=False,
                ),
                description=f"An empty batch or one of more than {MAX_BATCH:,}; "
                "one object that is invalid gets its result, with its errors.",
            ),
            404: OpenApiResponse(ErrorSerializer, description="no survey of that slug"),
        },
        description="Send one invitation ({survey, customer, transaction_id, ...}) or a batch "
        f"({{survey, invitations: [...]}}, up to {MAX_BATCH:,}). Each item is scheduled, suppressed by "
        "the contact rules (with the reason), a duplicate of its transaction's invitation, or an error; "
        "good items are kept when others fail (207).",
        extensions={BODY_REQUIRED: True},
    )
    def post(self, request):
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        writer = Writer.for_request(request)
        batch = "invitations" in data
        items = data["invitations"] if batch else [data]
        if not isinstance(items, list) or not items:
            raise ValidationError({"invitations": ["must be a non-empty array of invitations."]})
        if len(items) > MAX_BATCH:
            raise ValidationError({"invitations": [f"At most {MAX_BATCH:,} invitations per request."]})
        survey = _survey_for(slug=data.get("survey"), writer=writer)
        results = survey_invitations_create(
            survey=survey, items=items, trigger=SurveyInvitation.Trigger.API, actor=writer
        )
        if batch:
            all_new = all(result.status not in (DUPLICATE, ERROR) for result in results)
            return Response(
                [result.as_dict() for result in results],
                status=status.HTTP_201_CREATED if all_new else status.HTTP_207_MULTI_STATUS,
            )
        result = results[0]
        code = {ERROR: status.HTTP_400_BAD_REQUEST, DUPLICATE: status.HTTP_200_OK}.get(
            result.status, status.HTTP_201_CREATED
        )
        return Response(result.as_dict(), status=code)


class SurveyInvitationDetailApi(_InvitationApi):
    """One invitation the caller may read: its status, why it was suppressed, when it is sent."""

    @extend_schema(responses=InvitationOutput)
    def get(self, request, pk: int):
        invitation = invitation_get(writer=Writer.for_request(request), invitation_id=pk)
        return Response(InvitationOutput(invitation).data)


class SurveyListApi(_InvitationApi):
    """The surveys the caller may invite for (those of sources it may send feedback for)."""

    @extend_schema(responses=SurveyOutput(many=True))
    def get(self, request):
        surveys = surveys_usable_by(writer=Writer.for_request(request)).prefetch_related("texts")
        return Response(SurveyOutput(surveys, many=True).data)
