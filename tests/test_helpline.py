import pytest

from allsite.models import HelplineInfo

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
    }
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
