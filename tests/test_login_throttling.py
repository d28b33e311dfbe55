"""Sign-in throttling (django-axes): wrong passwords lock a user name for one address."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def sign_in(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_ten_wrong_passwords_lock_the_account_and_the_right_one_then_gets_the_lock_out_page(
    client, reviewer
):
    for _ in range(10):
        response = sign_in(client, "dr_rev", "wrong")
        assert response.status_code in (200, 429)
    response = sign_in(client, "dr_rev", "pw")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in locked for now" in html
    assert "Even the right password will not work" in html
    assert "is locked for 1 hour." in html
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_the_lock_out_holds_for_that_address_only(client, reviewer):
    for _ in range(10):
        sign_in(client, "dr_rev", "wrong")
    response = sign_in(client, "dr_rev", "pw", address="198.51.100.20")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reviewer.pk)


def test_an_administrator_unlocks_the_account_by_deleting_the_access_attempt(
    client, reviewer, admin_client
):
    for _ in range(10):
        sign_in(client, "dr_rev", "wrong")
    attempt = AccessAttempt.objects.get(username="dr_rev")
    page = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "dr_rev" in page
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, "dr_rev", "pw").status_code == 302


def test_before_the_limit_a_wrong_password_gets_the_normal_message(client, reviewer):
    response = sign_in(client, "dr_rev", "wrong")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert sign_in(client, "dr_rev", "pw").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_lock_out_follows_the_reader_not_the_proxy(client, reviewer):
    """Every request comes from the proxy's address; the reader's is the last
    X-Forwarded-For entry, and an entry the client forged further left is ignored."""
    for _ in range(10):
        sign_in(
            client, "dr_rev", "wrong", address="10.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
        )  # fmt: skip
    forged = sign_in(
        client, "dr_rev", "pw", address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7, 1.2.3.4"
    )
    assert forged.status_code == 302  # a different reader (1.2.3.4), not locked
    client.logout()
    same = sign_in(client, "dr_rev", "pw", address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert same.status_code == 429
