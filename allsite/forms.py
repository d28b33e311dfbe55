"""Readers' feedback forms. Plain HTML forms: they work without JavaScript."""

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Feedback

COMMENT_MAX_LENGTH = Feedback._meta.get_field("comment").max_length
# The limit written the reader's way (2,000 or 2 000); %(show_value)s is Django's.
TOO_LONG = format_lazy(
    _(
        "Keep your message to {limit} characters or fewer "
        "(it has %(show_value)s). You can shorten it and send it again."
    ),
    limit=lazy(lambda: number_format(COMMENT_MAX_LENGTH, force_grouping=True), str)(),
)
PRIVACY_HINT = _(
    "Do not include your name, contact details or anything about your own health: "
    "we cannot reply to feedback."
)


class FeedbackForm(forms.Form):
    """What both feedback forms share: the page kind and the honeypot."""

    kind: str
    # Ids start with the form's kind, so both forms can be on one page.
    auto_id_prefix: str

    # A trap for spam robots: people never see it (visually hidden, out of the
    # tab order); robots that fill in every field give themselves away.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.auto_id_prefix}-%s")
        super().__init__(*args, **kwargs)

    @property
    def is_spam(self):
        return bool(self.cleaned_data.get("website"))

    def feedback(self, article):
        """The Feedback to store (unsaved). Only what the reader typed or chose."""
        return Feedback(article=article, kind=self.kind, comment=self.cleaned_data["comment"])


class HelpfulForm(FeedbackForm):
    kind = Feedback.Kind.HELPFUL
    auto_id_prefix = "feedback-helpful"

    helpful = forms.TypedChoiceField(
        label=_("Was this page helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        help_text=PRIVACY_HINT,
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        error_messages={"max_length": TOO_LONG},
    )

    def feedback(self, article):
        feedback = super().feedback(article)
        feedback.helpful = self.cleaned_data["helpful"]
        return feedback


class ErrorReportForm(FeedbackForm):
    kind = Feedback.Kind.ERROR
    auto_id_prefix = "feedback-error"

    comment = forms.CharField(
        label=_("What is wrong or out of date on this page?"),
        help_text=PRIVACY_HINT,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 40}),
        error_messages={
            "required": _("Describe the error, so that the editorial team can check and fix it."),
            "max_length": TOO_LONG,
        },
    )


FORMS = {form.kind: form for form in (HelpfulForm, ErrorReportForm)}
