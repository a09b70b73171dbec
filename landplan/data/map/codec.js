/* The compact layer encoding (landplan/_map_codec.py) back into GeoJSON. */
window.LANDPLAN_CODEC = (function () {
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var SCALE = 1e6, value = new Int8Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) { value[ALPHABET.charCodeAt(a)] = a; }
  /* The integers of a stream: 5 bits a character, low bits first, 32 added while more follow. */
  function ints(text) {
    var out = new Float64Array(text ? text.length : 0), n = 0, v = 0, m = 1;
    for (var i = 0; i < out.length; i++) {
      var c = value[text.charCodeAt(i) & 127];
      v += (c & 31) * m;
      if (c & 32) { m *= 32; } else { out[n++] = v; v = 0; m = 1; }
    }
    return out.subarray(0, n);
  }
  function unzig(z) { return z % 2 ? -(z + 1) / 2 : z / 2; }
  function column(col, n) {
    if (Array.isArray(col)) { return col; }
    var idx = ints(col.i), out = new Array(n);
    for (var i = 0; i < n; i++) { out[i] = idx[i] ? col.d[idx[i] - 1] : null; }
    return out;
  }
  function decode(data) {
    var n = data.n, f = ints(data.f), r = ints(data.r), v = ints(data.v), c = ints(data.c);
    var k = data.k === undefined ? null : ints(data.k);
    var x = 0, y = 0, at = 0, part = 0, seq = 0, features = new Array(n);
    function points(count) {
      var pts = new Array(count);
      for (var j = 0; j < count; j++) {
        x += unzig(c[at++]); y += unzig(c[at++]); pts[j] = [x / SCALE, y / SCALE];
      }
      return pts;
    }
    var names = Object.keys(data.p), cols = names.map(function (key) {
      return column(data.p[key], n); });
    for (var i = 0; i < n; i++) {
      var pieces = [], kinds = [];
      for (var p = 0; p < f[i]; p++, part++) {
        var kind = k ? k[part] : 2, seqs = [];
        for (var s = 0; s < r[part]; s++) { seqs.push(points(v[seq++])); }
        kinds.push(kind);
        pieces.push(kind === 2 ? seqs : kind === 1 ? seqs[0] : seqs[0][0]);
      }
      var props = {};
      for (var q = 0; q < names.length; q++) {
        var val = cols[q][i];
        if (val !== null && val !== undefined) { props[names[q]] = val; }
      }
      features[i] = {type: "Feature", properties: props, geometry: geometry(kinds, pieces)};
    }
    return {type: "FeatureCollection", features: features};
  }
  var TYPES = ["Point", "LineString", "Polygon"];
  function geometry(kinds, pieces) {
    if (!pieces.length) { return null; }
    if (pieces.length === 1) { return {type: TYPES[kinds[0]], coordinates: pieces[0]}; }
    if (kinds.every(function (t) { return t === kinds[0]; })) {
      return {type: "Multi" + TYPES[kinds[0]], coordinates: pieces};
    }
    return {type: "GeometryCollection", geometries: pieces.map(function (piece, i) {
      return {type: TYPES[kinds[i]], coordinates: piece}; })};
  }
  return {decode: decode, ints: ints};
})();
