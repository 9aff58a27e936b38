// Interactive lineage graph for the table page: a compact layered-layout SVG renderer.
// Data comes from the REST API (GET /api/v1/lineage/{fqn}?level=table|column); no inline
// script, no third-party code. Tables are boxes placed in layers by their distance from
// the root (upstream left, downstream right) and ordered by barycentre sweeps to reduce
// crossings; a table expands to the columns that carry lineage; clicking a column
// highlights its whole path up and down. Drag to pan, wheel or +/- to zoom.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 230, HEAD = 28, ROW = 19, GAP_X = 150, GAP_Y = 18, MAX_ROWS = 60;
  var ANON = { hash: 1, aggregate: 1, count: 1 }, INDIRECT = { filter: 1, join_key: 1 };

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, value, cls, max) {
    var t = el("text", { x: x, y: y, "class": cls || "" }, parent);
    var shown = max && value.length > max ? value.slice(0, max - 1) + "…" : value;
    t.textContent = shown;
    if (shown !== value) el("title", {}, t).textContent = value;
    return t;
  }
  function edgeClass(kind) {
    return "lg-edge" + (ANON[kind] ? " anon" : INDIRECT[kind] ? " indirect" : "");
  }

  function LineageGraph(root) {
    this.root = root;
    this.fqn = root.getAttribute("data-lineage-root");
    this.api = root.getAttribute("data-lineage-api");
    this.assetUrl = root.getAttribute("data-lineage-asset-url");
    this.canvas = root.querySelector("[data-lineage-canvas]");
    this.status = root.querySelector("[data-lineage-status]");
    this.depth = root.querySelector("[data-lineage-depth]");
    this.direction = root.querySelector("[data-lineage-direction]");
    this.expandBtn = root.querySelector("[data-lineage-expand]");
    this.clearBtn = root.querySelector("[data-lineage-clear]");
    this.list = root.querySelector("[data-lineage-list]");
    this.tables = null; this.columns = null; this.expanded = {}; this.highlight = null;
    this.view = null;
    var self = this;
    this.depth.addEventListener("change", function () { self.load(); });
    this.direction.addEventListener("change", function () { self.load(); });
    this.expandBtn.addEventListener("click", function () { self.toggleAll(); });
    root.querySelector("[data-lineage-fit]").addEventListener("click", function () { self.fit(); });
    this.clearBtn.addEventListener("click", function () { self.setHighlight(null); });
    this.bindPanZoom();
    this.load();
  }

  LineageGraph.prototype.url = function (level) {
    return this.api + encodeURIComponent(this.fqn).replace(/%2E/gi, ".") + "?" +
      new URLSearchParams({ direction: this.direction.value, depth: this.depth.value, level: level });
  };

  LineageGraph.prototype.fetchJson = function (level) {
    return fetch(this.url(level), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        return resp.json().then(function (body) {
          if (!resp.ok) throw new Error((body.error && body.error.message) || resp.statusText);
          return body;
        });
      });
  };

  LineageGraph.prototype.load = function () {
    var self = this;
    this.say("Loading lineage…");
    this.columns = null; this.highlight = null; this.clearBtn.hidden = true;
    this.expandBtn.setAttribute("aria-pressed", "false");
    this.expandBtn.textContent = "Show columns";
    Promise.all([this.fetchJson("table"), this.fetchJson("column")]).then(function (res) {
      self.tables = res[0]; self.columns = res[1];
      self.expanded = {}; self.expanded[self.fqn] = true;
      self.render(true);
    }).catch(function (err) { self.say("Could not load lineage: " + err.message); });
  };

  LineageGraph.prototype.say = function (message) { this.status.textContent = message; };

  LineageGraph.prototype.toggleAll = function () {
    var on = this.expandBtn.getAttribute("aria-pressed") !== "true";
    this.expandBtn.setAttribute("aria-pressed", on ? "true" : "false");
    this.expandBtn.textContent = on ? "Hide columns" : "Show columns";
    var self = this;
    this.expanded = {}; this.expanded[this.fqn] = true;
    if (on) this.tables.nodes.forEach(function (n) { if (!n.hidden && n.type !== "external") self.expanded[n.id] = true; });
    this.render(false);
  };

  LineageGraph.prototype.setHighlight = function (columnId) {
    this.highlight = columnId ? this.closure(columnId) : null;
    this.clearBtn.hidden = !columnId;
    if (this.highlight) {
      var self = this;
      // open every table the path goes through, so the path is visible column by column
      this.columns.nodes.forEach(function (n) { if (self.highlight.nodes[n.id] && n.table) self.expanded[n.table] = true; });
    }
    this.render(false);
  };

  // Every column upstream and downstream of one column, and the edges between them.
  LineageGraph.prototype.closure = function (start) {
    var edges = this.columns.edges, nodes = {}, keys = {};
    nodes[start] = true;
    [["target", "source"], ["source", "target"]].forEach(function (way) {
      var frontier = [start], seen = {}; seen[start] = true;
      while (frontier.length) {
        var next = [];
        edges.forEach(function (e) {
          if (frontier.indexOf(e[way[0]]) >= 0) {
            keys[e.source + ">" + e.target] = true;
            if (!seen[e[way[1]]]) { seen[e[way[1]]] = true; nodes[e[way[1]]] = true; next.push(e[way[1]]); }
          }
        });
        frontier = next;
      }
    });
    return { nodes: nodes, edges: keys };
  };

  // -- layout ---------------------------------------------------------------------------
  LineageGraph.prototype.layout = function () {
    var self = this, byId = {}, layers = {}, rowsOf = {};
    this.tables.nodes.forEach(function (n) {
      byId[n.id] = n;
      (layers[n.depth] = layers[n.depth] || []).push(n);
    });
    this.columns.nodes.forEach(function (c) {
      if (c.table && byId[c.table]) (rowsOf[c.table] = rowsOf[c.table] || []).push(c);
    });
    Object.keys(rowsOf).forEach(function (t) { rowsOf[t].sort(function (a, b) { return a.name < b.name ? -1 : 1; }); });
    var depths = Object.keys(layers).map(Number).sort(function (a, b) { return a - b; });
    var order = depths.map(function (d) {
      return layers[d].sort(function (a, b) { return (a.name || a.id) < (b.name || b.id) ? -1 : 1; });
    });
    var neighbours = {};
    this.tables.edges.forEach(function (e) {
      (neighbours[e.source] = neighbours[e.source] || []).push(e.target);
      (neighbours[e.target] = neighbours[e.target] || []).push(e.source);
    });
    // barycentre sweeps: each node moves towards the mean position of its neighbours
    for (var sweep = 0; sweep < 6; sweep++) {
      var pos = {};
      order.forEach(function (layer) { layer.forEach(function (n, i) { pos[n.id] = i / Math.max(1, layer.length - 1); }); });
      order.forEach(function (layer) {
        var bary = {};
        layer.forEach(function (n) {
          var ns = (neighbours[n.id] || []).filter(function (m) { return pos[m] !== undefined && byId[m].depth !== n.depth; });
          bary[n.id] = ns.length ? ns.reduce(function (s, m) { return s + pos[m]; }, 0) / ns.length : pos[n.id];
        });
        layer.sort(function (a, b) { return bary[a.id] - bary[b.id]; });
      });
    }
    var boxes = {}, heights = order.map(function (layer) {
      return layer.reduce(function (sum, n) { return sum + self.boxHeight(n, rowsOf) + GAP_Y; }, 0);
    });
    var tallest = Math.max.apply(null, heights.concat([0]));
    order.forEach(function (layer, li) {
      var y = (tallest - heights[li]) / 2;
      layer.forEach(function (n) {
        var h = self.boxHeight(n, rowsOf);
        boxes[n.id] = { node: n, x: li * (W + GAP_X), y: y, h: h, rows: self.expanded[n.id] ? (rowsOf[n.id] || []).slice(0, MAX_ROWS) : [] };
        y += h + GAP_Y;
      });
    });
    return boxes;
  };

  LineageGraph.prototype.boxHeight = function (n, rowsOf) {
    if (!this.expanded[n.id]) return HEAD;
    return HEAD + Math.min(MAX_ROWS, (rowsOf[n.id] || []).length) * ROW + 6;
  };

  // -- drawing --------------------------------------------------------------------------
  LineageGraph.prototype.render = function (refit) {
    var self = this, boxes = this.layout(), rowAt = {};
    this.canvas.textContent = "";
    var svg = el("svg", { role: "img", "aria-label": "Lineage of " + this.fqn }, this.canvas);
    if (this.highlight) svg.setAttribute("class", "highlighting");
    var defs = el("defs", {}, svg);
    var hatch = el("pattern", { id: "lg-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    el("rect", { width: 6, height: 6, fill: "#f1f3f6" }, hatch);
    el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#c9cfd8", "stroke-width": 2 }, hatch);
    var marker = el("marker", { id: "lg-arrow", viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
    el("path", { d: "M0,0 L8,4 L0,8 z", fill: "#8c97a6" }, marker);
    this.world = el("g", {}, svg);
    var edgeLayer = el("g", {}, this.world), nodeLayer = el("g", {}, this.world);

    Object.keys(boxes).forEach(function (id) {
      var b = boxes[id];
      b.rows.forEach(function (c, i) { rowAt[c.id] = { box: b, y: b.y + HEAD + i * ROW + ROW / 2 + 2 }; });
    });
    // column edges between shown columns (or to the header of a collapsed visible table)
    var tablePairsDrawn = {}, drawn = {};
    this.columns.edges.forEach(function (e) {
      var s = rowAt[e.source], t = rowAt[e.target];
      var sNode = self.colNode(e.source), tNode = self.colNode(e.target);
      var sBox = s ? s.box : sNode && boxes[sNode.table], tBox = t ? t.box : tNode && boxes[tNode.table];
      if (!sBox || !tBox || (!s && !t) || sBox === tBox) return;
      var sy = s ? s.y : sBox.y + HEAD / 2, ty = t ? t.y : tBox.y + HEAD / 2;
      var key = (s ? e.source : sBox.node.id) + ">" + (t ? e.target : tBox.node.id) + e.transform;
      if (drawn[key]) return;
      drawn[key] = true;
      tablePairsDrawn[sBox.node.id + ">" + tBox.node.id] = true;
      var on = self.highlight && self.highlight.edges[e.source + ">" + e.target];
      self.curve(edgeLayer, sBox, sy, tBox, ty, edgeClass(e.transform) + (on ? " on" : ""),
        (sNode ? sNode.name : "?") + " → " + (tNode ? tNode.name : "?") + " (" + e.transform + ", " + e.confidence + ")");
    });
    this.tables.edges.forEach(function (e) {
      var s = boxes[e.source], t = boxes[e.target];
      if (!s || !t || tablePairsDrawn[e.source + ">" + e.target]) return;
      self.curve(edgeLayer, s, s.y + HEAD / 2, t, t.y + HEAD / 2, edgeClass(e.transform),
        (s.node.name || "hidden") + " → " + (t.node.name || "hidden") + (e.transforms && e.transforms.length ? " (" + e.transforms.join(", ") + ")" : ""));
    });
    Object.keys(boxes).forEach(function (id) { self.drawBox(nodeLayer, boxes[id]); });

    var count = this.tables.nodes.length, hidden = this.tables.nodes.filter(function (n) { return n.hidden; }).length;
    this.say(count + " table" + (count === 1 ? "" : "s") + ", " + this.tables.edges.length + " edge" +
      (this.tables.edges.length === 1 ? "" : "s") + (hidden ? ", " + hidden + " hidden" : "") +
      (this.tables.truncated ? " (truncated: lower the depth)" : ""));
    this.fillList();
    var maxY = 0, maxX = 0;
    Object.keys(boxes).forEach(function (id) { var b = boxes[id]; maxY = Math.max(maxY, b.y + b.h); maxX = Math.max(maxX, b.x + W); });
    this.bounds = { x: -20, y: -20, w: maxX + 40, h: maxY + 40 };
    if (refit || !this.view) this.fit(); else this.apply();
  };

  LineageGraph.prototype.colNode = function (id) {
    if (!this._cols || this._colsFor !== this.columns) {
      var map = {};
      this.columns.nodes.forEach(function (n) { map[n.id] = n; });
      this._cols = map; this._colsFor = this.columns;
    }
    return this._cols[id];
  };

  LineageGraph.prototype.curve = function (layer, s, sy, t, ty, cls, label) {
    var x1 = s.x + W, x2 = t.x;
    if (x2 <= x1) { x1 = s.x + W; x2 = t.x + W; }  // same layer or backwards: loop round the right
    var dx = Math.max(40, Math.abs(x2 - x1) / 2);
    var d = "M" + x1 + "," + sy + " C" + (x1 + dx) + "," + sy + " " + (x2 - dx) + "," + ty + " " + x2 + "," + ty;
    if (t.x + W === x2) d = "M" + x1 + "," + sy + " C" + (x1 + 60) + "," + sy + " " + (x2 + 60) + "," + ty + " " + x2 + "," + ty;
    var path = el("path", { d: d, "class": cls, "marker-end": "url(#lg-arrow)" }, layer);
    el("title", {}, path).textContent = label;
  };

  LineageGraph.prototype.drawBox = function (layer, b) {
    var self = this, n = b.node;
    var cls = "lg-node " + (n.hidden ? "hidden" : n.type) + (n.id === this.fqn ? " root" : "") + (n.deleted ? " deleted" : "");
    if (this.highlight && b.rows.some(function (c) { return self.highlight.nodes[c.id]; })) cls += " on";
    var g = el("g", { "class": cls, transform: "translate(" + b.x + "," + b.y + ")" }, layer);
    el("rect", { "class": "box", width: W, height: b.h, rx: 6 }, g);
    el("rect", { "class": "head", width: W - 2, x: 1, y: 1, height: HEAD - 2, rx: 5 }, g);
    if (n.hidden) {
      text(g, 10, 18, "hidden (not visible to you)", "kind");
      return;
    }
    text(g, 10, 18, n.type === "external" ? "ext" : n.type === "view" ? "view" : "", "kind");
    var title = text(g, 40, 18, n.name || n.fqn, "title", 24);
    el("title", {}, title).textContent = n.fqn + (n.type === "external" ? " (not in the catalog)" : " — click to show or hide columns");
    title.setAttribute("tabindex", "0");
    title.setAttribute("role", "button");
    var toggle = function () {
      if (n.type === "external") return;
      self.expanded[n.id] = !self.expanded[n.id];
      self.render(false);
    };
    title.addEventListener("click", toggle);
    title.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(); } });
    if (n.type !== "external" && n.id !== this.fqn) {
      var open = text(g, W - 20, 19, "↗", "open");
      open.setAttribute("tabindex", "0");
      open.setAttribute("role", "link");
      el("title", {}, open).textContent = "Open " + n.fqn;
      var go = function () { window.location.href = self.assetUrl + encodeURIComponent(n.fqn).replace(/%2E/gi, ".") + "/"; };
      open.addEventListener("click", go);
      open.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(); });
    }
    b.rows.forEach(function (c, i) {
      var on = self.highlight && self.highlight.nodes[c.id];
      var row = el("g", { "class": "col" + (on ? " on" : ""), transform: "translate(0," + (HEAD + i * ROW) + ")", tabindex: "0", role: "button" }, g);
      el("rect", { x: 2, width: W - 4, height: ROW }, row);
      text(row, 14, 14, c.name, "", 30);
      el("title", {}, row).textContent = c.fqn + " — click to highlight its lineage path";
      var pick = function () { self.setHighlight(self.highlight && self.highlight.start === c.id ? null : c.id); if (self.highlight) self.highlight.start = c.id; };
      row.addEventListener("click", function (ev) { ev.stopPropagation(); pick(); });
      row.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
    });
  };

  LineageGraph.prototype.fillList = function () {
    var names = {}, list = this.list;
    this.tables.nodes.forEach(function (n) { names[n.id] = n.hidden ? "(hidden)" : n.fqn; });
    list.textContent = "";
    this.tables.edges.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = names[e.source] + " → " + names[e.target] + (e.transforms && e.transforms.length ? " (" + e.transforms.join(", ") + ")" : "");
      list.appendChild(li);
    });
    if (!this.tables.edges.length) {
      var li = document.createElement("li");
      li.textContent = "No lineage recorded for this table yet.";
      list.appendChild(li);
    }
  };

  // -- pan and zoom ---------------------------------------------------------------------
  LineageGraph.prototype.fit = function () {
    if (!this.bounds) return;
    var rect = this.canvas.getBoundingClientRect(), aspect = (rect.width || 800) / (rect.height || 480);
    var b = this.bounds, w = Math.max(b.w, b.h * aspect), h = w / aspect;
    this.view = { x: b.x - (w - b.w) / 2, y: b.y - (h - b.h) / 2, w: w, h: h };
    this.apply();
  };

  LineageGraph.prototype.apply = function () {
    var svg = this.canvas.querySelector("svg");
    if (svg && this.view) svg.setAttribute("viewBox", [this.view.x, this.view.y, this.view.w, this.view.h].join(" "));
  };

  LineageGraph.prototype.zoom = function (factor, cx, cy) {
    var v = this.view; if (!v) return;
    var w = Math.min(Math.max(v.w * factor, 150), 40000), k = w / v.w;
    var px = cx === undefined ? v.x + v.w / 2 : cx, py = cy === undefined ? v.y + v.h / 2 : cy;
    this.view = { x: px - (px - v.x) * k, y: py - (py - v.y) * k, w: w, h: v.h * k };
    this.apply();
  };

  LineageGraph.prototype.bindPanZoom = function () {
    var self = this, drag = null, canvas = this.canvas;
    function toWorld(ev) {
      var r = canvas.getBoundingClientRect(), v = self.view;
      return { x: v.x + (ev.clientX - r.left) / r.width * v.w, y: v.y + (ev.clientY - r.top) / r.height * v.h };
    }
    canvas.addEventListener("wheel", function (ev) {
      if (!self.view) return;
      ev.preventDefault();
      var p = toWorld(ev);
      self.zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
    }, { passive: false });
    canvas.addEventListener("pointerdown", function (ev) {
      if (!self.view || ev.target.closest("g.col, text.title, text.open")) return;
      drag = { x: ev.clientX, y: ev.clientY, view: self.view };
      canvas.classList.add("dragging");
      canvas.setPointerCapture(ev.pointerId);
    });
    canvas.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      var r = canvas.getBoundingClientRect(), v = drag.view;
      self.view = { x: v.x - (ev.clientX - drag.x) / r.width * v.w, y: v.y - (ev.clientY - drag.y) / r.height * v.h, w: v.w, h: v.h };
      self.apply();
    });
    function end() { drag = null; canvas.classList.remove("dragging"); }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("keydown", function (ev) {
      if (!self.view || ev.target !== canvas) return;
      var v = self.view, step = v.w / 10;
      var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (ev.key === "+" || ev.key === "=") self.zoom(1 / 1.2);
      else if (ev.key === "-") self.zoom(1.2);
      else if (ev.key === "0") self.fit();
      else if (moves[ev.key]) { self.view = { x: v.x + moves[ev.key][0], y: v.y + moves[ev.key][1], w: v.w, h: v.h }; self.apply(); }
      else return;
      ev.preventDefault();
    });
  };

  function start() {
    var nodes = document.querySelectorAll("[data-lineage-root]");
    for (var i = 0; i < nodes.length; i++) new LineageGraph(nodes[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
