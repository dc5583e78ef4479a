/* ssdd: the few jQuery, Bootstrap and bootstrap-table calls GX Data Docs pages make, served from the
   workspace instead of third-party CDNs, so the pages work on a machine without internet.
   Only what the generated pages call is here: $(selector|element|function), .ready, .each, .parent,
   .addClass/.removeClass, .fadeIn/.fadeOut, .data, .on, .modal (no-op) and .bootstrapTable({columns,
   data, sortName, sortOrder, rowAttributes}); Bootstrap's tabs, collapses and alert close buttons. */
(function () {
  "use strict";

  function Nodes(list) { this.nodes = list; }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function $(what) {
    if (typeof what === "function") { ready(what); return new Nodes([document]); }
    if (what instanceof Nodes) { return what; }
    if (what === document || what === window || (what && what.nodeType)) { return new Nodes([what]); }
    try { return new Nodes(Array.prototype.slice.call(document.querySelectorAll(what))); }
    catch (e) { return new Nodes([]); }
  }

  Nodes.prototype.ready = function (fn) { ready(fn); return this; };
  Nodes.prototype.each = function (fn) { this.nodes.forEach(function (n, i) { fn.call(n, i, n); }); return this; };
  Nodes.prototype.parent = function () {
    return new Nodes(this.nodes.map(function (n) { return n.parentElement; }).filter(Boolean));
  };
  Nodes.prototype.addClass = function (c) { this.nodes.forEach(function (n) { n.classList.add(c); }); return this; };
  Nodes.prototype.removeClass = function (c) {
    this.nodes.forEach(function (n) { n.classList.remove(c); }); return this;
  };
  Nodes.prototype.fadeIn = function () { this.nodes.forEach(function (n) { n.style.display = ""; }); return this; };
  Nodes.prototype.fadeOut = function () {
    this.nodes.forEach(function (n) { n.style.display = "none"; }); return this;
  };
  Nodes.prototype.data = function (key) { return this.nodes.length ? this.nodes[0].getAttribute("data-" + key) : undefined; };
  Nodes.prototype.modal = function () { return this; };   // GX's walkthrough pop-up is not shown
  Nodes.prototype.on = function (event, fn) {
    var name = event.split(".")[0];   // 'click-row.bs.table' -> our 'click-row' event
    this.nodes.forEach(function (n) {
      n.addEventListener(name, function (e) { fn.apply(n, [e].concat(e.detail || [])); });
    });
    return this;
  };
  Nodes.prototype.bootstrapTable = function (options) {
    if (typeof options === "object" && options !== null) { this.nodes.forEach(function (t) { renderTable(t, options); }); }
    return this;
  };

  function sortKey(options) {
    var key = options.sortName;
    (options.columns || []).forEach(function (c) { if (c.field === options.sortName && c.sortName) { key = c.sortName; } });
    return key;
  }

  function renderTable(table, options) {
    var columns = options.columns || [], rows = (options.data || []).slice(), key = sortKey(options);
    if (key) {
      var sign = options.sortOrder === "desc" ? -1 : 1;
      rows.sort(function (a, b) { return a[key] < b[key] ? -sign : a[key] > b[key] ? sign : 0; });
    }
    table.classList.add("table", "table-hover");
    var head = table.createTHead().insertRow();
    columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c.title; head.appendChild(th); });
    var body = table.tBodies.length ? table.tBodies[0] : table.createTBody();
    var attributes = typeof window[options.rowAttributes] === "function" ? window[options.rowAttributes] : null;
    rows.forEach(function (row, i) {
      var tr = body.insertRow();
      if (attributes) {
        var attrs = attributes(row, i);
        Object.keys(attrs).forEach(function (a) { if (attrs[a] != null) { tr.setAttribute(a, attrs[a]); } });
      }
      columns.forEach(function (c) {
        var td = tr.insertCell();
        td.innerHTML = row[c.field] == null ? "" : String(row[c.field]);   // GX renders these cells as HTML
        if (c.align) { td.style.textAlign = c.align; }
      });
      tr.addEventListener("click", function (e) {
        if (e.target.closest("a")) { return; }
        table.dispatchEvent(new CustomEvent("click-row", { detail: [row, new Nodes([tr])] }));
      });
    });
    if (!rows.length) { body.insertRow().insertCell().textContent = "(none)"; }
  }

  function target(el) {
    var sel = el.getAttribute("data-target") || el.getAttribute("href");
    if (!sel || sel.charAt(0) !== "#") { return null; }
    try { return document.querySelector(sel); } catch (e) { return null; }
  }

  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-toggle], [data-dismiss]") : null;
    if (!el) { return; }
    var kind = el.getAttribute("data-toggle"), pane = target(el);
    if (kind === "tab" && pane) {
      e.preventDefault();
      var nav = el.closest(".nav");
      if (nav) { nav.querySelectorAll(".active").forEach(function (a) { a.classList.remove("active"); }); }
      el.classList.add("active");
      Array.prototype.forEach.call(pane.parentElement.children, function (p) { p.classList.remove("show", "active"); });
      pane.classList.add("show", "active");
    } else if (kind === "collapse" && pane) {
      e.preventDefault();
      pane.classList.toggle("show");
    } else if (el.getAttribute("data-dismiss") === "alert") {
      var alert = el.closest(".alert");
      if (alert) { alert.style.display = "none"; alert.dispatchEvent(new CustomEvent("closed")); }
    }
  });

  window.$ = window.jQuery = $;
  // vega is not bundled: a chart placeholder says so instead of a script error
  window.vegaEmbed = function (el) {
    var node = typeof el === "string" ? document.querySelector(el) : el;
    if (node) { node.textContent = "(chart not available offline)"; }
    return Promise.resolve();
  };
}());
