// wildstat report: sortable tables and "Copy LaTeX" buttons. Written by
// wildstat; the page's Content-Security-Policy allows only this script.
(function () {
  "use strict";
  // The number a cell sorts by: its first number ("0.5420 ± 0.2103" ->
  // 0.542, "[0.50, 0.58]" -> 0.5, "inf" -> Infinity), else null.
  function sortKey(text) {
    var t = text.trim();
    if (/^[-+]?inf(inity)?$/i.test(t)) { return t.charAt(0) === "-" ? -Infinity : Infinity; }
    var m = /^[\[(]?\s*([-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?)/i.exec(t);
    return m ? parseFloat(m[1]) : null;
  }
  // Ascending order of two non-empty cells: numbers by value, before text.
  function compare(a, b) {
    if (a.key !== null && b.key !== null) { return a.key < b.key ? -1 : a.key > b.key ? 1 : 0; }
    if (a.key !== null) { return -1; }
    if (b.key !== null) { return 1; }
    return a.text.localeCompare(b.text, undefined, { numeric: true, sensitivity: "base" });
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) { heads[h].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      var cell = row.cells[col];
      var text = cell ? cell.textContent : "";
      return { row: row, i: i, text: text.trim(), key: sortKey(text) };
    });
    // Empty and n/a cells stay last in both directions; ties keep order.
    rows.sort(function (a, b) {
      var ea = a.text === "" || a.text === "n/a", eb = b.text === "" || b.text === "n/a";
      if (ea || eb) { return ea === eb ? a.i - b.i : (ea ? 1 : -1); }
      return dir * compare(a, b) || a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  // Copies the text of element `src`: the clipboard API, else a hidden
  // textarea and execCommand("copy"), else the LaTeX is unfolded and
  // selected so that Ctrl+C copies it.
  function copyFrom(src, button) {
    var text = src.textContent;
    var label = button.getAttribute("data-label");
    var say = function (msg) {
      button.textContent = msg;
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    var select = function () {
      var fold = src.closest("details");
      if (fold) { fold.open = true; }
      var range = document.createRange();
      range.selectNodeContents(src);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      say("Selected: press Ctrl+C");
    };
    var fallback = function () {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.style.position = "fixed";
      ta.style.left = "-9999px";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (ok) { say("Copied"); } else { select(); }
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { say("Copied"); }, fallback);
    } else {
      fallback();
    }
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    if (!table.tHead) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, col, th); }
      });
    });
  });
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.setAttribute("data-label", button.textContent);
    button.addEventListener("click", function () {
      var src = document.getElementById(button.getAttribute("data-copy"));
      if (src) { copyFrom(src, button); }
    });
  });
  document.body.setAttribute("data-ready", String(tables.length));
})();
