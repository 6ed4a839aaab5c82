/* onestop public pages: accent-insensitive search, filters and pagination over the page's records.
 *
 * The first page of rows is already in the HTML, so it shows at once. The records themselves are read only
 * after that first paint, from the script named by the table's data-records attribute (index.data.js,
 * apologies.data.js: it sets window.ONESTOP_RECORDS). A script element, not fetch, so the site also works from
 * file://. Only one page of rows (page_size) is ever in the DOM, so 100,000 records stay quick. Texts shown
 * to the reader come from the page (data-* attributes), so this file holds no language.
 */
(function () {
  "use strict";

  var table = document.getElementById("records");
  if (!table || !table.getAttribute("data-records")) return;
  var form = document.querySelector("form.controls");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // never reload the page, even before the records are in
    });
  }

  function load() {
    table.setAttribute("aria-busy", "true");
    var script = document.createElement("script");
    script.src = table.getAttribute("data-records");
    script.onload = function () {
      if (window.ONESTOP_RECORDS) useRecords(window.ONESTOP_RECORDS);
    };
    document.body.appendChild(script);
  }

  /* Everything below works on the records once they are in. */
  function useRecords(data) {
    var rows = data.rows;
    var cells = data.cells;
    var lookups = data.lookups;
    var pageSize = data.page_size || 50;
    var body = table.tBodies[0];
    var headerCells = table.tHead.rows[0].cells;
    var headers = Array.prototype.map.call(headerCells, function (th) {
      return th.textContent;
    });
    var classes = Array.prototype.map.call(headerCells, function (th) {
      return th.className;
    });
    var search = document.getElementById("search");
    var filters = Array.prototype.slice.call(document.querySelectorAll("select[data-column]"));
    var status = document.getElementById("status");
    var pager = document.querySelector(".pager");
    var pageLabel = document.querySelector(".page-label");
    var buttons = {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-page]"), function (button) {
      buttons[button.getAttribute("data-page")] = button;
    });

    var keys = null; // folded search text of each row, built on the first search
    var matches = null; // indexes of the rows that pass the search and filters; null = every row
    var page = 0;

    /* As onestop.text.fold: NFD, combining marks removed, đ → d, lower case, spaces collapsed. */
    function fold(text) {
      return String(text)
        .normalize("NFD")
        .replace(/[\u0300-\u036f]/g, "")
        .replace(/[đĐ]/g, "d")
        .toLowerCase()
        .replace(/\s+/g, " ")
        .trim();
    }

    function cellText(row, column) {
      var value = row[column];
      var lookup = cells[column];
      if (value === null || value === undefined) return "—";
      return lookup ? lookups[lookup][value] : value;
    }

    /* Names, procedures and fields repeat across rows: each distinct text is folded once. Plain ASCII (codes,
       dates) only needs lower case. */
    var folded = new Map();
    function foldCell(text) {
      if (!/[^\x00-\x7f]/.test(text)) return text.toLowerCase();
      var key = folded.get(text);
      if (key === undefined) {
        key = fold(text);
        folded.set(text, key);
      }
      return key;
    }

    function searchKey(index) {
      if (keys === null) keys = new Array(rows.length);
      var key = keys[index];
      if (key === undefined) {
        var row = rows[index];
        var parts = [];
        for (var c = 0; c < row.length; c++) parts.push(foldCell(cellText(row, c)));
        key = keys[index] = parts.join(" ");
      }
      return key;
    }

    function groupDigits(n) {
      return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    }

    function format(template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, name) {
        return values[name];
      });
    }

    function applyFilters() {
      var query = search ? fold(search.value) : "";
      var chosen = filters
        .filter(function (select) {
          return select.value !== "";
        })
        .map(function (select) {
          return [Number(select.getAttribute("data-column")), Number(select.value)];
        });
      if (!query && chosen.length === 0) {
        matches = null;
      } else {
        var terms = query ? query.split(" ") : [];
        matches = [];
        outer: for (var i = 0; i < rows.length; i++) {
          for (var f = 0; f < chosen.length; f++) {
            if (rows[i][chosen[f][0]] !== chosen[f][1]) continue outer;
          }
          if (terms.length) {
            var key = searchKey(i);
            for (var t = 0; t < terms.length; t++) {
              if (key.indexOf(terms[t]) === -1) continue outer;
            }
          }
          matches.push(i);
        }
      }
      page = 0;
      render();
    }

    function makeRow(row) {
      var tr = document.createElement("tr");
      for (var c = 0; c < row.length; c++) {
        var cell = document.createElement(c === 0 ? "th" : "td");
        if (c === 0) cell.scope = "row";
        if (classes[c]) cell.className = classes[c];
        cell.setAttribute("data-label", headers[c]);
        var text = cellText(row, c);
        if (cells[c] === "outcome") {
          var tag = document.createElement("span");
          tag.className = "tag tag-outcome-" + row[c];
          tag.textContent = text;
          cell.appendChild(tag);
        } else {
          cell.textContent = text;
        }
        tr.appendChild(cell);
      }
      return tr;
    }

    function render(keepRows) {
      var total = matches ? matches.length : rows.length;
      var pages = Math.max(1, Math.ceil(total / pageSize));
      if (page >= pages) page = pages - 1;
      var start = page * pageSize;
      var end = Math.min(total, start + pageSize);
      if (!keepRows) {
        var fragment = document.createDocumentFragment();
        for (var n = start; n < end; n++) fragment.appendChild(makeRow(rows[matches ? matches[n] : n]));
        body.replaceChildren(fragment);
      }
      status.textContent = total
        ? format(status.getAttribute("data-showing"), {
            from: groupDigits(start + 1),
            to: groupDigits(end),
            total: groupDigits(total),
          })
        : status.getAttribute("data-none");
      if (pageLabel) {
        pageLabel.textContent = format(pageLabel.getAttribute("data-template"), {
          page: groupDigits(page + 1),
          pages: groupDigits(pages),
        });
      }
      if (pager) pager.hidden = pages < 2;
      setDisabled("first", page === 0);
      setDisabled("prev", page === 0);
      setDisabled("next", page >= pages - 1);
      setDisabled("last", page >= pages - 1);
    }

    function setDisabled(name, disabled) {
      if (buttons[name]) buttons[name].disabled = disabled;
    }

    function goTo(name) {
      var total = matches ? matches.length : rows.length;
      var last = Math.max(0, Math.ceil(total / pageSize) - 1);
      page = { first: 0, prev: Math.max(0, page - 1), next: Math.min(last, page + 1), last: last }[name];
      render();
      table.scrollIntoView({ block: "start" });
    }

    var pending = null;
    if (search) {
      search.addEventListener("input", function () {
        clearTimeout(pending);
        pending = setTimeout(applyFilters, 120);
      });
      search.form.addEventListener("submit", function () {
        clearTimeout(pending);
        applyFilters();
      });
    }
    filters.forEach(function (select) {
      select.addEventListener("change", applyFilters);
    });
    Object.keys(buttons).forEach(function (name) {
      buttons[name].addEventListener("click", function () {
        goTo(name);
      });
    });

    if ((search && search.value) || filters.some(function (s) { return s.value !== ""; })) {
      applyFilters(); // the browser restored the form (back button)
    } else {
      render(true); // the first page is already drawn: only the status and the pager change
    }
    table.setAttribute("aria-busy", "false");
  }

  // Let the browser paint the first page before it parses every record.
  requestAnimationFrame(function () {
    setTimeout(load, 0);
  });
})();
