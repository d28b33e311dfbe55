/*
 * The writing surface on the content edit screens (treatments admin).
 *
 * Progressive enhancement: without this script the form is the plain Django
 * admin form and works exactly the same. With it:
 *   - the body box and a live preview sit side by side (stacked on narrow
 *     screens); the preview is rendered by the server through the same
 *     pipeline as the public page (treatments/editing.py), 600 ms after typing
 *     stops, with the problems that would stop saving (by line) and the
 *     readability hints;
 *   - typing [@ opens a list of approved sources to cite (arrow keys, Enter,
 *     Escape; or click);
 *   - a monospace font can be switched on (remembered in this browser);
 *   - while the form has unsaved changes, a heartbeat tells the server every
 *     30 s, so others opening the page see who is editing it. A hint, never a lock.
 * Nothing here saves the form: only the Save buttons do.
 */
(function () {
  "use strict";

  var template = document.getElementById("writing-surface");
  var textarea = document.getElementById("id_body");
  if (!template || !textarea || !("content" in template) || !window.fetch) {
    return;
  }
  var form = textarea.form;
  var config = template.dataset;
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var csrfToken = tokenInput ? tokenInput.value : "";
  var PREVIEW_DELAY = 600;
  var PICKER_DELAY = 150;
  var MONO_KEY = "allsite.editor.monospace";

  /* ---------- layout ---------- */

  var parts = template.content.cloneNode(true);
  var surface = parts.querySelector(".writing-surface");
  var box = parts.querySelector(".writing-surface__box");
  var picker = parts.querySelector(".citation-picker");
  var pickerStatus = parts.querySelector(".citation-picker__status");
  var previewStatus = parts.querySelector(".live-preview__status");
  var previewContent = parts.querySelector(".live-preview__content");
  var monoToggle = parts.querySelector(".writing-surface__mono");
  var row = textarea.closest(".form-row");
  if (row) {
    row.classList.add("form-row--writing-surface");
  }
  textarea.parentNode.insertBefore(parts, textarea);
  box.insertBefore(textarea, picker);
  textarea.classList.add("writing-surface__textarea");
  var describedBy = (textarea.getAttribute("aria-describedby") || "").split(" ");
  describedBy.push("writing-surface-cite-hint");
  textarea.setAttribute("aria-describedby", describedBy.join(" ").trim());
  textarea.setAttribute("aria-controls", picker.id);

  /* ---------- monospace toggle ---------- */

  function storedMono() {
    try {
      return window.localStorage.getItem(MONO_KEY) === "1";
    } catch (e) {
      return false;
    }
  }
  function applyMono(on) {
    textarea.classList.toggle("writing-surface__textarea--mono", on);
    monoToggle.checked = on;
  }
  applyMono(storedMono());
  monoToggle.addEventListener("change", function () {
    applyMono(monoToggle.checked);
    try {
      window.localStorage.setItem(MONO_KEY, monoToggle.checked ? "1" : "0");
    } catch (e) {
      /* private browsing: the choice lasts for this page only */
    }
  });

  /* ---------- live preview ---------- */

  var previewTimer = null;
  var previewInFlight = false;
  var previewAgain = false;
  var lastPreviewed = null;

  function post(url, data, options) {
    data.append("csrfmiddlewaretoken", csrfToken);
    return fetch(url, Object.assign({
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" }
    }, options || {}));
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function summary(answer) {
    var said = ["Preview updated."];
    var problems = answer.problems || [];
    if (problems.length) {
      var first = problems[0].places && problems[0].places[0];
      said.push(plural(problems.length, "thing") + " to fix before saving" +
        (first ? ", the first on line " + first.line : "") + ".");
    }
    if (answer.readability) {
      said.push(answer.readability.verdict + ".");
      var long = answer.readability.long_sentences.length;
      if (long) {
        said.push(plural(long, "long sentence") + ".");
      }
    }
    return said.join(" ");
  }

  function showPreview(answer) {
    var open = {};
    previewContent.querySelectorAll("details[data-remember]").forEach(function (d) {
      open[d.dataset.remember] = d.open;
    });
    previewContent.innerHTML = answer.html;
    previewContent.querySelectorAll("details[data-remember]").forEach(function (d) {
      if (open[d.dataset.remember]) {
        d.open = true;
      }
    });
    previewStatus.textContent = summary(answer);
  }

  function refreshPreview() {
    var body = textarea.value;
    if (body === lastPreviewed) {
      return;
    }
    if (previewInFlight) {
      previewAgain = true;
      return;
    }
    previewInFlight = true;
    lastPreviewed = body;
    var data = new FormData();
    data.append("body", body);
    data.append("article", config.article || "");
    post(config.previewUrl, data)
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("not json");
        }
        return response.json();
      })
      .then(showPreview)
      .catch(function () {
        lastPreviewed = null;
        previewStatus.textContent = "The preview could not be updated (the connection " +
          "may have dropped, or you were signed out). Your text is still in the box.";
      })
      .finally(function () {
        previewInFlight = false;
        if (previewAgain) {
          previewAgain = false;
          refreshPreview();
        }
      });
  }

  function schedulePreview() {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(refreshPreview, PREVIEW_DELAY);
  }

  textarea.addEventListener("input", schedulePreview);
  refreshPreview();

  /* ---------- caret position and "go to line" ---------- */

  var MIRRORED = ["boxSizing", "width", "fontFamily", "fontSize", "fontWeight", "fontStyle",
    "letterSpacing", "lineHeight", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth", "tabSize",
    "textTransform", "wordSpacing", "textIndent"];

  /* Where offset `index` of the text is drawn inside the textarea, in pixels
     from its top left (before scrolling): measured on an invisible copy. */
  function caretCoordinates(index) {
    var mirror = document.createElement("div");
    var style = window.getComputedStyle(textarea);
    MIRRORED.forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.className = "writing-surface__mirror";
    mirror.textContent = textarea.value.slice(0, index);
    var marker = document.createElement("span");
    marker.textContent = textarea.value.slice(index) || ".";
    mirror.appendChild(marker);
    document.body.appendChild(mirror);
    var spot = { top: marker.offsetTop, left: marker.offsetLeft,
      height: parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4 };
    document.body.removeChild(mirror);
    return spot;
  }

  function goToLine(line) {
    var lines = textarea.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i += 1) {
      start += lines[i].length + 1;
    }
    var end = start + (lines[line - 1] || "").length;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var spot = caretCoordinates(start);
    textarea.scrollTop = Math.max(0, spot.top - textarea.clientHeight / 3);
    textarea.scrollIntoView({ block: "nearest" });
  }

  previewContent.addEventListener("click", function (event) {
    var button = event.target.closest("[data-line]");
    if (button) {
      goToLine(parseInt(button.dataset.line, 10));
    }
  });

  /* ---------- the [@ source picker ---------- */

  var CITE_BEFORE_CARET = /\[@(?:[A-Za-z0-9][A-Za-z0-9_.:-]*\s*;\s*@)*([A-Za-z0-9_.:-]*)$/;
  var pickerTimer = null;
  var pickerQuery = null;
  var pickerStart = 0; // where the partly typed key starts
  var options = [];
  var active = -1;
  var answers = {};

  function closePicker() {
    picker.hidden = true;
    picker.innerHTML = "";
    options = [];
    active = -1;
    pickerQuery = null;
    textarea.removeAttribute("aria-activedescendant");
  }

  function setActive(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index < 0) {
      textarea.removeAttribute("aria-activedescendant");
      return;
    }
    var option = options[index];
    textarea.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
    pickerStatus.textContent = option.textContent + " (" + (index + 1) + " of " + options.length + ")";
  }

  function insertKey(key) {
    var caret = textarea.selectionStart;
    var after = textarea.value.slice(caret, caret + 1);
    var text = key + (after === "]" ? "" : "]");
    textarea.focus();
    textarea.setSelectionRange(pickerStart, caret);
    // execCommand keeps the browser's undo history; setRangeText is the fallback.
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      textarea.setRangeText(text, pickerStart, caret, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    closePicker();
    pickerStatus.textContent = "Inserted [@" + key + "].";
  }

  function showOptions(query, answer) {
    if (query !== pickerQuery) {
      return; // typing moved on
    }
    picker.innerHTML = "";
    options = answer.results.map(function (result, i) {
      var option = document.createElement("li");
      option.id = "citation-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.key = result.key;
      var key = document.createElement("span");
      key.className = "citation-picker__key";
      key.textContent = "[@" + result.key + "]";
      var title = document.createElement("span");
      title.className = "citation-picker__title";
      title.textContent = result.title;
      option.appendChild(key);
      option.appendChild(document.createTextNode(" "));
      option.appendChild(title);
      picker.appendChild(option);
      return option;
    });
    if (!options.length) {
      var none = document.createElement("li");
      none.className = "citation-picker__none";
      none.textContent = query
        ? "No approved source matches “" + query + "”. Add it under References first."
        : "No approved sources yet. Add them under References first.";
      picker.appendChild(none);
    }
    var spot = caretCoordinates(pickerStart);
    picker.hidden = false;
    picker.style.top = (spot.top - textarea.scrollTop + spot.height + 4) + "px";
    // Under the caret, but never past the box's right edge (no sideways scrolling).
    picker.style.left = Math.max(0, Math.min(spot.left, box.clientWidth - picker.offsetWidth)) + "px";
    pickerStatus.textContent = options.length
      ? plural(options.length, "source") + (answer.more ? " or more" : "") +
        " match. Up and down arrows choose, Enter inserts, Escape closes."
      : picker.textContent;
    setActive(options.length ? 0 : -1);
  }

  function lookUp(query) {
    if (answers[query]) {
      showOptions(query, answers[query]);
      return;
    }
    var url = config.referencesUrl + "?q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        answers[query] = answer;
        showOptions(query, answer);
      })
      .catch(closePicker);
  }

  function checkForCitation() {
    if (textarea.selectionStart !== textarea.selectionEnd) {
      closePicker();
      return;
    }
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = CITE_BEFORE_CARET.exec(before.slice(-300));
    if (!match) {
      closePicker();
      return;
    }
    var query = match[1];
    if (query === pickerQuery) {
      return;
    }
    pickerQuery = query;
    pickerStart = textarea.selectionStart - query.length;
    window.clearTimeout(pickerTimer);
    pickerTimer = window.setTimeout(function () {
      lookUp(query);
    }, PICKER_DELAY);
  }

  textarea.addEventListener("input", checkForCitation);
  textarea.addEventListener("click", checkForCitation);
  textarea.addEventListener("blur", function () {
    window.setTimeout(function () {
      if (document.activeElement !== textarea) {
        closePicker();
      }
    }, 200);
  });

  textarea.addEventListener("keydown", function (event) {
    if (picker.hidden) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) {
        return;
      }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + options.length) % options.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      insertKey(options[active].dataset.key);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closePicker();
      pickerStatus.textContent = "Source list closed.";
    }
  });
  textarea.addEventListener("keyup", function (event) {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight" ||
        event.key === "Home" || event.key === "End") {
      checkForCitation();
    }
  });

  picker.addEventListener("mousedown", function (event) {
    event.preventDefault(); // keep the focus (and the caret) in the text box
  });
  picker.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (option) {
      insertKey(option.dataset.key);
    }
  });

  /* ---------- "someone else has unsaved changes open" heartbeat ---------- */

  var hint = document.getElementById("editing-others");
  var dirty = false;
  var submitting = false;

  function showOthers(others) {
    if (!hint) {
      return;
    }
    hint.innerHTML = "";
    others.forEach(function (other) {
      var p = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = other.name + " has this page open with unsaved changes since " +
        other.since + ".";
      p.appendChild(strong);
      hint.appendChild(p);
    });
    if (others.length) {
      var advice = document.createElement("p");
      advice.textContent = "You can still save. If they save first, saving tells you, and " +
        "your text stays in the form for you to copy into their version.";
      hint.appendChild(advice);
    }
    hint.hidden = !others.length;
  }

  function heartbeat() {
    if (!dirty || submitting) {
      return;
    }
    post(config.heartbeatUrl, new FormData())
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        showOthers(answer.others || []);
      })
      .catch(function () {
        /* a missed heartbeat only delays the hint others see */
      });
  }

  function markDirty() {
    if (dirty || !config.heartbeatUrl) {
      return;
    }
    dirty = true;
    heartbeat();
    window.setInterval(heartbeat, (parseInt(config.heartbeatSeconds, 10) || 30) * 1000);
  }

  function markDirtyUnlessToggle(event) {
    if (event.target !== monoToggle) {
      markDirty();
    }
  }
  form.addEventListener("input", markDirtyUnlessToggle);
  form.addEventListener("change", markDirtyUnlessToggle);
  form.addEventListener("submit", function () {
    submitting = true;
  });
  // A form shown again with errors holds text that is not saved yet.
  if (form.querySelector(".errornote")) {
    markDirty();
  }
  window.addEventListener("pagehide", function () {
    if (dirty && !submitting && config.heartbeatUrl && navigator.sendBeacon) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken);
      data.append("state", "closed");
      navigator.sendBeacon(config.heartbeatUrl, data);
    }
  });
}());
