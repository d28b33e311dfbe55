"""Two-factor sign-in (TOTP) for staff: optional for all, required for reviewers
and superusers when ALLSITE_REQUIRE_2FA is on."""

import re
import time

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
SETUP = "/admin/two-factor/"


def code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def device_for(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def sign_in(client, username, otp_token=""):
    return client.post(
        LOGIN, {"username": username, "password": "pw", "otp_token": otp_token}, follow=True
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def test_an_editor_without_two_factor_signs_in_with_the_password_alone(client, editor):
    sign_in(client, "editor_ann")
    assert signed_in(client)


def test_with_a_device_the_password_alone_is_refused_and_the_username_kept(client, editor):
    device_for(editor)
    response = sign_in(client, "editor_ann")
    assert not signed_in(client)
    html = response.content.decode()
    assert "also type the 6-digit code your authenticator app shows now" in html
    assert 'value="editor_ann"' in html


def test_with_a_device_the_password_and_the_current_code_sign_in_verified(client, editor):
    device = device_for(editor)
    sign_in(client, "editor_ann", code(device))
    assert signed_in(client)
    assert client.get("/admin/").wsgi_request.user.is_verified()


def test_a_wrong_or_expired_code_is_refused_with_a_plain_message(client, editor):
    device = device_for(editor)
    response = sign_in(client, "editor_ann", code(device, offset=-600))
    assert not signed_in(client)
    html = response.content.decode()
    assert "That code is not right or has expired" in html
    assert 'value="editor_ann"' in html


def test_setting_up_scans_a_code_then_confirms_with_the_apps_code(client, editor):
    client.force_login(editor)
    html = client.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html).group(1)
    pending = TOTPDevice.objects.get(user=editor, confirmed=False)

    wrong = client.post(SETUP, {"action": "confirm", "otp_token": "000000"})
    assert "That code is not right or has expired" in wrong.content.decode()
    assert re.search(r"<code>([A-Z2-7 ]+)</code>", wrong.content.decode()).group(1) == secret

    # Guessing is slowed down: right after a wrong code, even the right one waits.
    too_soon = client.post(SETUP, {"action": "confirm", "otp_token": code(pending)})
    assert "Too many wrong codes in a row: wait" in too_soon.content.decode()
    pending.refresh_from_db()
    pending.throttle_reset()  # as if the wait had passed

    response = client.post(SETUP, {"action": "confirm", "otp_token": code(pending)})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed
    client.logout()
    sign_in(client, "editor_ann")
    assert not signed_in(client)  # from now on, a code is needed


@override_settings(ALLSITE_REQUIRE_2FA=True)
def test_a_reviewer_without_a_device_is_sent_to_set_up_from_every_admin_page(client, reviewer):
    client.force_login(reviewer)
    for url in ["/admin/", "/admin/treatments/article/", "/admin/treatments/article/review-queue/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == SETUP
    page = client.get(SETUP, follow=True).content.decode()
    assert "Your account must use two-factor sign-in" in page
    pending = TOTPDevice.objects.get(user=reviewer)
    client.post(SETUP, {"action": "confirm", "otp_token": code(pending)})
    assert client.get("/admin/").status_code == 200


@override_settings(ALLSITE_REQUIRE_2FA=True)
def test_a_superuser_must_use_it_too_but_an_editor_need_not(client, admin_user, editor):
    client.force_login(admin_user)
    assert client.get("/admin/")["Location"] == SETUP
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


@override_settings(ALLSITE_REQUIRE_2FA=True)
def test_a_session_without_a_code_ends_once_a_reviewer_has_a_device(client, reviewer):
    device_for(reviewer)
    client.force_login(reviewer)  # e.g. signed in before it became required
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    assert not signed_in(client)


def test_when_not_required_nobody_is_forced(client, reviewer, admin_user):
    for user in (reviewer, admin_user):
        client.force_login(user)
        assert client.get("/admin/").status_code == 200


def test_turning_it_off_needs_the_password_and_is_refused_when_required(client, editor, reviewer):
    device_for(editor)
    client.force_login(editor)
    wrong = client.post(SETUP, {"action": "remove", "password": "nope"})
    assert "That is not your password" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=editor).exists()
    client.post(SETUP, {"action": "remove", "password": "pw"})
    assert not TOTPDevice.objects.filter(user=editor).exists()

    device_for(reviewer)
    client.force_login(reviewer)
    with override_settings(ALLSITE_REQUIRE_2FA=True):
        session = client.session
        session["otp_device_id"] = TOTPDevice.objects.get(user=reviewer).persistent_id
        session.save()
        client.post(SETUP, {"action": "remove", "password": "pw"})
    assert TOTPDevice.objects.filter(user=reviewer).exists()
