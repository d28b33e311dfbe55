"""Every form, tried with hostile input: never an error page, a message when
refused, and what was typed still in the re-shown form.

The forms are discovered, not listed: every model registered in the admin
(its add page, and the change page of one existing object), plus the public
forms found in the URL configuration (search, feedback). A new admin or form
is covered without editing this file. Fields are read from the form's own
HTML: every text box and text area gets the payload, hidden fields and
choices keep what the page gave them.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allsite.search import clean_query

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "huge": "Long text. " * 20_000,
    "nested": "[" * 5_000 + "]" * 5_000,
    "nul": "before\x00after",
    "rtl-override": "abc\u202edcba\u202c end",
    "emoji": "Treatment 💊🩸 — ½ dose, naïve café",
    "html-js": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE treatments_article; --",
    "path-traversal": "../../../../etc/passwd",
    "markup": "[@] [@@x] [@a;] [@ key] ![alt](http://example.org/x.png)",
}
MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
UNTYPED = ("csrfmiddlewaretoken", "base_revision")
# Passwords are never shown again (Django's choice), so they are not "typed" here.
TEXT_INPUTS = {"text", "email", "url", "number", "search", "tel", ""}


class FormFields(HTMLParser):
    """The named fields of the page's main form: (name, kind, value)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields, self._select, self._textarea = (
            form_id, False, [], None, None,
        )  # fmt: skip

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], "fixed", attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                text = kind in TEXT_INPUTS and not attrs.get("readonly")
                self.fields.append(
                    (attrs["name"], "text" if text else "fixed", attrs.get("value") or "")
                )
        elif tag == "textarea":
            self._textarea = [attrs["name"], "text", ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select = [attrs["name"], None, False]
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[1] is None or ("selected" in attrs and not self._select[2]))
        ):
            self._select[1:] = [attrs.get("value", ""), "selected" in attrs]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            if self._select[1]:
                self.fields.append((self._select[0], "fixed", self._select[1]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, kind, text = self._textarea
            # Django writes a newline after <textarea>, which browsers drop.
            self.fields[self.fields.index(self._textarea)] = (name, kind, text.removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data


def fields_of(html, form_id=None):
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


def admin_form_pages():
    """(name, url) of every admin add page, and of one change page per model
    that has objects; computed when the test runs (objects exist then)."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages.append((f"{model._meta.label} add", reverse("admin:{}_{}_add".format(*info))))
        obj = model_admin.get_queryset(_superuser_request()).first()
        if obj is not None:
            pages.append(
                (
                    f"{model._meta.label} change",
                    reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
                )
            )
    return pages


def _superuser_request():
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.filter(is_superuser=True).first()
    return request


@pytest.fixture
def site(admin_client, publish, helpline, reviewer, editor):
    """A site with a page, a helpline, staff, and a reference, signed in as a superuser."""
    article = publish()
    return admin_client, article


def typeable(name, kind):
    """A field a person types into (not a formset's bookkeeping, nor the empty
    template the admin clones for "Add another")."""
    return (
        kind == "text"
        and not name.endswith(MANAGEMENT)
        and name not in UNTYPED
        and "__prefix__" not in name
    )


def post_hostile(client, url, payload):
    page = client.get(url)
    if page.status_code != 200:
        return page, []
    html = page.content.decode()
    form_id = (re.search(r'<form[^>]*id="(\w+_form)"', html) or [None, None])[1]
    fields = fields_of(html, form_id)
    data, typed = {}, []
    for name, kind, value in fields:
        if typeable(name, kind):
            data.setdefault(name, payload)
            typed.append(name)
        else:
            data.setdefault(name, value)
    return client.post(url, data), typed


def assert_no_error_page_and_text_kept(response, typed, payload, where):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code == 200 and typed:
        html = response.content.decode()
        assert "errornote" in html or "errorlist" in html, f"{where}: re-shown without a message"
        form_id = (re.search(r'<form[^>]*id="(\w+_form)"', html) or [None, None])[1]
        shown = {name: value for name, _, value in fields_of(html, form_id)}
        for name in typed:
            if name in shown:  # a field the re-shown form still has
                assert shown[name] == payload, f"{where}: {name!r} lost the typed text"


@pytest.mark.parametrize("payload_name", sorted(PAYLOADS))
def test_every_admin_form_survives_hostile_input_and_keeps_the_text(site, payload_name):
    client, _ = site
    payload = PAYLOADS[payload_name]
    pages = admin_form_pages()
    assert len(pages) >= 15, pages
    for name, url in pages:
        response, typed = post_hostile(client, url, payload)
        assert_no_error_page_and_text_kept(response, typed, payload, f"{name} ({url})")


@pytest.mark.parametrize("payload_name", sorted(PAYLOADS))
def test_public_forms_survive_hostile_input_and_keep_the_text(
    client, publish, helpline, payload_name
):
    payload = PAYLOADS[payload_name]
    article = publish()
    search = client.get(reverse("search"), {"q": payload})
    assert search.status_code == 200
    assert escape(clean_query(payload)) in search.content.decode()  # as the search box shows it
    url = reverse("feedback", args=[article.slug])
    for kind in ("report", "helpful"):
        response = client.post(url, {"kind": kind, "comment": payload, "helpful": "no"})
        assert response.status_code in (303, 400), (kind, response.status_code)
        if response.status_code == 400:
            assert escape(payload) in response.content.decode()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(min_size=1, max_size=300))
def test_any_text_in_a_page_form_gives_a_draft_or_a_message_with_the_text_kept(site, text):
    client, article = site
    url = reverse("admin:treatments_article_change", args=[article.pk])
    response, typed = post_hostile(client, url, text)
    assert_no_error_page_and_text_kept(response, typed, text, url)
