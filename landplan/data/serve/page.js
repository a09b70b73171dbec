/* landplan serve: the web page's script (landplan/_serve_page.py).
 * Every text that comes from data (the API's answers, the words) is inserted with
 * textContent, never as HTML. */
(function () {
  'use strict';
  const cfg = JSON.parse(document.getElementById('landplan-config').textContent);
  const W = cfg.words;
  const LANG = cfg.lang;
  const $ = (id) => document.getElementById(id);
  const state = { lookup: null, parcel: null, verdict: null, zonesSeq: 0, outlinesSeq: 0 };

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function word(key, values) {
    let text = W[key] !== undefined ? W[key] : key;
    for (const [k, v] of Object.entries(values || {})) text = text.split('{' + k + '}').join(String(v));
    return text;
  }
  function num(value, digits) {
    if (value === null || value === undefined) return '–';
    return Number(value).toLocaleString(LANG === 'vi' ? 'vi-VN' : 'en-GB',
      { maximumFractionDigits: digits === undefined ? 1 : digits });
  }
  function pct(share) { return share === null || share === undefined ? '–' : num(share * 100, 1) + ' %'; }
  function swatch(color) {
    const s = el('span', null, 'swatch');
    s.style.background = color;
    return s;
  }
  function table(headers, rows) {
    const t = el('table');
    if (headers.some((h) => h)) {
      const tr = el('tr');
      for (const h of headers) tr.appendChild(el('th', h));
      t.appendChild(tr);
    }
    for (const row of rows) {
      const r = el('tr');
      for (const cell of row) {
        if (cell instanceof Node) { const td = el('td'); td.appendChild(cell); r.appendChild(td); }
        else if (cell && typeof cell === 'object') r.appendChild(el('td', cell.text, cell.cls));
        else r.appendChild(el('td', cell));
      }
      t.appendChild(r);
    }
    return t;
  }
  function withLang(path) { return path + (path.includes('?') ? '&' : '?') + 'lang=' + LANG; }
  async function api(path, options) {
    const response = await fetch(withLang(path), options);
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const err = body && body.error ? body.error : { message: String(response.status), fix: '' };
      throw err;
    }
    return body;
  }
  function errorText(err) {
    return word('error') + ': ' + (err.message || String(err)) + (err.fix ? ' ' + err.fix : '');
  }

  // --- the words of the page ---------------------------------------------------------
  document.querySelectorAll('[data-w]').forEach((e) => { e.textContent = word(e.dataset.w); });
  document.title = W.title;
  $('lang-switch').href = cfg.other_url;
  if (cfg.public) $('precheck').hidden = true;
  $('batch').hidden = !cfg.jobs || cfg.public;

  // --- the plan map --------------------------------------------------------------------
  const colorOf = {};
  for (const [code, , color] of cfg.codes) colorOf[code] = color;
  const map = L.map('map', { zoomSnap: 0.25, attributionControl: false });
  window.landplanMap = map;  // for the browser tests and the console
  if (cfg.bounds) map.fitBounds(cfg.bounds); else map.setView([16, 106], 6);
  const zones = L.geoJSON(null, {
    style: (f) => ({ color: '#555', weight: 0.6, fillColor: f.properties.color, fillOpacity: 0.65 }),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(() => el('span', f.properties.land_use + ' – ' + f.properties.name),
        { sticky: true });
    },
  }).addTo(map);
  const OUTLINE_ZOOM = 17;  // parcel outlines drawn from this zoom on
  const outlines = L.geoJSON(null, {
    style: () => ({ color: '#333', weight: 0.8, fill: false }),
    interactive: false,
  }).addTo(map);
  const selected = L.geoJSON(null, {
    style: () => ({ color: '#d00', weight: 3, fill: false }),
    interactive: false,
  }).addTo(map);
  let marker = null;

  const versionSelect = $('version');
  for (const v of cfg.versions) {
    const o = el('option', v.plan_version + (v.approved ? ' (' + v.approved + ')' : ''));
    o.value = v.plan_version;
    if (v.plan_version === cfg.in_force) o.selected = true;
    versionSelect.appendChild(o);
  }
  versionSelect.addEventListener('change', loadZones);

  async function loadZones() {
    const seq = ++state.zonesSeq;
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v) => v.toFixed(6)).join(',');
    const version = versionSelect.value;
    try {
      const answer = await api('/api/v1/plan?bbox=' + bbox + '&version=' + encodeURIComponent(version));
      if (seq !== state.zonesSeq) return;  // a later view answered or will answer
      zones.clearLayers();
      zones.addData(answer.features);
      $('map-note').textContent = answer.truncated ? word('map_truncated', { n: answer.features.length }) : '';
      drawLegend(answer.features);
      document.body.dataset.zones = String(zones.getLayers().length);
      document.body.dataset.version = answer.version || '';
    } catch (err) {
      if (seq === state.zonesSeq) $('map-note').textContent = errorText(err);
    }
  }
  async function loadOutlines() {
    const seq = ++state.outlinesSeq;
    if (map.getZoom() < OUTLINE_ZOOM) {
      outlines.clearLayers();
      document.body.dataset.outlines = '0';
      return;
    }
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v) => v.toFixed(6)).join(',');
    try {
      const answer = await api('/api/v1/plan/parcels?bbox=' + bbox);
      if (seq !== state.outlinesSeq) return;
      outlines.clearLayers();
      outlines.addData(answer.features);
      selected.bringToFront();
      document.body.dataset.outlines = String(outlines.getLayers().length);
    } catch (err) {
      if (seq === state.outlinesSeq) $('map-note').textContent = errorText(err);
    }
  }
  function drawLegend(features) {
    const seen = new Map();
    for (const f of features) seen.set(f.properties.land_use, f.properties);
    const list = $('legend-items');
    list.replaceChildren();
    for (const code of [...seen.keys()].sort()) {
      const li = el('li');
      li.appendChild(swatch(seen.get(code).color));
      li.appendChild(document.createTextNode(code + ' – ' + seen.get(code).name));
      list.appendChild(li);
    }
  }
  let timer = null;
  map.on('moveend', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { loadZones(); loadOutlines(); }, 150);
  });
  loadZones();
  loadOutlines();

  map.on('click', (e) => {
    lookup('/api/v1/lookup?lon=' + e.latlng.lng.toFixed(7) + '&lat=' + e.latlng.lat.toFixed(7), false);
  });

  // --- search and the plan panel -----------------------------------------------------
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams({ sheet: $('sheet').value.trim(), parcel_no: $('parcel_no').value.trim() });
    if ($('unit').value.trim()) params.set('unit', $('unit').value.trim());
    lookup('/api/v1/lookup?' + params.toString(), true);
  });

  async function lookup(path, fly) {
    $('search-error').hidden = true;
    const panel = $('panel');
    panel.hidden = false;
    panel.replaceChildren(el('p', word('loading')));
    try {
      const answer = await api(path);
      showLookup(answer, fly);
    } catch (err) {
      panel.hidden = true;
      $('search-error').textContent = errorText(err);
      $('search-error').hidden = false;
    }
  }

  function showLookup(answer, fly) {
    state.lookup = answer;
    state.parcel = answer.parcels.length === 1 ? answer.parcels[0].properties : null;
    state.verdict = null;
    $('verdict').hidden = true;
    selected.clearLayers();
    if (marker) { marker.remove(); marker = null; }
    if (answer.parcels.length) {
      selected.addData(answer.parcels);
      if (fly) map.flyToBounds(selected.getBounds(), { maxZoom: 19, duration: 0.5 });
    } else if (answer.query.lat !== undefined) {
      marker = L.circleMarker([answer.query.lat, answer.query.lon], { radius: 6, color: '#d00' }).addTo(map);
    }
    const panel = $('panel');
    panel.replaceChildren(...planBlocks(answer, true));
    panel.dataset.ready = '1';
    drawSlip();
  }

  function parcelTable(props) {
    const rows = [];
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === '') continue;
      const kind = key === 'kind' ? cfg.kinds.find((k) => k[0] === value) : null;
      rows.push([word('f_' + key), typeof value === 'number' ? { text: num(value, 2), cls: 'num' }
        : kind ? kind[1] : value]);
    }
    return table(['', ''], rows);
  }

  function planBlocks(answer, screen) {
    const out = [];
    if (answer.parcels.length) {
      for (const f of answer.parcels) {
        out.push(el('h2', word('parcel') + ' ' + (f.properties.parcel_id || ((f.properties.sheet || '?') + '-' + (f.properties.parcel_no || '?')))));
        out.push(parcelTable(f.properties));
      }
    } else {
      out.push(el('h2', word('point') + ' ' + num(answer.query.lat, 6) + ', ' + num(answer.query.lon, 6)));
    }
    out.push(el('h3', word('plan')));
    for (const v of answer.plan) {
      const head = el('p');
      head.appendChild(el('strong', v.plan_version));
      if (v.approved) head.appendChild(document.createTextNode(' (' + word('approved') + ' ' + v.approved + ')'));
      if (v.in_force) head.appendChild(el('span', ' — ' + word('in_force'), 'in-force'));
      out.push(head);
      out.push(v.uses.length ? table(
        [word('code'), word('name'), word('area'), word('share')],
        v.uses.map((u) => {
          const code = el('span');
          code.appendChild(swatch(colorOf[u.land_use] || '#ccc'));
          code.appendChild(document.createTextNode(u.land_use));
          return [code, u.name, { text: num(u.area_m2, 1), cls: 'num' }, { text: pct(u.share), cls: 'num' }];
        })) : el('p', word('none'), 'hint'));
    }
    out.push(el('h3', word('corridors')));
    out.push(answer.corridors.length ? table(
      [word('name'), word('restriction'), word('allowed_uses'), word('area')],
      answer.corridors.map((c) => [c.name, c.restriction, c.allowed.join(', '), { text: num(c.area_m2, 1), cls: 'num' }]))
      : el('p', word('none'), 'hint'));
    out.push(el('h3', word('projects')));
    out.push(answer.projects.length ? table(
      [word('name'), word('year'), word('code'), word('area')],
      answer.projects.map((p) => [p.project_name, p.year, (p.land_use || '') + (p.name ? ' – ' + p.name : ''), { text: num(p.area_m2, 1), cls: 'num' }]))
      : el('p', word('none'), 'hint'));
    out.push(el('h3', word('changes')));
    out.push(answer.changes.length ? table(
      [word('version'), word('old_code'), word('new_code'), word('area')],
      answer.changes.map((c) => [c.new_version, c.old_land_use, c.new_land_use, { text: num(c.area_m2, 1), cls: 'num' }]))
      : el('p', word('none'), 'hint'));
    return out;
  }

  // --- the pre-check ------------------------------------------------------------------
  function fillSelect(select, items, empty) {
    if (empty) { const o = el('option', word('choose')); o.value = ''; select.appendChild(o); }
    for (const [value, text] of items) {
      const o = el('option', value === text ? text : (select.id === 'kind' ? text : value + ' – ' + text));
      o.value = value;
      select.appendChild(o);
    }
  }
  fillSelect($('kind'), cfg.kinds, true);
  fillSelect($('land_use'), cfg.codes.map(([c, n]) => [c, n]), true);
  fillSelect($('prev_land_use'), cfg.codes.map(([c, n]) => [c, n]), true);

  $('precheck-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const box = $('verdict');
    box.hidden = false;
    if (!state.parcel) { box.replaceChildren(el('p', word('pick_parcel'), 'error')); return; }
    const body = {
      sheet: state.parcel.sheet, parcel_no: state.parcel.parcel_no, unit: state.parcel.unit || null,
      kind: $('kind').value, land_use: $('land_use').value,
      prev_land_use: $('prev_land_use').value || null, decision_date: $('decision_date').value || null,
    };
    box.replaceChildren(el('p', word('loading')));
    try {
      const answer = await api('/api/v1/precheck', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      state.verdict = answer;
      box.replaceChildren(...verdictBlocks(answer));
      box.dataset.verdict = answer.verdict;
      drawSlip();
    } catch (err) {
      box.replaceChildren(el('p', errorText(err), 'error'));
    }
  });

  function verdictBlocks(v) {
    const out = [];
    const p = el('p');
    p.appendChild(el('span', word('verdict') + ': '));
    p.appendChild(el('span', word('verdict_' + v.verdict), 'verdict verdict-' + v.verdict));
    out.push(p);
    const message = v.messages ? (v.messages[LANG] || v.messages.vi) : null;
    if (message) out.push(el('p', message, 'verdict-message'));
    if (v.legal_basis) { const lb = el('p'); lb.appendChild(el('strong', word('legal_basis') + ': ')); lb.appendChild(document.createTextNode(v.legal_basis)); out.push(lb); }
    const pv = el('p', word('plan_version_used') + ': ' + (v.plan_version || '–') + (v.decision_date ? ' · ' + word('decision_date') + ': ' + v.decision_date : ''));
    out.push(pv);
    if (v.findings && v.findings.length) {
      out.push(el('h3', word('findings')));
      const ul = el('ul');
      for (const f of v.findings) ul.appendChild(el('li', f.message || f.rule));
      out.push(ul);
    }
    if (v.not_checked && v.not_checked.length) {
      out.push(el('h3', word('not_checked')));
      const ul = el('ul', null, 'hint');
      for (const n of v.not_checked) ul.appendChild(el('li', n.rule + ': ' + n.reason));
      out.push(ul);
    }
    return out;
  }

  // --- the printable slip ------------------------------------------------------------
  function outlineSvg(features) {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('width', '300'); svg.setAttribute('height', '220');
    svg.setAttribute('viewBox', '0 0 300 220');
    const rings = [];
    for (const f of features) {
      const g = f.geometry;
      if (!g) continue;
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
      for (const poly of polys) for (const ring of poly) rings.push(ring);
    }
    if (!rings.length) return svg;
    const all = rings.flat();
    const lat0 = all.reduce((s, c) => s + c[1], 0) / all.length;
    const k = Math.cos(lat0 * Math.PI / 180);
    const xs = all.map((c) => c[0] * k); const ys = all.map((c) => c[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const scale = Math.min(280 / Math.max(x1 - x0, 1e-12), 200 / Math.max(y1 - y0, 1e-12));
    const ox = (300 - (x1 - x0) * scale) / 2, oy = (220 - (y1 - y0) * scale) / 2;
    let d = '';
    for (const ring of rings) {
      ring.forEach((c, i) => {
        const x = ox + (c[0] * k - x0) * scale, y = oy + (y1 - c[1]) * scale;
        d += (i ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
      });
      d += 'Z';
    }
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', d);
    path.setAttribute('class', 'slip-outline');
    path.setAttribute('fill-rule', 'evenodd');
    svg.appendChild(path);
    return svg;
  }

  function drawSlip() {
    const answer = state.lookup;
    if (!answer) return;
    const body = $('slip-body');
    const blocks = planBlocks(answer, false);
    if (answer.parcels.length) blocks.splice(2, 0, outlineSvg(answer.parcels));
    const force = el('p');
    force.appendChild(el('strong', word('plan_version_used') + ': '));
    force.appendChild(document.createTextNode((state.verdict && state.verdict.plan_version) || answer.in_force || '–'));
    blocks.push(force);
    if (state.verdict) {
      blocks.push(el('h3', word('precheck')));
      const v = state.verdict;
      const req = el('p', word('kind') + ': ' + ((cfg.kinds.find((k) => k[0] === v.kind) || [v.kind, v.kind])[1])
        + ' · ' + word('land_use') + ': ' + v.land_use);
      blocks.push(req);
      blocks.push(...verdictBlocks(v));
    }
    body.replaceChildren(...blocks);
    $('slip-date').textContent = new Date().toLocaleDateString(LANG === 'vi' ? 'vi-VN' : 'en-GB');
    $('slip').hidden = false;
  }
  $('print').addEventListener('click', () => window.print());

  // --- batch upload (the jobs API, when the app has it) --------------------------------
  const DONE = ['done', 'finished', 'succeeded', 'success', 'failed', 'error', 'cancelled'];
  $('batch-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = $('batch-file').files[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    $('job').hidden = false;
    $('job-state').textContent = word('loading');
    $('job-outputs').replaceChildren();
    try {
      const job = await api('/api/v1/jobs', { method: 'POST', body: form });
      pollJob(job.id || job.job_id);
    } catch (err) {
      $('job-state').textContent = errorText(err);
    }
  });
  async function pollJob(id) {
    try {
      const job = await api('/api/v1/jobs/' + encodeURIComponent(id));
      const state = String(job.state);
      const p = job.progress;  // {step, done, total} from the jobs API
      const step = p && typeof p === 'object' && p.step ? ' — ' + p.step : '';
      $('job-state').textContent = word('job_' + state) + (state === 'running' ? step : '');
      if (job.error && job.error.message) $('job-state').textContent += ': ' + job.error.message;
      const progress = p && typeof p === 'object' ? (p.total ? p.done / p.total : 0)
        : Number(p || 0);
      $('job-progress').value = progress > 1 ? progress / 100 : progress;
      showOutputs(id, job.outputs || []);
      if (DONE.includes(String(job.state).toLowerCase())) { $('job').dataset.done = '1'; return; }
      setTimeout(() => pollJob(id), 1000);
    } catch (err) {
      $('job-state').textContent = errorText(err);
    }
  }
  function showOutputs(id, outputs) {
    const list = $('job-outputs');
    list.replaceChildren();
    const items = Array.isArray(outputs) ? outputs : Object.keys(outputs).map((name) => ({ name }));
    for (const item of items) {
      const name = typeof item === 'string' ? item : item.name;
      const a = el('a', name);
      a.href = '/api/v1/jobs/' + encodeURIComponent(id) + '/outputs/' + encodeURIComponent(name);
      a.setAttribute('download', name);
      const li = el('li');
      li.appendChild(a);
      list.appendChild(li);
    }
  }
})();
