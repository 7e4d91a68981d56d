/**
 * The report's inline stylesheet and script. Kept apart from the markup so
 * plan-html.ts reads as structure; both are plain strings pasted into the page
 * (the page must work from file:// with no network).
 */

export const REPORT_CSS = `
:root{--fg:#1d2430;--dim:#667085;--line:#d0d5dd;--bg:#fff;--warn:#b54708;--warnbg:#fffaeb;--ins:#067647;--del:#b42318;--bar:#3e6ec5;--accent:#e07b00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px 12px;border-bottom:1px solid var(--line);background:#f8f9fb}
.kind{margin:0;color:var(--dim);font-size:12px} .kind span{text-transform:uppercase;letter-spacing:.04em}
h1{margin:2px 0 6px;font-size:22px;overflow-wrap:anywhere} h2{font-size:16px;margin:24px 0 8px}
main{padding:0 24px 32px}
details.meta summary{cursor:pointer;color:var(--dim);font-size:12px}
.meta dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0 0;font-size:12px;color:var(--dim)}
.meta dt{font-weight:600} .meta dd{margin:0;word-break:break-all}
.lead{font-size:15px;margin:12px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px}
.card .v{font-size:22px;font-weight:700} .card .l{color:var(--dim);font-size:12px}
.card.warn{border-color:var(--warn);background:var(--warnbg)} .card.warn .v{color:var(--warn)}
.settled,.actions{color:var(--dim);margin:8px 0}
table.money{width:auto;min-width:420px} table.money td.num,table.money th.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:12px;margin-top:12px;align-items:flex-start}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px;max-width:100%;overflow-x:auto}
figcaption{font-weight:600;margin-bottom:4px;font-size:13px}
.chart{font-size:12px;fill:var(--fg);overflow:visible;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif} .chart .bar{fill:var(--bar)} .chart .bar.accent{fill:var(--accent)}
.callout{border:1px solid var(--warn);background:var(--warnbg);border-radius:8px;padding:8px 16px;margin-top:16px}
.callout summary{cursor:pointer;color:var(--warn);font-weight:700;font-size:15px}
.callout ul{columns:2 360px;margin:8px 0}
.tools{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}
input[type=search]{font:inherit;padding:6px 10px;width:min(420px,100%);border:1px solid var(--line);border-radius:6px}
.tools label{white-space:nowrap} select,button{font:inherit}
.count{color:var(--dim)}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0}
.pager button{padding:2px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer} .pager button:disabled{opacity:.4;cursor:default}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f2f4f7;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" ▲"} th[aria-sort=descending]::after{content:" ▼"}
td.num{text-align:right}
tr.irrev td:first-child{box-shadow:inset 3px 0 var(--warn)}
ul.diff{margin:0;padding:0;list-style:none}
.f{color:var(--dim);display:inline-block;min-width:7em}
del{color:var(--del);text-decoration:none}
ins{color:var(--ins);text-decoration:none}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;border:1px solid var(--line)}
.badge.warn,.o-conflict,.o-failed{color:var(--warn);border-color:var(--warn)}
.o-applied{color:var(--ins);border-color:var(--ins)}
.dim{color:var(--dim)}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
.print-only{display:none}
@media print{
  @page{margin:14mm}
  body{font-size:10pt}
  header{background:none;padding:0 0 8px}
  main{padding:0}
  .tools,.pager,noscript{display:none!important}
  .print-only{display:block;color:var(--dim);font-size:9pt}
  th{position:static;background:none;cursor:auto} th::after{content:""!important}
  tr,figure,.card{break-inside:avoid}
  thead{display:table-header-group}
  .callout,.card.warn,.chart .bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  figure{overflow:visible}
  a{color:inherit;text-decoration:none}
}
`;

/**
 * Sorting and filtering for the server-rendered tables (table.sortable), and the
 * entries table: its rows live in a JSON island and only one page of them is in
 * the DOM, so 20,000 entries filter and sort without laying out 20,000 rows.
 * Text is placed with textContent only, never as markup.
 */
