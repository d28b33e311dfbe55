/*
 * Printed pages say when they were printed (print.css shows the page address
 * under every page; the address is in the HTML, the date cannot be, since
 * pages are cached). Without this script the paper copy has the address only.
 */
(function () {
  "use strict";
  var target = document.querySelector(".print-source__date");
  if (!target) {
    return;
  }
  function stamp() {
    var today = new Date().toLocaleDateString("en-GB", {
      day: "numeric",
      month: "long",
      year: "numeric",
    });
    target.textContent = " on " + today;
  }
  window.addEventListener("beforeprint", stamp);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", function (event) {
      if (event.matches) {
        stamp();
      }
    });
  }
})();
