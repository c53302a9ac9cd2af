// Drill-down rows: a click anywhere on a row with data-href follows the row's
// link (the link itself stays the keyboard path: Tab to it, Enter). Reads
// attributes only; it never writes HTML.
(function () {
  "use strict";
  document.querySelectorAll("tr[data-href]").forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select")) { return; }
      var link = row.querySelector("a[href]");
      if (link) { window.location.assign(link.href); }
    });
  });
})();