export const REPORT_JS = `
(function () {
  'use strict';
  var fmt = function (n) { return n.toLocaleString('en-US'); };

  // Server-rendered tables (apply outcomes).
  function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? 0 : '';
    var raw = cell.getAttribute('data-sort');
    var text = raw !== null ? raw : cell.textContent || '';
    return numeric ? Number(text) || 0 : text.trim().toLowerCase();
  }
  function markSorted(th, dir) {
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', dir);
  }
  function onActivate(th, fn) {
    th.addEventListener('click', fn);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fn(); } });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      onActivate(th, function () {
        var numeric = th.getAttribute('data-type') === 'number';
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        markSorted(th, dir);
        var sign = dir === 'ascending' ? 1 : -1;
        var rows = rowsOf(table).map(function (row, i) { return { row: row, key: cellKey(row, index, numeric), i: i }; });
        rows.sort(function (a, b) { return a.key < b.key ? -sign : a.key > b.key ? sign : a.i - b.i; });
        var body = table.tBodies[0];
        rows.forEach(function (r) { body.appendChild(r.row); });
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('input[data-table]'), function (input) {
    var table = document.getElementById(input.getAttribute('data-table'));
    if (!table) return;
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase();
      var rows = rowsOf(table);
      var shown = 0;
      rows.forEach(function (row) {
        var match = q === '' || (row.textContent || '').toLowerCase().indexOf(q) !== -1;
        row.hidden = !match;
        if (match) shown++;
      });
      var counter = document.querySelector('[data-count-for="' + table.id + '"]');
      if (counter) counter.textContent = fmt(shown) + ' of ' + fmt(rows.length);
    });
  });

  // The entries table.
  var island = document.getElementById('entries-data');
  var table = document.getElementById('entries');
  if (!island || !table) return;
  var data = JSON.parse(island.textContent || '[]');
  var withOutcome = table.getAttribute('data-outcomes') === '1';
  // The lower-cased text each filter term is looked for in: built on the first search, not at open.
  var hay = null;
  function haystack() {
    if (hay !== null) return hay;
    hay = data.map(function (r) {
      var parts = [r.i, r.n, r.m, r.w, r.r || '', r.x ? 'irreversible' : ''];
      r.d.forEach(function (d) { parts.push(d[1], d[2], d[3] || ''); });
      return parts.join('\u0001').toLowerCase();
    });
    return hay;
  }
  var state = { terms: [], irr: false, moves: false, key: '', dir: 1, page: 0, size: 100 };
  var view = data.map(function (_, i) { return i; });
  var body = table.tBodies[0];
  var el = function (id) { return document.getElementById(id); };
  var search = el('search'), onlyIrr = el('only-irreversible'), onlyMoves = el('only-moves'), size = el('page-size');
  var counter = document.querySelector('[data-count-for="entries"]');
  var pageText = el('page-text'), printNote = el('print-note');

  function sortKey(r, key) {
    switch (key) {
      case 'o': case 'x': return r[key];
      case 'd': return r.d.length;
      default: return (r[key] || '').toLowerCase();
    }
  }
  function compute() {
    view = [];
    var text = state.terms.length > 0 ? haystack() : null;
    for (var i = 0; i < data.length; i++) {
      var r = data[i];
      if (state.irr && !r.x) continue;
      if (state.moves && r.m === '') continue;
      var ok = true;
      for (var t = 0; text !== null && t < state.terms.length && ok; t++) ok = text[i].indexOf(state.terms[t]) !== -1;
      if (ok) view.push(i);
    }
    if (state.key !== '') {
      var key = state.key, sign = state.dir;
      var keys = new Array(data.length);
      view.forEach(function (i) { keys[i] = sortKey(data[i], key); });
      view.sort(function (a, b) { return keys[a] < keys[b] ? -sign : keys[a] > keys[b] ? sign : a - b; });
    }
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (state.page >= pages) state.page = pages - 1;
  }
  function text(tag, value, cls) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    node.textContent = value;
    return node;
  }
  function rowFor(r) {
    var tr = document.createElement('tr');
    if (r.x) tr.className = 'irrev';
    var td = function (child, cls) { var c = document.createElement('td'); if (cls) c.className = cls; if (child) c.appendChild(child); tr.appendChild(c); return c; };
    td(text('code', r.i));
    td(document.createTextNode(r.n));
    td(document.createTextNode(r.m));
    var ul = document.createElement('ul');
    ul.className = 'diff';
    r.d.forEach(function (d) {
      var li = document.createElement('li');
      li.appendChild(text('span', d[1], 'f'));
      li.appendChild(document.createTextNode(' '));
      if (d[0] === 0) {
        li.appendChild(text('del', d[2]));
        li.appendChild(document.createTextNode(' → '));
        li.appendChild(text('ins', d[3]));
      } else {
        li.appendChild(text(d[0] === 1 ? 'ins' : 'del', (d[0] === 1 ? '+ ' : '− ') + d[2]));
      }
      ul.appendChild(li);
    });
    td(ul);
    td(document.createTextNode(String(r.o)), 'num');
    td(r.x ? text('span', 'irreversible', 'badge warn') : null);
    if (withOutcome) td(r.r ? text('span', r.r, 'badge o-' + r.r) : null);
    var w = td(null);
    r.w.split('\\n').forEach(function (line, k) { if (k > 0) w.appendChild(document.createElement('br')); w.appendChild(document.createTextNode(line)); });
    return tr;
  }
  function render(all) {
    var from = all ? 0 : state.page * state.size;
    var to = all ? Math.min(view.length, all) : Math.min(view.length, from + state.size);
    var frag = document.createDocumentFragment();
    for (var k = from; k < to; k++) frag.appendChild(rowFor(data[view[k]]));
    body.replaceChildren(frag);
    if (counter) counter.textContent = fmt(view.length) + ' of ' + fmt(data.length);
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (pageText) pageText.textContent = view.length === 0 ? 'no entries match' : 'rows ' + fmt(from + 1) + '–' + fmt(to) + ' · page ' + fmt(state.page + 1) + ' of ' + fmt(pages);
    if (printNote) printNote.textContent = 'Printed: rows ' + fmt(view.length === 0 ? 0 : from + 1) + '–' + fmt(to) + ' of the ' + fmt(view.length) + ' entries matching the filter (' + fmt(data.length) + ' in the plan).';
    el('page-first').disabled = el('page-prev').disabled = state.page === 0;
    el('page-next').disabled = el('page-last').disabled = state.page >= pages - 1;
  }
  function update() { compute(); render(0); }
  search.addEventListener('input', function () {
    state.terms = search.value.toLowerCase().split(/\\s+/).filter(function (t) { return t !== ''; });
    state.page = 0;
    update();
  });
  onlyIrr.addEventListener('change', function () { state.irr = onlyIrr.checked; state.page = 0; update(); });
  onlyMoves.addEventListener('change', function () { state.moves = onlyMoves.checked; state.page = 0; update(); });
  size.addEventListener('change', function () { state.size = Number(size.value) || 100; state.page = 0; update(); });
  var go = function (to) { return function () { var pages = Math.max(1, Math.ceil(view.length / state.size)); state.page = Math.max(0, Math.min(pages - 1, to(state.page, pages))); render(0); }; };
  el('page-first').addEventListener('click', go(function () { return 0; }));
  el('page-prev').addEventListener('click', go(function (p) { return p - 1; }));
  el('page-next').addEventListener('click', go(function (p) { return p + 1; }));
  el('page-last').addEventListener('click', go(function (p, n) { return n - 1; }));
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var key = th.getAttribute('data-key');
    if (!key) return;
    onActivate(th, function () {
      var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
      markSorted(th, dir);
      state.key = key;
      state.dir = dir === 'ascending' ? 1 : -1;
      update();
    });
  });
  // Printing shows the collapsed lists and up to PRINT_MAX of the filtered rows, then the page again.
  var PRINT_MAX = 2000;
  var closed = [];
  window.addEventListener('beforeprint', function () {
    closed = Array.prototype.filter.call(document.querySelectorAll('details'), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
    render(PRINT_MAX);
  });
  window.addEventListener('afterprint', function () { closed.forEach(function (d) { d.open = false; }); render(0); });
  update();
  document.documentElement.setAttribute('data-ready', '1');
})();
`;
