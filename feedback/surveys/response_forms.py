"""The response page's form: the score on the survey's scale, the comment, up to three follow-up
questions, and for the recovery check "Is this resolved for you?"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import Feedback, Scale, Survey, SurveyText

from .answers import FOLLOW_UP_MAX_LENGTH

# The words at the two ends of each scale, read out with the question.
SCALE_ENDS = {
    "nps": (_("Not at all likely"), _("Extremely likely")),
    "csat": (_("Very dissatisfied"), _("Very satisfied")),
    "ces": (_("Very difficult"), _("Very easy")),
}
YES, NO = "yes", "no"


class SurveyResponseForm(forms.Form):
    score = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score."),
            "invalid_choice": _("Choose a score on the scale."),
        },
    )
    comment = forms.CharField(
        required=False,
        max_length=Feedback.COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    resolved = forms.ChoiceField(
        required=False, choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect
    )
    # Employee surveys: the signed reference that lets this browser change its anonymous answer.
    ref = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, survey: Survey, text: SurveyText, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        low, high = Feedback.SCALE_RANGES[Scale(survey.scale)]
        score = self.fields["score"]
        assert isinstance(score, forms.TypedChoiceField)
        score.choices = [(value, str(value)) for value in range(low, high + 1)]
        score.label = text.question
        self.fields["comment"].label = text.comment_question or _("Would you like to tell us more?")
        self.follow_up_questions = [str(q) for q in (text.follow_ups or [])][: SurveyText.MAX_FOLLOW_UPS]
        for index, question in enumerate(self.follow_up_questions):
            self.fields[f"follow_up_{index}"] = forms.CharField(
                label=question,
                required=False,
                max_length=FOLLOW_UP_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if survey.purpose != Survey.Purpose.RECOVERY:
            del self.fields["resolved"]
        self.scale_low, self.scale_high = low, high
        self.scale_ends = SCALE_ENDS[survey.scale]

    def follow_up_fields(self) -> list:
        return [self[f"follow_up_{index}"] for index in range(len(self.follow_up_questions))]

    def answer(self) -> dict:
        """The keyword arguments of survey_answer_record for what was submitted."""
        data = self.cleaned_data
        resolved = data.get("resolved")
        return {
            "score": data["score"],
            "comment": data["comment"],
            "follow_ups": [
                {"question": question, "answer": data[f"follow_up_{index}"]}
                for index, question in enumerate(self.follow_up_questions)
                if data.get(f"follow_up_{index}")
            ],
            "resolved": {YES: True, NO: False}.get(resolved) if resolved else None,
            "answer_ref": data.get("ref") or None,
        }


def initial_from(
    feedback: Feedback | None, *, form_questions: list[str], score: int | None = None, ref: str = ""
) -> dict:
    """The form's values for an answer stored before (a one-click score, or a full answer)."""
    initial: dict = {"ref": ref}
    if feedback is not None:
        initial.update(score=feedback.score, comment=feedback.comment)
        metadata = feedback.metadata or {}
        answers = {item.get("question"): item.get("answer", "") for item in metadata.get("follow_ups") or []}
        for index, question in enumerate(form_questions):
            initial[f"follow_up_{index}"] = answers.get(question, "")
        if metadata.get("resolved") is not None:
            initial["resolved"] = YES if metadata["resolved"] else NO
    if score is not None:
        initial["score"] = score
    return initial
