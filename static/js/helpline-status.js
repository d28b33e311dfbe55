/*
 * "Open now, until 17:00" / "Closed, opens Monday 09:00" in the helpline block.
 *
 * Pages are served from a full-page cache and a static export, so the server
 * cannot know the time a page is read at: this script works it out from the
 * reader's clock, in the helpline's time zone, from the data the server put on
 * the status element (templates/includes/helpline.html):
 *   data-time-zone  an IANA name, e.g. "Europe/London"
 *   data-hours      JSON, Monday first: ["09:00-17:00", "", ...] ("" = closed)
 *   data-closures   JSON [["2026-12-25", "Christmas Day"], ...] (whole days)
 *   data-texts      JSON: the words in the page's language (allsite.helpline:
 *                   Helpline.status_texts), {time}/{day}/{when}/{label} filled
 *                   in here; English when missing
 * It also hides closure dates in the list that have passed.
 *
 * Without this script (or with a browser that does not know the time zone),
 * the status stays hidden and readers see the hours list and closure dates.
 * The status is plain text, not a live region: it is read where it stands,
 * not announced on every page load.
 */
(function () {
  "use strict";

  var ENGLISH = {
    days: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months: ["January", "February", "March", "April", "May", "June", "July",
      "August", "September", "October", "November", "December"],
    closed: "Closed",
    closedToday: "Closed today",
    closedTodayFor: "Closed today ({label})",
    opensToday: "Closed, opens today {time}",
    openUntil: "Open now, until {time}",
    opensOn: "{closed}, opens {when} {time}",
    dayAndDate: "{day} {date} {month}"
  };
  var SHORT_DAYS = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
  var SEARCH_DAYS = 400;

  function minutes(text) {
    var parts = text.split(":");
    return Number(parts[0]) * 60 + Number(parts[1]);
  }

  // Today's date, weekday (Monday = 0) and minutes since midnight in timeZone.
  function nowIn(timeZone, date) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23"
    }).formatToParts(date).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      weekday: SHORT_DAYS[parts.weekday],
      minute: (Number(parts.hour) % 24) * 60 + Number(parts.minute)
    };
  }

  // The calendar date `offset` days after year-month-day, as {iso, day, month}.
  function dayAfter(today, offset) {
    var d = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    var iso = d.toISOString().slice(0, 10);
    return { iso: iso, day: d.getUTCDate(), month: d.getUTCMonth() };
  }

  // A text with {name} placeholders filled in from values.
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function status(data, date) {
    var t = data.texts;
    var today = nowIn(data.timeZone, date);
    var todayIso = dayAfter(today, 0).iso;
    var closedToday = Object.prototype.hasOwnProperty.call(data.closures, todayIso);
    var hours = data.hours[today.weekday];
    var prefix = t.closed;
    if (closedToday) {
      prefix = data.closures[todayIso]
        ? fill(t.closedTodayFor, { label: data.closures[todayIso] })
        : t.closedToday;
    } else if (hours) {
      var opens = hours.split("-")[0];
      var closes = hours.split("-")[1];
      if (today.minute < minutes(opens)) {
        return fill(t.opensToday, { time: opens });
      }
      if (today.minute < minutes(closes)) {
        return fill(t.openUntil, { time: closes });
      }
    }
    for (var offset = 1; offset <= SEARCH_DAYS; offset += 1) {
      var next = dayAfter(today, offset);
      var nextHours = data.hours[(today.weekday + offset) % 7];
      if (!nextHours || Object.prototype.hasOwnProperty.call(data.closures, next.iso)) {
        continue;
      }
      var when = t.days[(today.weekday + offset) % 7];
      if (offset >= 7) {
        when = fill(t.dayAndDate, { day: when, date: next.day, month: t.months[next.month] });
      }
      return fill(t.opensOn, { closed: prefix, when: when, time: nextHours.split("-")[0] });
    }
    return closedToday ? prefix : "";
  }

  function update(element, data) {
    var text = "";
    try {
      text = status(data, new Date());
    } catch (error) {
      text = ""; // e.g. a browser that does not know this time zone
    }
    element.textContent = text;
    element.hidden = !text;
    if (!text) {
      return;
    }
    var todayIso = dayAfter(nowIn(data.timeZone, new Date()), 0).iso;
    document.querySelectorAll("[data-helpline-closures]").forEach(function (block) {
      var shown = 0;
      block.querySelectorAll("li[data-date]").forEach(function (item) {
        item.hidden = item.getAttribute("data-date") < todayIso;
        shown += item.hidden ? 0 : 1;
      });
      block.hidden = shown === 0;
    });
  }

  function start() {
    document.querySelectorAll("[data-helpline-status]").forEach(function (element) {
      var data;
      try {
        data = {
          timeZone: element.getAttribute("data-time-zone"),
          hours: JSON.parse(element.getAttribute("data-hours")),
          closures: {},
          texts: ENGLISH
        };
        var texts = element.getAttribute("data-texts");
        if (texts) {
          var given = JSON.parse(texts);
          data.texts = {};
          Object.keys(ENGLISH).forEach(function (name) {
            data.texts[name] = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : ENGLISH[name];
          });
        }
        JSON.parse(element.getAttribute("data-closures")).forEach(function (closure) {
          data.closures[closure[0]] = closure[1];
        });
      } catch (error) {
        return;
      }
      update(element, data);
      // A page left open keeps telling the truth as the helpline opens or closes.
      window.setInterval(function () {
        update(element, data);
      }, 60 * 1000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
