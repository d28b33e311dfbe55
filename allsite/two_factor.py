"""Two-factor sign-in for staff: a 6-digit code from an authenticator app (TOTP).

The rules, in one place:
- Anyone on the staff may turn it on (admin › "Two-factor sign-in"); once on,
  signing in needs the password and the code the app shows now.
- With ALLSITE_REQUIRE_2FA on, superusers and medical reviewers must use it:
  until they have set it up, every admin page sends them to the set-up page;
  a session signed in without a code (e.g. from before it was required) is
  ended and they sign in again with one.
- Editors and helpline staff may turn it off again (password needed); those
  who must use it cannot.

Codes are checked by django-otp, which also slows down guessing: each wrong
code doubles the wait before the next one is accepted. Wrong passwords are
counted by django-axes as usual.
"""

import base64
import functools
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout, user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from treatments.workflow import MEDICAL_REVIEWERS

DEVICE_NAME = "Authenticator app"
WRONG_CODE = (
    "That code is not right or has expired. Codes change every 30 seconds; "
    "type the one your app shows now."
)
CODE_NEEDED = (
    "This account uses two-factor sign-in: also type the 6-digit code your authenticator "
    "app shows now."
)


def code_problem(device, token):
    """Why this code does not sign in (plain words), or None if it is right."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = details.get("locked_until") if details else None
        seconds = max(1, int((wait - timezone.now()).total_seconds()) + 1) if wait else 30
        return (
            f"Too many wrong codes in a row: wait {seconds} seconds, then type the code "
            "your app shows at that moment."
        )
    return None if device.verify_token(token) else WRONG_CODE


def required_for(user):
    """Whether this user must sign in with a code (when the setting asks for it)."""
    if not settings.ALLSITE_REQUIRE_2FA or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=MEDICAL_REVIEWERS).exists()


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=8,
            strip=True,
            widget=forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
            ),
            **kwargs,
        )


class SignInForm(AdminAuthenticationForm):
    """The admin sign-in form, with the code for those who use two-factor sign-in."""

    otp_token = CodeField(
        required=False,
        label=_("Code from your authenticator app"),
        help_text=_("6 digits. Only if you have turned on two-factor sign-in."),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        device = confirmed_device(user) if user else None
        if device is not None:
            token = cleaned.get("otp_token", "")
            if not token:
                raise ValidationError(CODE_NEEDED, code="otp_needed")
            problem = code_problem(device, token)
            if problem:
                raise ValidationError(problem, code="otp_wrong")
            self.request._verified_device = device
        return cleaned


@receiver(user_logged_in, dispatch_uid="two-factor-verified-login")
def _mark_verified(sender, request, user, **kwargs):
    device = getattr(request, "_verified_device", None) if request is not None else None
    if device is not None and device.user_id == user.pk:
        otp_login(request, device)


class RequireTwoFactorMiddleware:
    """Sends staff who must use two-factor sign-in, but have not, to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and request.path.startswith(self._admin_prefix())
            and user.is_authenticated
            and user.is_staff
            and not user.is_verified()
            and request.path not in self._allowed()
            and required_for(user)
        ):
            if confirmed_device(user) is not None:
                logout(request)
                messages.info(
                    request, "Please sign in again with the code from your authenticator app."
                )
                return redirect(reverse("admin:login") + "?" + urlencode({"next": request.path}))
            messages.info(
                request,
                "Your account must use two-factor sign-in. It takes two minutes: set it up below.",
            )
            return redirect("two_factor_setup")
        return self.get_response(request)

    @staticmethod
    @functools.cache
    def _admin_prefix():
        return reverse("admin:index")

    @staticmethod
    def _allowed():
        return {reverse("two_factor_setup"), reverse("admin:logout"), reverse("admin:login")}


class ConfirmForm(forms.Form):
    otp_token = CodeField(label=_("The 6-digit code your app shows now"))


class RemoveForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def qr_code_data_uri(text):
    """The text as a QR code: an SVG image in a data: URI (allowed by our CSP)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def setup_view(request):
    """Turn two-factor sign-in on (scan, then confirm with a code) or off."""
    user = request.user
    device = confirmed_device(user)
    confirm_form, remove_form = ConfirmForm(), RemoveForm()
    if request.method == "POST" and request.POST.get("action") == "remove" and device:
        remove_form = RemoveForm(request.POST)
        if required_for(user):
            messages.error(request, "Your account must use two-factor sign-in: it stays on.")
            return redirect("two_factor_setup")
        if remove_form.is_valid():
            if user.check_password(remove_form.cleaned_data["password"]):
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(
                    request, "Two-factor sign-in is off. You sign in with your password only."
                )
                return redirect("two_factor_setup")
            remove_form.add_error("password", "That is not your password.")
    pending = None
    if device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is None:
            pending = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        if request.method == "POST" and request.POST.get("action") == "confirm":
            confirm_form = ConfirmForm(request.POST)
            if confirm_form.is_valid():
                problem = code_problem(pending, confirm_form.cleaned_data["otp_token"])
                if problem is None:
                    pending.confirmed = True
                    pending.save(update_fields=["confirmed"])
                    otp_login(request, pending)
                    messages.success(
                        request,
                        "Two-factor sign-in is on. From now on, sign in with your password "
                        "and the code your app shows.",
                    )
                    return redirect("admin:index")
                confirm_form.add_error("otp_token", problem)
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor sign-in",
        "device": device,
        "required": required_for(user),
        "confirm_form": confirm_form,
        "remove_form": remove_form,
    }
    if pending is not None:
        secret = base64.b32encode(pending.bin_key).decode()
        context |= {"qr_code": qr_code_data_uri(pending.config_url), "secret": grouped(secret)}
    return render(request, "admin/two_factor/setup.html", context)
