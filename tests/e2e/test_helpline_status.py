"""The helpline block says whether the helpline is open now, worked out in the
reader's browser (static/js/helpline-status.js) from the hours, time zone and
closure dates in the cached page, in the helpline's time zone.

The helpline is in Toronto; the browser's clock is fixed in UTC, at instants
where UTC and Toronto disagree about the day or the hour.
"""

import datetime
import json
import zoneinfo
from pathlib import Path

import pytest
from playwright.sync_api import expect

from allsite.models import HelplineClosure, HelplineInfo, HelplinePhone

pytestmark = pytest.mark.browser

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
STATUS = "[data-helpline-status]"


def next_monday():
    """A Monday two to three weeks ahead: its closure dates are still to come
    on the server, whatever the real date is when the test runs."""
    today = datetime.date.today()
    return today + datetime.timedelta(days=14 + (7 - today.weekday()) % 7)


@pytest.fixture
def week(live_server):
    """A Toronto helpline open Monday to Friday 09:00-17:00, closed on the
    Wednesday of the week returned (its Monday) for a bank holiday."""
    monday = next_monday()
    nine, five = datetime.time(9), datetime.time(17)
    days = ("monday", "tuesday", "wednesday", "thursday", "friday")
    info = HelplineInfo.objects.create(
        name="Support line",
        email="support@example.org",
        time_zone="America/Toronto",
        **{f"{day}_{edge}": t for day in days for edge, t in (("opens", nine), ("closes", five))},
    )
    HelplinePhone.objects.create(helpline=info, label="Freephone", number="0808 157 0100")
    HelplineClosure.objects.create(
        helpline=info, date=monday + datetime.timedelta(days=2), label="bank holiday"
    )
    return monday


def at(monday, days_later, hour, minute=0):
    """An instant given as Toronto wall-clock time, returned in UTC."""
    day = monday + datetime.timedelta(days=days_later)
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TORONTO)
    return local.astimezone(datetime.UTC)


def status_at(new_page, url, instant):
    page = new_page()
    page.clock.set_fixed_time(instant)
    response = page.goto(url)
    return page, response


@pytest.mark.parametrize(
    ("days_later", "hour", "minute", "expected"),
    [
        # Monday 08:30 in Toronto is 13:30 UTC, within the hours by a UTC clock.
        (0, 8, 30, "Closed, opens today 09:00"),
        (1, 12, 0, "Open now, until 17:00"),
        # Tuesday 16:59: still open.
        (1, 16, 59, "Open now, until 17:00"),
        # Tuesday 17:00: closed, and Wednesday is a bank holiday.
        (1, 17, 0, "Closed, opens Thursday 09:00"),
        (2, 11, 0, "Closed today (bank holiday), opens Thursday 09:00"),
        # Friday 16:30 in Toronto is 21:30 UTC, after the hours by a UTC clock.
        (4, 16, 30, "Open now, until 17:00"),
        # Friday 20:00 in Toronto is already Saturday 01:00 UTC.
        (4, 20, 0, "Closed, opens Monday 09:00"),
        (5, 12, 0, "Closed, opens Monday 09:00"),
        # Sunday 23:30 in Toronto is Monday 04:30 UTC ("opens today" by UTC).
        (6, 23, 30, "Closed, opens Monday 09:00"),
    ],
)
def test_the_helpline_block_says_open_or_closed_in_the_helplines_time_zone(
    live_server, week, new_page, days_later, hour, minute, expected
):
    page, _ = status_at(new_page, f"{live_server.url}/", at(week, days_later, hour, minute))
    expect(page.locator(STATUS)).to_have_text(expected)
    expect(page.locator(STATUS)).to_be_visible()


def test_a_cached_page_tells_each_reader_the_status_at_their_own_moment(
    live_server, week, new_page
):
    url = f"{live_server.url}/"
    open_page, first = status_at(new_page, url, at(week, 1, 12))
    closed_page, second = status_at(new_page, url, at(week, 5, 12))
    # The very same stored bytes (same validator) ...
    assert first.headers["etag"] == second.headers["etag"]
    assert first.body() == second.body()
    # ... and each reader is told the truth for their own moment.
    expect(open_page.locator(STATUS)).to_have_text("Open now, until 17:00")
    expect(closed_page.locator(STATUS)).to_have_text("Closed, opens Monday 09:00")


def test_a_page_left_open_changes_its_status_when_the_helpline_closes(live_server, week, new_page):
    page = new_page()
    page.clock.install(time=at(week, 1, 16, 58))
    page.goto(f"{live_server.url}/")
    expect(page.locator(STATUS)).to_have_text("Open now, until 17:00")
    page.clock.run_for("03:00")
    expect(page.locator(STATUS)).to_have_text("Closed, opens Thursday 09:00")


def test_closure_dates_are_listed_and_passed_ones_hidden(live_server, week, new_page):
    wednesday = week + datetime.timedelta(days=2)
    listed = f"li[data-date='{wednesday.isoformat()}']"
    page, _ = status_at(new_page, f"{live_server.url}/", at(week, 1, 12))
    expect(page.locator(listed)).to_contain_text("(bank holiday)")
    expect(page.locator(listed)).to_be_visible()
    # Read from a cached copy the day after: the date has passed, so it is not shown.
    later, _ = status_at(new_page, f"{live_server.url}/", at(week, 3, 12))
    expect(later.locator("[data-helpline-closures]")).to_be_hidden()
    expect(later.locator(STATUS)).to_have_text("Open now, until 17:00")


def test_without_javascript_readers_get_the_hours_and_closures_and_no_status(
    live_server, week, browser
):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        expect(page.locator(STATUS)).to_be_hidden()
        expect(page.locator(".helpline__hours")).to_contain_text("Monday")
        expect(page.locator(".helpline__hours")).to_contain_text("09:00 to 17:00")
        expect(page.locator("[data-helpline-closures]")).to_contain_text("(bank holiday)")
        expect(page.locator(STATUS)).to_have_text("")
        # The words are in the page (data-texts, for the script), never shown.
        assert "Open now" not in page.locator("body").inner_text()
    finally:
        context.close()


def test_the_helpline_block_with_its_status_has_no_axe_violations(live_server, week, new_page):
    assert AXE.is_file(), "make test installs axe-core (npm ci)"
    page = new_page(bypass_csp=True)
    page.clock.set_fixed_time(at(week, 2, 11))
    page.goto(f"{live_server.url}/")
    expect(page.locator(STATUS)).to_be_visible()
    page.add_script_tag(path=str(AXE))
    options = {
        "runOnly": {
            "type": "tag",
            "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
        },
        "rules": {"target-size": {"enabled": True}},
    }
    result = page.evaluate("options => axe.run('.helpline', options)", options)
    assert not result["violations"], json.dumps(result["violations"], indent=1)[:3000]


def test_the_status_script_runs_under_the_sites_content_security_policy(
    live_server, week, new_page
):
    page = new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.clock.set_fixed_time(at(week, 1, 12))
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(STATUS)).to_have_text("Open now, until 17:00")
    assert not errors
