import datetime
import html
import re
import zoneinfo

import pytest
from django.contrib.auth.models import Group

from allsite.models import HelplineClosure, HelplineInfo, HelplinePhone

pytestmark = pytest.mark.django_db


def helpline_form_data(info, **changes):
    phone = info.phones.get()
    data = {
        "name": info.name,
        "email": info.email,
        "urgent_notice": "",
        "time_zone": info.time_zone,
        "hours_note": "",
        "monday_opens": "09:00",
        "monday_closes": "17:00",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "1",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "1000",
        "phones-0-id": str(phone.pk),
        "phones-0-helpline": str(info.pk),
        "phones-0-label": phone.label,
        "phones-0-number": phone.number,
        "phones-0-order": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
    }
    closures = list(info.closures.all())
    data["closures-TOTAL_FORMS"] = data["closures-INITIAL_FORMS"] = str(len(closures))
    for i, closure in enumerate(closures):
        data[f"closures-{i}-id"] = str(closure.pk)
        data[f"closures-{i}-helpline"] = str(info.pk)
        data[f"closures-{i}-date"] = closure.date.isoformat()
        data[f"closures-{i}-label"] = closure.label
    for day in ["tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]:
        data[f"{day}_opens"] = data[f"{day}_closes"] = ""
    data.update(changes)
    return data


def test_helpline_staff_change_the_number_and_every_page_shows_it_at_once(
    client, helpline, helpline_staff, publish
):
    article = publish()
    pages = ["/", article.get_absolute_url(), "/tags/chemotherapy/", "/no-such-page/"]
    for url in pages:
        assert 'href="tel:08081570100"' in client.get(url).content.decode()

    client.force_login(helpline_staff)
    response = client.post(
        f"/admin/allsite/helplineinfo/{helpline.pk}/change/",
        helpline_form_data(helpline, **{"phones-0-number": "0808 157 0555"}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()

    for url in pages:
        html = client.get(url).content.decode()
        assert 'href="tel:08081570555"' in html, url
        assert "0808 157 0100" not in html


def test_helpline_staff_get_403_on_article_and_reference_admin_pages(
    client, helpline_staff, publish
):
    article = publish()
    client.force_login(helpline_staff)
    for url in [
        "/admin/treatments/article/",
        "/admin/treatments/article/add/",
        f"/admin/treatments/article/{article.pk}/change/",
        "/admin/treatments/revision/",
        "/admin/references/reference/",
        "/admin/auth/user/",
    ]:
        assert client.get(url).status_code == 403, url


def test_helpline_list_page_opens_the_single_record(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    response = client.get("/admin/allsite/helplineinfo/")
    assert response.status_code == 302
    assert response.url == f"/admin/allsite/helplineinfo/{helpline.pk}/change/"


def test_invalid_hours_are_explained_and_nothing_typed_is_lost(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    response = client.post(
        f"/admin/allsite/helplineinfo/{helpline.pk}/change/",
        helpline_form_data(
            helpline,
            monday_opens="17:00",
            monday_closes="09:00",
            email="new-address@example.org",
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monday closes before it opens" in html
    assert 'value="new-address@example.org"' in html
    helpline.refresh_from_db()
    assert helpline.email == "support@example.org"


def test_urgent_notice_shows_at_the_top_of_every_page(client, helpline, publish):
    article = publish()
    HelplineInfo.objects.filter(pk=helpline.pk).update(urgent_notice="Our phone line is down.")
    helpline.refresh_from_db()
    helpline.save()  # saving through the model clears the cached copy
    for url in ["/", article.get_absolute_url()]:
        assert "Our phone line is down." in client.get(url).content.decode()


def change_url(info):
    return f"/admin/allsite/helplineinfo/{info.pk}/change/"


def with_new_closure(data, day, label=""):
    """The form data with one more closure date typed into the empty inline row."""
    i = int(data["closures-TOTAL_FORMS"])
    data["closures-TOTAL_FORMS"] = str(i + 1)
    data[f"closures-{i}-date"] = day.isoformat()
    data[f"closures-{i}-label"] = label
    return data


def in_a_month():
    return datetime.date.today() + datetime.timedelta(days=30)


def test_time_zone_is_chosen_from_every_zoneinfo_name_in_order(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    page = client.get(change_url(helpline)).content.decode()
    select = re.search(r'<select name="time_zone".*?</select>', page, re.S).group(0)
    names = re.findall(r'<option value="([^"]+)"', select)
    assert names == sorted(zoneinfo.available_timezones())
    assert '<option value="Europe/London" selected>' in select


def test_a_time_zone_not_in_the_list_is_refused_and_nothing_is_saved(
    client, helpline, helpline_staff
):
    client.force_login(helpline_staff)
    response = client.post(
        change_url(helpline), helpline_form_data(helpline, time_zone="Europe/Atlantis")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    helpline.refresh_from_db()
    assert helpline.time_zone == "Europe/London"


def test_the_model_still_refuses_a_time_zone_that_is_not_a_zoneinfo_name(helpline):
    from django.core.exceptions import ValidationError

    helpline.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError, match="not a time zone name"):
        helpline.full_clean()


def test_opening_times_show_without_seconds_to_staff_and_readers(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    form = client.get(change_url(helpline)).content.decode()
    assert 'name="monday_opens" value="09:00"' in form
    assert "09:00:00" not in form
    assert "17:00:00" not in form
    client.logout()
    page = client.get("/").content.decode()
    assert '<time datetime="09:00">09:00</time> to <time datetime="17:00">17:00</time>' in page
    assert "09:00:00" not in page


def test_a_time_typed_with_seconds_is_kept_in_whole_minutes(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    response = client.post(
        change_url(helpline), helpline_form_data(helpline, monday_opens="08:30:45")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    helpline.refresh_from_db()
    assert helpline.monday_opens == datetime.time(8, 30)


def test_helpline_staff_add_a_closure_date_and_every_page_lists_it(
    client, helpline, helpline_staff, publish
):
    article = publish()
    day = in_a_month()
    client.force_login(helpline_staff)
    response = client.post(
        change_url(helpline),
        with_new_closure(helpline_form_data(helpline), day, "Christmas Day"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()

    listed = f"{day:%A} {day.day} {day:%B %Y}</time> (Christmas Day)"
    for url in ["/", article.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert "Also closed on:" in page, url
        assert listed in page, url
        status = re.search(r"<p class=\"helpline__status\"[^>]*>", page).group(0)
        assert 'data-time-zone="Europe/London"' in status
        assert html.unescape(re.search(r'data-closures="([^"]*)"', status).group(1)) == (
            f'[["{day.isoformat()}", "Christmas Day"]]'
        )
        assert html.unescape(re.search(r'data-hours="([^"]*)"', status).group(1)) == (
            '["09:00-17:00", "", "", "", "", "", ""]'
        )
        # Without the script nothing claims the helpline is open or closed now.
        assert " hidden></p>" in status + "</p>"


def test_closure_dates_that_have_passed_are_not_shown(client, helpline):
    HelplineClosure.objects.create(
        helpline=helpline, date=datetime.date.today() - datetime.timedelta(days=3), label="Gone"
    )
    page = client.get("/").content.decode()
    assert "Gone" not in page
    assert "Also closed on:" not in page


def test_the_same_date_cannot_be_closed_twice(client, helpline, helpline_staff):
    day = in_a_month()
    HelplineClosure.objects.create(helpline=helpline, date=day, label="Bank holiday")
    client.force_login(helpline_staff)
    response = client.post(
        change_url(helpline), with_new_closure(helpline_form_data(helpline), day, "Again")
    )
    assert response.status_code == 200
    assert helpline.closures.count() == 1


def test_helpline_staff_may_edit_closure_dates_and_were_given_nothing_else():
    group = Group.objects.get(name="Helpline staff")
    assert sorted(
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
    ) == sorted(
        [
            "allsite.view_helplineinfo",
            "allsite.change_helplineinfo",
            "allsite.view_helplinephone",
            "allsite.add_helplinephone",
            "allsite.change_helplinephone",
            "allsite.delete_helplinephone",
            "allsite.view_helplineclosure",
            "allsite.add_helplineclosure",
            "allsite.change_helplineclosure",
            "allsite.delete_helplineclosure",
        ]
    )
    for other in Group.objects.exclude(name="Helpline staff"):
        assert not other.permissions.filter(codename__endswith="helplineclosure").exists()


def history_rows(client, info):
    page = client.get(f"/admin/allsite/helplineinfo/{info.pk}/history/").content.decode()
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_helpline_history_shows_old_and_new_values(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    day = in_a_month()
    data = helpline_form_data(
        helpline,
        monday_opens="10:00",
        email="help@example.org",
        urgent_notice="Phones are down today.",
        **{"phones-0-number": "0808 157 0555"},
    )
    response = client.post(change_url(helpline), with_new_closure(data, day, "Bank holiday"))
    assert response.status_code == 302, response.content.decode()[:3000]

    history = history_rows(client, helpline)
    assert "Monday opens: 09:00 → 10:00" in history
    assert "Email: support@example.org → help@example.org" in history
    assert "Urgent notice: (blank) → Phones are down today." in history
    assert (
        "Phone number “Freephone: 0808 157 0555”: Number: 0808 157 0100 → 0808 157 0555" in history
    )
    closure = f"{day:%A} {day.day} {day:%B %Y} (Bank holiday)"
    assert f"Added closure date “{closure}”." in history

    helpline.refresh_from_db()
    data = helpline_form_data(helpline, time_zone="America/Toronto")
    data["closures-0-label"] = "Christmas Day"
    response = client.post(change_url(helpline), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    history = history_rows(client, helpline)
    assert "Time zone: Europe/London → America/Toronto" in history
    assert "Closure date “" in history
    assert "Label: Bank holiday → Christmas Day" in history

    data = helpline_form_data(helpline)
    data["closures-0-DELETE"] = "on"
    client.post(change_url(helpline), data)
    assert "Deleted closure date “" in history_rows(client, helpline)


def test_pages_with_closures_and_the_helpline_history_validate_as_html5(
    client, helpline, helpline_staff, tmp_path
):
    from tests.html_checks import INLINE_SCRIPT_RE, validate

    client.force_login(helpline_staff)
    data = helpline_form_data(helpline, monday_opens="08:30", urgent_notice="<b>Down</b>")
    client.post(change_url(helpline), with_new_closure(data, in_a_month(), "Bank holiday"))
    pages = {
        "change": client.get(change_url(helpline)).content.decode(),
        "history": client.get(f"{change_url(helpline)[:-7]}history/").content.decode(),
    }
    assert "Urgent notice: (blank) → &lt;b&gt;Down&lt;/b&gt;" in pages["history"]
    client.logout()
    pages["home"] = client.get("/").content.decode()
    assert "Also closed on:" in pages["home"]
    assert not any(INLINE_SCRIPT_RE.search(html) for html in pages.values())
    assert validate(pages, tmp_path) == []


# Numbers for one language ------------------------------------------------------


def with_new_phone(data, label, number, language=""):
    """The form data with one more phone typed into the empty inline row."""
    i = int(data["phones-TOTAL_FORMS"])
    data["phones-TOTAL_FORMS"] = str(i + 1)
    data[f"phones-{i}-label"] = label
    data[f"phones-{i}-number"] = number
    data[f"phones-{i}-language"] = language
    data[f"phones-{i}-order"] = "5"
    return data


def rendered(template_name, language):
    """What readers of `language` get from a helpline template, with the
    helpline as pages read it (cached data)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from allsite.helpline import get_helpline

    with translation.override(language):
        return render_to_string(template_name, {"helpline": get_helpline()})


def test_helpline_staff_add_a_french_only_number_that_only_french_pages_show(
    client, helpline, helpline_staff
):
    client.force_login(helpline_staff)
    form = client.get(change_url(helpline)).content.decode()
    assert "Shown on pages in" in form
    assert '<option value="" selected>every language</option>' in form
    assert "show it only on pages in that language" in form

    data = with_new_phone(
        helpline_form_data(helpline), "Ligne en français", "0808 157 0194", language="fr"
    )
    response = client.post(change_url(helpline), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()

    english = client.get("/").content.decode()
    assert "0808 157 0194" not in english
    assert 'href="tel:08081570100"' in english
    assert "0808 157 0194" not in rendered("includes/helpline.html", "en-gb")

    french = rendered("includes/helpline.html", "fr")
    assert 'Ligne en français: <a href="tel:08081570194">0808 157 0194</a>' in french
    # The numbers for every language are still there, after the French one.
    assert 'href="tel:08081570100"' in french
    assert french.index("0808 157 0194") < french.index("0808 157 0100")
    # Where a page names one number, French readers get the French line.
    for name in ["includes/helpline_short.html", "includes/helpline_side.html"]:
        assert 'href="tel:08081570194"' in rendered(name, "fr"), name
        assert 'href="tel:08081570100"' in rendered(name, "en-gb"), name


def test_a_number_for_every_language_is_shown_in_french_too(helpline):
    assert not helpline.phones.get().language  # the default: every language
    assert 'href="tel:08081570100"' in rendered("includes/helpline.html", "fr")
    assert 'href="tel:08081570100"' in rendered("includes/helpline_short.html", "fr")


def test_the_helpline_is_still_read_once_for_every_language(helpline, django_assert_num_queries):
    from django.utils import translation

    from allsite.helpline import get_helpline

    HelplinePhone.objects.create(
        helpline=helpline, label="Ligne en français", number="0808 157 0194", language="fr"
    )
    get_helpline()  # read and cached as data
    with django_assert_num_queries(0):
        for language in ["en-gb", "fr"]:
            with translation.override(language):
                get_helpline().shown_phones  # noqa: B018
    with translation.override("fr"):
        assert [p.number for p in get_helpline().shown_phones] == [
            "0808 157 0194",
            "0808 157 0100",
        ]
    with translation.override("en-gb"):
        assert [p.number for p in get_helpline().shown_phones] == ["0808 157 0100"]


def test_the_cached_footer_is_kept_per_language(helpline, settings):
    """Pages reuse their header and footer (chrome fragments) from the cache:
    a French page must not get the English copy, nor the other way round."""
    from django.template import Context, Template
    from django.utils import translation

    from allsite.helpline import get_helpline

    settings.PAGE_CACHE_ENABLED = True
    HelplinePhone.objects.create(
        helpline=helpline, label="Ligne en français", number="0808 157 0194", language="fr"
    )
    footer = Template(
        '{% load chrome %}{% chrome_fragment "footer" %}'
        '{% include "includes/helpline.html" %}{% end_chrome_fragment %}'
    )

    def render(language):
        with translation.override(language):
            return footer.render(Context({"helpline": get_helpline()}))

    for _ in range(2):  # the second time from the cache
        assert "0808 157 0194" not in render("en-gb")
        assert "0808 157 0194" in render("fr")


def test_the_demo_helpline_is_named_and_labelled_in_the_pages_language(db):
    from allsite.demo.loader import load_helpline

    load_helpline()
    french = rendered("includes/helpline.html", "fr")
    english = rendered("includes/helpline.html", "en-gb")
    assert "Ligne d’aide de démonstration" in french
    assert "Fermée les jours fériés." in french
    assert "Demo helpline" not in french
    assert "Closed on bank holidays" not in french
    assert "Ligne en français (démo)" in french
    assert "Numéro vert (démo)" in french
    assert "Freephone" not in french
    # The French-speaking line first on French pages.
    assert french.index("0808 157 0194") < french.index("0808 157 0192")
    assert "Demo helpline" in english
    assert "0808 157 0194" not in english
    assert "(démo)" not in english
    # Closure dates are named in the page's language too (the status script's
    # "Closed today (…)" reads the same labels).
    from allsite.models import HelplineClosure

    first = HelplineClosure.objects.filter(date__gt=datetime.date.today()).first()
    assert f"({first.label})" in english
    assert f"({first.translations['fr']})" in french
    assert f"({first.label})" not in french
    for phone in HelplinePhone.objects.all():
        # Ofcom's range for drama: not a real line.
        assert phone.number.removeprefix("+44 ").startswith(("0808 157 0", "808 157 0"))


def test_helpline_staff_write_the_name_and_notes_for_french_pages(client, helpline, helpline_staff):
    client.force_login(helpline_staff)
    form = client.get(change_url(helpline)).content.decode()
    assert "Name (Français)" in form
    assert "Urgent notice (Français)" in form
    data = helpline_form_data(
        helpline,
        urgent_notice="Our phone line is down today.",
        name_fr="Ligne d’aide",
        hours_note_fr="Fermée les jours fériés.",
        urgent_notice_fr="",
    )
    response = client.post(change_url(helpline), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    helpline.refresh_from_db()
    assert helpline.translations == {
        "fr": {"name": "Ligne d’aide", "hours_note": "Fermée les jours fériés."}
    }
    client.logout()

    french = client.get("/fr/").content.decode()
    assert "Ligne d’aide" in french
    assert "Fermée les jours fériés." in french
    assert "Our phone line is down today." in french  # no French notice: the English one
    english = client.get("/").content.decode()
    assert "Ligne d’aide" not in english
    assert "Our phone line is down today." in english

    client.force_login(helpline_staff)
    form = client.get(change_url(helpline)).content.decode()
    assert 'value="Ligne d’aide"' in form  # kept for the next edit
    history = client.get(change_url(helpline).replace("/change/", "/history/")).content.decode()
    assert "Ligne d’aide" in history


def test_helpline_staff_name_a_closure_date_for_french_pages(client, helpline, helpline_staff):
    day = in_a_month()
    client.force_login(helpline_staff)
    form = client.get(change_url(helpline)).content.decode()
    assert 'name="closures-0-label_fr"' in form
    data = with_new_closure(helpline_form_data(helpline), day, "Staff training day")
    data["closures-0-label_fr"] = "Journée de formation"
    response = client.post(change_url(helpline), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert helpline.closures.get().translations == {"fr": "Journée de formation"}
    client.logout()
    french = client.get("/fr/").content.decode()
    english = client.get("/").content.decode()
    assert "(Journée de formation)" in french
    assert "Staff training day" not in french
    assert "(Staff training day)" in english
    assert "Journée de formation" not in english
