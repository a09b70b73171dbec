window.LANDPLAN = (function () {
  var names = {{ names }}, legal = {{ legal }};
  /* the only links a popup makes: to a unit's map (landplan/_outdir.py, FOLDER_FILE) */
  var PAGE = /^maps\/[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}(?:-[0-9]+)?\.html$/;
  function text(v) { return (v === undefined || v === null) ? "" : String(v); }
  function value(f, key) {
    if (key.charAt(0) === "%") { return text(f.properties[key.slice(1)]).split(", ")
      .map(function (r) { return basis(r, text(f.properties.d).slice(0, 10)); })
      .filter(function (x) { return x; }).join("\n"); }
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
      th.textContent = pair[1]; row.appendChild(th); row.insertCell().textContent = text(v);
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
    span.textContent = fields.map(function (p) { return text(value(f, p[0])); })
      .filter(function (s) { return s !== ""; }).join(" · ");
    return span;
  }
  var api = {
    names: names,
    layers: {},
    decode: LANDPLAN_CODEC.decode,
    layer: function (key, data, style, popup, tooltip) {
      /* a layer of the page: its features decoded (codec.js), styled and labelled here */
      var group = L.geoJSON(LANDPLAN_CODEC.decode(data), {
        style: function (f) { return api.style(style, f); },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 5}); },
        onEachFeature: function (f, layer) { api.bind(layer, f, popup, tooltip); }
      });
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
                                          {maxWidth: 420}); }
      if (tooltip.length) { layer.bindTooltip(function () { return line(f, tooltip); },
                                              {sticky: true}); }
    }
  };
  return api;
})();
