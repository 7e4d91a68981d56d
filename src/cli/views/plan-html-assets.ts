/**
 * The report's inline stylesheet and script. Kept apart from the markup so
 * plan-html.ts reads as structure; both are plain strings pasted into the page
 * (the page must work from file:// with no network).
 */

export const REPORT_CSS = `
:root{--fg:#1d2430;--dim:#667085;--line:#d0d5dd;--bg:#fff;--warn:#b54708;--warnbg:#fffaeb;--ins:#067647;--del:#b42318;--bar:#3e6ec5;--accent:#e07b00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:#f8f9fb}
h1{margin:0 0 8px;font-size:20px} h2{font-size:16px;margin:24px 0 8px}
main{padding:0 24px 32px}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:12px;color:var(--dim)}
.meta dt{font-weight:600} .meta dd{margin:0;word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px}
.card .v{font-size:22px;font-weight:700} .card .l{color:var(--dim);font-size:12px}
.card.warn{border-color:var(--warn);background:var(--warnbg)} .card.warn .v{color:var(--warn)}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px;max-width:100%;overflow-x:auto}
figcaption{font-weight:600;margin-bottom:6px}
.chart{font-size:12px;fill:var(--fg)} .chart .bar{fill:var(--bar)} .chart .bar.accent{fill:var(--accent)}
.callout{border:1px solid var(--warn);background:var(--warnbg);border-radius:8px;padding:4px 16px 8px;margin-top:16px}
.callout h2{color:var(--warn)}
.tools{display:flex;gap:12px;align-items:center}
input[type=search]{font:inherit;padding:6px 10px;width:min(480px,100%);border:1px solid var(--line);border-radius:6px}
.count{color:var(--dim)}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f2f4f7;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" ▲"} th[aria-sort=descending]::after{content:" ▼"}
td.num{text-align:right}
tr.irrev td:first-child{box-shadow:inset 3px 0 var(--warn)}
ul.diff{margin:0;padding:0;list-style:none}
.f{color:var(--dim);display:inline-block;min-width:7em}
del{color:var(--del);text-decoration:none} del::before{content:""}
ins{color:var(--ins);text-decoration:none}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;border:1px solid var(--line)}
.badge.warn,.o-conflict,.o-failed{color:var(--warn);border-color:var(--warn)}
.o-applied{color:var(--ins);border-color:var(--ins)}
.dim{color:var(--dim)}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
`;

/** Filtering (search boxes) and sorting (click or Enter on a header) for every table.sortable. */
export const REPORT_JS = `
(function () {
  'use strict';
  function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? 0 : '';
    var raw = cell.getAttribute('data-sort');
    var text = raw !== null ? raw : cell.textContent || '';
    return numeric ? Number(text) || 0 : text.trim().toLowerCase();
  }
  function sortBy(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute('data-type') === 'number';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', dir);
    var sign = dir === 'ascending' ? 1 : -1;
    var rows = rowsOf(table).map(function (row, i) { return { row: row, key: cellKey(row, index, numeric), i: i }; });
    rows.sort(function (a, b) {
      if (a.key < b.key) return -sign;
      if (a.key > b.key) return sign;
      return a.i - b.i;
    });
    var body = table.tBodies[0];
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  function filter(table, query) {
    var q = query.trim().toLowerCase();
    var shown = 0;
    var rows = rowsOf(table);
    rows.forEach(function (row) {
      var match = q === '' || (row.textContent || '').toLowerCase().indexOf(q) !== -1;
      row.hidden = !match;
      if (match) shown++;
    });
    var counter = document.querySelector('[data-count-for="' + table.id + '"]');
    if (counter) counter.textContent = shown + ' of ' + rows.length;
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener('click', function () { sortBy(table, th); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(table, th); } });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('input[data-table]'), function (input) {
    var table = document.getElementById(input.getAttribute('data-table'));
    if (!table) return;
    input.addEventListener('input', function () { filter(table, input.value); });
  });
})();
`;
