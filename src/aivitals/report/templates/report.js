// Filters table rows by the text typed into a search box. Reads rows'
// textContent and toggles `hidden`; it never writes HTML.
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    var status = document.getElementById(input.getAttribute("data-status"));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    function apply() {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row, i) {
        var hit = query === "" || texts[i].indexOf(query) !== -1;
        row.hidden = !hit;
        if (hit) { shown += 1; }
      });
      if (status) {
        status.textContent = query === "" ? rows.length + " rows" : shown + " of " + rows.length + " rows match";
      }
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
