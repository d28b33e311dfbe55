/*
 * Glossary terms in place. A glossary link in a page (a.glossary-link with the
 * term's approved short definition in data-definition, written when the page
 * was published) shows the definition right after the term, with a link to
 * the full glossary entry and a Close button, instead of taking the reader to
 * the A-Z glossary. Without this script, or with Ctrl/Cmd/Shift/middle click,
 * it is the plain link it always was.
 *
 * Keyboard: Enter or Space opens and closes; Tab moves into the definition's
 * links; Escape closes it and puts focus back on the term. One definition is
 * open at a time; a click elsewhere closes it. No inline styles (CSP).
 *
 * The popup's words follow the page's language: the template puts them on the
 * element around the page body (data-glossary-more, data-glossary-close,
 * data-glossary-close-hint); English is the fallback.
 */
(function () {
  "use strict";

  var opened = null; // the link whose definition is showing
  var count = 0;

  function panelOf(link) {
    var id = link.getAttribute("aria-controls");
    return id ? document.getElementById(id) : null;
  }

  // The popup's words, from the nearest element that carries them.
  function words(link) {
    var holder = link.closest("[data-glossary-more]");
    function text(name, fallback) {
      var value = holder ? holder.getAttribute(name) : null;
      return value === null || value === "" ? fallback : value;
    }
    return {
      more: text("data-glossary-more", "Full glossary entry"),
      close: text("data-glossary-close", "Close"),
      closeHint: text("data-glossary-close-hint", " definition")
    };
  }

  function makePanel(link) {
    var label = words(link);
    count += 1;
    var panel = document.createElement("span");
    panel.className = "glossary-popup";
    panel.id = "glossary-definition-" + count;
    panel.hidden = true;

    var text = document.createElement("span");
    text.className = "glossary-popup__text";
    text.textContent = link.getAttribute("data-definition");
    panel.appendChild(text);

    var full = document.createElement("a");
    full.className = "glossary-popup__more";
    full.href = link.getAttribute("href");
    full.textContent = label.more;
    panel.appendChild(full);

    var close = document.createElement("button");
    close.type = "button";
    close.className = "glossary-popup__close";
    close.textContent = label.close;
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = label.closeHint;
    close.appendChild(hint);
    close.addEventListener("click", function () {
      hide(true);
    });
    panel.appendChild(close);

    link.parentNode.insertBefore(panel, link.nextSibling);
    link.setAttribute("aria-controls", panel.id);
    return panel;
  }

  function show(link) {
    if (opened && opened !== link) {
      hide(false);
    }
    var panel = panelOf(link) || makePanel(link);
    panel.hidden = false;
    link.setAttribute("aria-expanded", "true");
    opened = link;
  }

  function hide(returnFocus) {
    if (!opened) {
      return;
    }
    var link = opened;
    opened = null;
    var panel = panelOf(link);
    if (panel) {
      panel.hidden = true;
    }
    link.setAttribute("aria-expanded", "false");
    if (returnFocus) {
      link.focus();
    }
  }

  function toggle(link) {
    if (opened === link) {
      hide(false);
    } else {
      show(link);
    }
  }

  function enhance(link) {
    if (!link.getAttribute("data-definition")) {
      return;
    }
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
    link.addEventListener("click", function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return; // a new tab or window: the glossary page, as without script
      }
      event.preventDefault();
      toggle(link);
    });
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") {
        event.preventDefault(); // a button opens on Space, and the page must not scroll
        toggle(link);
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !opened) {
      return;
    }
    var panel = panelOf(opened);
    var inside =
      document.activeElement === opened || (panel && panel.contains(document.activeElement));
    hide(Boolean(inside));
  });

  document.addEventListener("click", function (event) {
    if (!opened) {
      return;
    }
    var panel = panelOf(opened);
    if (opened.contains(event.target) || (panel && panel.contains(event.target))) {
      return;
    }
    hide(false);
  });

  var links = document.querySelectorAll("a.glossary-link[data-definition]");
  for (var i = 0; i < links.length; i += 1) {
    enhance(links[i]);
  }
})();
