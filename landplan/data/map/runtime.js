window.LANDPLAN = (function () {
  var names = {{ names }}, legal = {{ legal }}, page = {{ page }};
  /* numbers and dates as the page's language writes them: 1.439,5 and 14/02/2023 in vi */
  var DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  function number(v) {
    var neg = v < 0, parts = Math.abs(v).toFixed(v % 1 ? 1 : 0).split(".");
    var sep = [page.number.thousands, page.number.decimal];  /* labels.toml [number] */
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, sep[0]);
    return (neg ? "-" : "") + whole + (parts[1] ? sep[1] + parts[1] : "");
  }
  function shown(v) {
    if (typeof v === "number") { return number(v); }
    var m = typeof v === "string" && DATE.exec(v);
    if (m) { return page.lang === "vi" ? m[3] + "/" + m[2] + "/" + m[1] : v; }
    return text(v);
  }
  /* the only links a popup makes: to a unit's map (landplan/_outdir.py, FOLDER_FILE) */
  var PAGE = /^maps\/[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}(?:-[0-9]+)?\.html$/;
  function text(v) { return (v === undefined || v === null) ? "" : String(v); }
  function value(f, key) {
    if (key.charAt(0) === "%") { return text(f.properties[key.slice(1)]).split(", ")
      .map(function (r) { return basis(r, text(f.properties.d).slice(0, 10)); })
      .filter(function (x) { return x; }).join("\n"); }
    if (key.charAt(0) === "$") { return text(f.properties[key.slice(1)]).split(", ")
      .map(function (r) { return page.titles[r] ? page.titles[r] + " (" + r + ")" : r; })
      .filter(function (x) { return x; })
      .join("\n"); }
    if (key.charAt(0) === "^") {  /* a plan version, and its approval date when known */
      var v = f.properties[key.slice(1)], when = page.versions && page.versions[v];
      return v === undefined || v === null ? "" : text(v) + (when ? " (" + shown(when) + ")" : "");
    }
    if (key.charAt(0) === "@") { return names[f.properties[key.slice(1)]] ||
      text(f.properties[key.slice(1)]).split("+").map(function (c) { return names[c] || c; })
      .join(" + "); }
    return f.properties[key];
  }
  /* a rule's legal basis in force on the decision's date d (ISO; "" = no date: all) */
  function basis(r, d) {
    var e = legal[r], t = "";
    if (!e) { return ""; }
    if (!d) { return e["*"]; }
    e.p.forEach(function (p) { if (p[0] <= d) { t = p[1]; } });
    return t;
  }
  function table(f, fields) {
    var box = document.createElement("div"), t = document.createElement("table");
    box.className = "landplan-popup";
    fields.forEach(function (pair) {
      if (pair[0].charAt(0) === "#") { return link(t, text(f.properties[pair[0].slice(1)]),
                                                   pair[1]); }
      var v = value(f, pair[0]);
      if (v === undefined || v === null || v === "") { return; }
      var row = t.insertRow(), th = document.createElement("th");
      th.textContent = pair[1]; row.appendChild(th); row.insertCell().textContent = shown(v);
    });
    box.appendChild(t); return box;
  }
  function link(t, href, label) {
    if (!PAGE.test(href)) { return; }
    var cell = t.insertRow().insertCell(), a = document.createElement("a");
    cell.colSpan = 2; a.href = href; a.textContent = label; cell.appendChild(a);
  }
  function line(f, fields) {
    var span = document.createElement("span");
    span.textContent = fields.map(function (p) { return shown(value(f, p[0])); })
      .filter(function (s) { return s !== ""; }).join(" · ");
    return span;
  }
  function searchText(p) {
    return [p.n, p.p, p.u].filter(function (x) { return x !== undefined && x !== null &&
                                                        x !== ""; }).join(" · ");
  }
  var api = {
    names: names,
    page: page,
    layers: {},
    decode: LANDPLAN_CODEC.decode,
    number: number,
    shown: shown,
    layer: function (key, data, style, popup, tooltip) {
      /* a layer of the page: its features decoded (codec.js), styled and labelled here */
      var collection = LANDPLAN_CODEC.decode(data), options = {
        style: function (f) { return api.style(style, f); },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 5}); },
        onEachFeature: function (f, layer) { api.bind(layer, f, popup, tooltip); }
      };
      if (key === "decisions") {  /* what the search box searches: number · parcel · commune */
        collection.features.forEach(function (f) { f.properties.q = searchText(f.properties); });
      }
      var group = L.geoJSON(collection, options);
      if (key.indexOf("plan:") === 0) {  /* plan zones under the rest, whenever shown */
        group.on("add", function () { group.bringToBack(); });
      }
      api.layers[key] = group;
      return group;
    },
    searchTip: function (q) {
      /* leaflet-search would put the tip (decision number · parcel) in with innerHTML */
      var li = document.createElement("li"); li.textContent = text(q); return li;
    },
    style: function (s, f) {
      var key = s.by ? f.properties[s.by] : null;
      var color = (s.colors && s.colors[key]) || s.color || "#666666";
      return {color: s.stroke || color, weight: s.weight || 1, opacity: 1,
              fillColor: color, fillOpacity: (s.fill === undefined ? 0.6 : s.fill),
              dashArray: s.dash || null};
    },
    bind: function (layer, f, popup, tooltip) {
      if (popup.length) { layer.bindPopup(function () { return table(f, popup); },
                                          {maxWidth: 360, minWidth: 260, autoPan: false});
        /* the page pans it into view itself, once it is drawn (inspector.js) */ }
      if (tooltip.length) { layer.bindTooltip(function () { return line(f, tooltip); },
                                              {sticky: true}); }
    }
  };
  return api;
})();
