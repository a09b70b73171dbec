/* What an inspector steps through (landplan/_map_inspector.py): the list of violations,
   search that ignores diacritics, the plan version a decision was judged against, a legend
   that follows the layers, markers at low zoom, controls in the page's language.
   Everything is built from the decisions layer's own properties, with textContent. */
LANDPLAN.fold = function (s) {
  /* lower case without diacritics; Đ/đ is d (NFD does not decompose it) */
  return String(s === undefined || s === null ? "" : s).replace(/[Đđ]/g, "d")
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
};

LANDPLAN.inspect = function (map, opts) {
  var started = performance.now();
  try { inspect(map, opts); } finally { LANDPLAN.inspectMs = performance.now() - started; }
};

function inspect(map, opts) {
  LANDPLAN.page.versions = opts.versions || {};
  var api = LANDPLAN, page = api.page, words = page.words, panel = opts.list &&
    document.querySelector(".landplan-list");
  var decisions = api.layers.decisions, state = {status: "violation", unit: "", rule: "",
                                                  at: -1, entries: []};
  var MARKS_UNTIL = 17;  /* markers at zooms below this one, where a parcel is a dot */

  function props(layer) { return layer.feature.properties; }
  function rank(p) { var r = page.ranks[p.sv]; return r === undefined ? -1 : r; }
  var collator = new Intl.Collator(page.lang, {numeric: true, sensitivity: "base"});
  function compare(a, b) {
    var pa = props(a), pb = props(b);
    return (pa.s === pb.s ? 0 : pa.s === "violation" ? -1 : pb.s === "violation" ? 1 : 0) ||
      rank(pb) - rank(pa) || collator.compare(pa.u || "", pb.u || "") ||
      collator.compare(pa.n || "", pb.n || "");
  }
  var all = [];
  if (decisions) { decisions.eachLayer(function (l) { all.push(l); }); }
  all.sort(compare);

  /* -- the plan version a decision was judged against ------------------------------------ */
  function planKeys() {
    return Object.keys(api.layers).filter(function (k) { return k.indexOf("plan:") === 0; });
  }
  api.showPlan = function (version) {
    var key = "plan:" + version, keys = planKeys();
    if (!version || !api.layers[key] || keys.length < 2) { return false; }
    keys.forEach(function (k) {
      if (k === key && !map.hasLayer(api.layers[k])) { map.addLayer(api.layers[k]); }
      if (k !== key && map.hasLayer(api.layers[k])) { map.removeLayer(api.layers[k]); }
    });
    legend();
    return true;
  };

  /* -- a popup fully in view ------------------------------------------------------------- */
  function inView(popup) {
    var el = popup.getElement(), box = map.getContainer().getBoundingClientRect();
    if (!el) { return; }
    var r = el.getBoundingClientRect(), pad = 12, dx = 0, dy = 0;
    if (r.bottom > box.bottom - pad) { dy = r.bottom - box.bottom + pad; }
    if (r.top - dy < box.top + pad) { dy = r.top - box.top - pad; }  /* its top first */
    if (r.right > box.right - pad) { dx = r.right - box.right + pad; }
    if (r.left - dx < box.left + pad) { dx = r.left - box.left - pad; }
    /* out from under the open panels beside it (the list, the summary), when there is room */
    document.querySelectorAll(".landplan-panel[open]").forEach(function (panel) {
      var q = panel.getBoundingClientRect(), top = r.top - dy, bottom = r.bottom - dy,
          left = r.left - dx, right = r.right - dx;
      if (q.bottom <= top || q.top >= bottom || q.right <= left || q.left >= right) { return; }
      var toRight = left - (q.right + pad), toLeft = right - (q.left - pad);
      if (right - toRight <= box.right - pad && (q.left + q.right) / 2 < (left + right) / 2 ||
          left - toLeft < box.left + pad) {
        if (right - toRight <= box.right - pad) { dx += toRight; }
      } else { dx += toLeft; }
    });
    if (dx || dy) { map.panBy([dx, dy], {animate: false}); }
  }
  map.on("popupopen", function (e) {
    var source = e.popup._source, f = source && source.feature;
    if (f && f.properties.pv && decisions && decisions.hasLayer(source)) {
      api.showPlan(f.properties.pv);
    }
    requestAnimationFrame(function () { inView(e.popup); });
  });

  /* go to a decision: fly to its parcel, then open its popup */
  var going = 0;
  api.go = function (layer) {
    var mine = ++going, opened = false, open = function () {
      if (opened || mine !== going) { return; }
      opened = true;
      if (!map.hasLayer(decisions)) { map.addLayer(decisions); }
      layer.openPopup(layer.getBounds().getCenter());
    };
    map.once("moveend", open);
    setTimeout(open, 1500);
    map.flyToBounds(layer.getBounds(), {maxZoom: 18, duration: 0.5, padding: [40, 40]});
  };

  /* -- search that ignores diacritics and case ------------------------------------------- */
  var unitRecords = null;
  api.searchFilter = function (text, records) {
    var want = api.fold(text).trim(), out = {};
    if (!want) { return out; }
    if (!unitRecords) {  /* one record per commune: its decisions' extent */
      var units = {};
      unitRecords = {};
      all.forEach(function (l) {
        var u = props(l).u;
        if (!u) { return; }
        units[u] = units[u] ? units[u].extend(l.getBounds()) : L.latLngBounds(
          l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
      });
      Object.keys(units).forEach(function (u) {
        var at = units[u].getCenter(); at.bounds = units[u]; unitRecords[u] = at;
      });
    }
    Object.keys(unitRecords).forEach(function (u) {  /* communes first among the tips */
      if (!records[u]) { records[u] = unitRecords[u]; }
      if (api.fold(u).indexOf(want) >= 0) { out[u] = records[u]; }
    });
    Object.keys(records).forEach(function (key) {
      if (!out[key] && api.fold(key).indexOf(want) >= 0) { out[key] = records[key]; }
    });
    return out;
  };
  api.searchMove = function (latlng) {
    if (latlng.layer) { api.go(latlng.layer); }
    else if (latlng.bounds) { map.flyToBounds(latlng.bounds, {duration: 0.5}); }
    else { map.setView(latlng, Math.max(map.getZoom(), 17)); }
  };

  /* -- markers where a parcel is too small to see ---------------------------------------- */
  var marks = L.layerGroup();
  all.forEach(function (l) {
    var p = props(l);
    if (p.s !== "violation" && p.s !== "unchecked") { return; }
    var m = L.circleMarker(l.getBounds().getCenter(), {
      radius: 7, color: page.status[p.s] || "#000000", weight: 2.5, fillOpacity: 0.15,
      bubblingMouseEvents: false});
    m.on("click", function () { api.go(l); });
    m.addTo(marks);
  });
  api.marks = marks;
  function showMarks() {
    var want = decisions && map.hasLayer(decisions) && map.getZoom() < MARKS_UNTIL;
    if (want && !map.hasLayer(marks)) { marks.addTo(map); }
    if (!want && map.hasLayer(marks)) { map.removeLayer(marks); }
  }
  map.on("zoomend overlayadd overlayremove", showMarks);
  showMarks();

  /* -- the legend follows the layers shown ------------------------------------------------ */
  function legend() {
    document.querySelectorAll("[data-landplan-layer]").forEach(function (el) {
      var key = el.getAttribute("data-landplan-layer"), on;
      if (key === "plan") {
        on = planKeys().some(function (k) { return map.hasLayer(api.layers[k]); });
      } else if (key === "raster") {
        on = !!document.querySelector(".leaflet-image-layer");
      } else {
        on = !!api.layers[key] && map.hasLayer(api.layers[key]);
      }
      el.hidden = !on;
    });
  }
  api.legend = legend;
  map.on("overlayadd overlayremove", function () { setTimeout(legend, 0); });
  legend();

  /* -- plan codes written on the zones, close up ------------------------------------------ */
  var codes = L.layerGroup().addTo(map), LABELS_FROM = 17, MAX_LABELS = 400;
  function labelZones() {
    codes.clearLayers();
    if (map.getZoom() < LABELS_FROM) { return; }
    var view = map.getBounds(), n = 0;
    planKeys().forEach(function (k) {
      if (!map.hasLayer(api.layers[k])) { return; }
      api.layers[k].eachLayer(function (z) {
        var c = z.feature.properties.c, b = z.getBounds();
        if (!c || n >= MAX_LABELS || !view.intersects(b)) { return; }
        var span = document.createElement("span");
        span.textContent = c; n++;
        L.tooltip({permanent: true, direction: "center", className: "landplan-code",
                   interactive: false}).setLatLng(b.getCenter()).setContent(span)
          .addTo(codes);
      });
    });
  }
  api.labelZones = labelZones;
  map.on("moveend overlayadd overlayremove", labelZones);

  /* -- controls in the page's language ----------------------------------------------------- */
  function title(selector, text) {
    document.querySelectorAll(selector).forEach(function (el) {
      el.title = text; el.setAttribute("aria-label", text); });
  }
  title(".leaflet-control-zoom-in", words.zoom_in);
  title(".leaflet-control-zoom-out", words.zoom_out);
  title(".leaflet-control-layers-toggle", words.layers);
  title(".leaflet-control-measure-toggle", words.measure);
  [[".leaflet-control-measure-toggle", "measure"],
   [".leaflet-control-measure .startprompt h3", "measure"],
   [".leaflet-control-measure .measuringprompt h3", "measure"],
   [".leaflet-control-measure .js-start", "measure_start"],
   [".leaflet-control-measure .js-cancel", "measure_cancel"],
   [".leaflet-control-measure .js-finish", "measure_finish"]].forEach(function (pair) {
    document.querySelectorAll(pair[0]).forEach(function (el) {
      el.textContent = words[pair[1]]; }); });
  title(".leaflet-control-search .search-cancel", words.search_cancel);
  title(".leaflet-control-search .search-input", words.search_title);
  title(".leaflet-control-search .search-button", words.search_title);
  measureWords(map, words);
  measureOnSvg();
  document.querySelectorAll(".leaflet-control-minimap-toggle-display").forEach(function (el) {
    var mini = el.parentNode && el.parentNode.classList.contains("minimized");
    el.title = mini ? words.minimap_show : words.minimap_hide;
    el.addEventListener("click", function () { setTimeout(function () {
      var small = el.parentNode.classList.contains("minimized");
      el.title = small ? words.minimap_show : words.minimap_hide; }, 0); });
  });
  document.querySelectorAll(".landplan-panel > summary").forEach(function (el) {
    el.title = words.collapse; });
  /* a small window opens with the legend and the summary folded */
  if (window.innerWidth < 1500 || window.innerHeight < 850) {
    document.querySelectorAll(".landplan-legend, .landplan-summary, .landplan-cover-legend")
      .forEach(function (el) { el.open = false; });
  }

  /* -- the list of violations ------------------------------------------------------------- */
  if (!panel) { return; }
  document.body.classList.add("landplan-has-list");  /* the summary's rows filter it */
  var search = document.querySelector(".leaflet-control-search");
  if (search) {  /* beside the search box, however wide its words make it */
    panel.style.left = Math.max(10, Math.ceil(search.getBoundingClientRect().right -
      map.getContainer().getBoundingClientRect().left + 10)) + "px";
  }
  var list = panel.querySelector(".landplan-list-items"),
      unitSelect = panel.querySelector(".landplan-list-unit"),
      ruleSelect = panel.querySelector(".landplan-list-rule"),
      count = panel.querySelector(".landplan-list-count");
  function option(select, value, label) {
    var o = document.createElement("option"); o.value = value; o.textContent = label;
    select.appendChild(o);
  }
  function statusOk(p) { return state.status ? p.s === state.status : p.s !== "compliant"; }
  function rulesOf(p) {
    var out = p.r ? String(p.r).split(", ") : [];
    if (p.ru && out.indexOf(p.ru) < 0) { out.push(p.ru); }
    return out;
  }
  function matches(p) {
    return statusOk(p) && (!state.unit || p.u === state.unit) &&
      (!state.rule || p.ru === state.rule || rulesOf(p).indexOf(state.rule) >= 0);
  }
  function fill() {
    var units = {}, rules = {};
    all.forEach(function (l) {
      var p = props(l);
      if (!statusOk(p)) { return; }
      if (p.u) { units[p.u] = 1; }
      rulesOf(p).forEach(function (r) { rules[r] = 1; });
    });
    [unitSelect, ruleSelect].forEach(function (s) { while (s.options.length > 1) {
      s.remove(1); } });
    Object.keys(units).sort(collator.compare).forEach(function (u) {
      option(unitSelect, u, u); });
    Object.keys(rules).sort().forEach(function (r) {
      option(ruleSelect, r, page.titles[r] || r); });
    unitSelect.value = units[state.unit] ? state.unit : "";
    ruleSelect.value = rules[state.rule] ? state.rule : "";
    state.unit = unitSelect.value; state.rule = ruleSelect.value;
  }
  var faded = false;  /* whether some decisions are drawn faint */
  function render() {
    state.entries = all.filter(function (l) { return matches(props(l)); });
    state.at = -1;
    list.textContent = "";
    state.entries.forEach(function (l, i) {
      var p = props(l), li = document.createElement("li"), dot = document.createElement("span");
      dot.className = "landplan-swatch";
      dot.style.background = page.severity[p.sv] || page.status[p.s] || "#999999";
      li.appendChild(dot);
      var t = document.createElement("span");
      t.textContent = [p.n || p.p, p.u, page.titles[p.ru] || p.ru,
                       typeof p.va === "number" && p.va > 0 ? api.number(p.va) + " m²" : ""]
        .filter(function (x) { return x; }).join(" · ");
      li.appendChild(t);
      li.setAttribute("data-i", String(p.i));
      li.addEventListener("click", function () { step(i); });
      list.appendChild(li);
    });
    count.textContent = "(" + api.number(state.entries.length) + ")";
    var filtered = !!(state.unit || state.rule);
    if (decisions && (filtered || faded)) {  /* the decisions the list shows stand out */
      faded = filtered;
      decisions.eachLayer(function (l) {
        var keep = !filtered || matches(props(l));
        l.setStyle({opacity: keep ? 1 : 0.15, fillOpacity: keep ? 0.45 : 0.05});
      });
    }
  }
  function step(i) {
    if (!state.entries.length) { return; }
    state.at = (i + state.entries.length) % state.entries.length;
    list.querySelectorAll("li").forEach(function (li, k) {
      li.classList.toggle("landplan-current", k === state.at); });
    var li = list.children[state.at];
    if (li && li.scrollIntoView) { li.scrollIntoView({block: "nearest"}); }
    api.go(state.entries[state.at]);
  }
  api.list = {
    state: state,
    step: step,
    filter: function (what) {
      if (what.unit !== undefined) { state.unit = what.unit; }
      if (what.rule !== undefined) { state.rule = what.rule; }
      if (what.status !== undefined) { state.status = what.status; }
      fill();
      panel.open = true;
      render();
    }
  };
  unitSelect.addEventListener("change", function () { api.list.filter({unit: unitSelect.value}); });
  ruleSelect.addEventListener("change", function () { api.list.filter({rule: ruleSelect.value}); });
  panel.querySelector(".landplan-list-prev").addEventListener("click", function () {
    step(state.at < 0 ? state.entries.length - 1 : state.at - 1); });
  panel.querySelector(".landplan-list-next").addEventListener("click", function () {
    step(state.at + 1); });
  /* a row of the summary filters the list: a status, or a rule */
  document.querySelectorAll(".landplan-summary [data-status], .landplan-summary [data-rule]")
    .forEach(function (row) {
      row.addEventListener("click", function () {
        var s = row.getAttribute("data-status"), r = row.getAttribute("data-rule");
        if (s) { api.list.filter({status: s, rule: ""}); }
        else { api.list.filter({status: "", rule: r}); }
      });
    });
  L.DomEvent.disableClickPropagation(panel);
  L.DomEvent.disableScrollPropagation(panel);
  fill();
  render();
}

/* The measure plugin's own English, longest first, and the words they become; its numbers
   with the page's separators. Its prompts and results are rewritten as it writes them. */
var MEASURE = [["Start creating a measurement by adding points to the map", "measure_hint"],
  ["Create a new measurement", "measure_start"], ["Finish measurement", "measure_finish"],
  ["Measure distances and areas", "measure"], ["Center on this location", "measure_center_point"],
  ["Center on this area", "measure_center_area"], ["Center on this line", "measure_center_line"],
  ["Linear measurement", "measure_line_title"], ["Area measurement", "measure_area_title"],
  ["Point location", "measure_point"], ["Path distance", "measure_path"],
  ["Last point", "measure_last"], ["Perimeter", "measure_perimeter"],
  ["Sq Meters", "measure_sqmeters"], ["Kilometers", "measure_kilometers"],
  ["Hectares", "measure_hectares"], ["Meters", "measure_meters"], ["Area", "measure_area"],
  ["Cancel", "measure_cancel"], ["Delete", "measure_delete"]];

function measureWords(map, words) {
  if (LANDPLAN.page.lang === "en") { return; }
  var done = new WeakMap();
  function translate(node) {
    if (node.nodeType === 3) {
      var was = node.nodeValue, now = was;
      if (done.get(node) === was) { return; }
      MEASURE.forEach(function (pair) { now = now.split(pair[0]).join(words[pair[1]]); });
      if (/\d[.,]\d/.test(now)) {
        now = now.replace(/\d[\d.,]*\d/g, function (n) {  /* the plugin writes 1,234.5 */
          return n.replace(/[.,]/g, function (c) {
            return c === "." ? LANDPLAN.page.number.decimal : LANDPLAN.page.number.thousands;
          }); });
      }
      done.set(node, now);
      if (now !== was) { node.nodeValue = now; }
    } else if (node.nodeType === 1) {
      Array.prototype.forEach.call(node.childNodes, translate);
    }
  }
  LANDPLAN.measureText = translate;
  var MINE = ".leaflet-control-measure, .leaflet-measure-resultpopup";
  function mine(node) {  /* the plugin's text only, never a decision's popup */
    var el = node.nodeType === 1 ? node : node.parentElement;
    return !!(el && el.closest && el.closest(MINE));
  }
  var watch = new MutationObserver(function (changes) {
    changes.forEach(function (c) {
      if (c.type === "characterData" && mine(c.target)) { translate(c.target); }
      Array.prototype.forEach.call(c.addedNodes, function (n) {
        if (mine(n)) { translate(n); }
        else if (n.querySelectorAll) {
          Array.prototype.forEach.call(n.querySelectorAll(MINE), translate);
        }
      });
    });
  });
  document.querySelectorAll(".leaflet-control-measure").forEach(function (el) {
    translate(el);
    watch.observe(el, {childList: true, subtree: true, characterData: true});
  });
  watch.observe(map.getPane("popupPane"), {childList: true, subtree: true,
                                           characterData: true});
}

/* The measure plugin styles its shapes through their SVG elements (layer._path), which a
   map drawn on a canvas does not have: its shapes (class "layer-measure…") get an SVG
   renderer of their own. And its invisible capture marker is made with Leaflet's default
   icon, whose image an offline page does not have (a request for a missing file): it is
   made with an empty one. */
function measureOnSvg() {
  if (L.Map.prototype._landplanSvg) { return; }
  document.querySelectorAll(".leaflet-control-measure").forEach(function (control) {
    control.addEventListener("click", function (e) {  /* before the plugin's own listener */
      if (!e.target.closest || !e.target.closest(".js-start")) { return; }
      var icon = L.Marker.prototype.options.icon;
      L.Marker.prototype.options.icon = L.divIcon({className: "", iconSize: [0, 0]});
      setTimeout(function () { L.Marker.prototype.options.icon = icon; }, 0);
    }, true);
  });
  var getRenderer = L.Map.prototype.getRenderer;
  L.Map.include({
    _landplanSvg: true,
    getRenderer: function (layer) {
      if (/^layer-measure/.test(layer.options.className || "")) {
        if (!this._landplanMeasure) { this._landplanMeasure = L.svg(); }
        if (!this.hasLayer(this._landplanMeasure)) { this.addLayer(this._landplanMeasure); }
        return this._landplanMeasure;
      }
      return getRenderer.call(this, layer);
    }
  });
}
