// aciswarm tracker web interface: live numbers, sortable tables, filter, charts.
// Served as /web/app.js; the Content-Security-Policy allows only this script, so
// everything here builds DOM nodes and sets textContent: data is never parsed as HTML.
'use strict';

const POLL_MS = 5000;
const SVG_NS = 'http://www.w3.org/2000/svg';

async function getJson(url) {
  const reply = await fetch(url, {cache: 'no-store'});
  if (!reply.ok) throw new Error(url + ': ' + reply.status);
  return reply.json();
}

function fixed1(x) { return Number(x).toFixed(1); }

function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + s + 's';
}

function setText(root, selector, text) {
  const node = root.querySelector(selector);
  if (node && node.textContent !== String(text)) node.textContent = text;
}

function updateTotals(t) {
  setText(document, '[data-total="torrents"]', t.torrents);
  setText(document, '[data-total="peers"]', t.peers);
  setText(document, '[data-total="announces_per_second"]', fixed1(t.announces_per_second));
  setText(document, '[data-total="scrapes_per_second"]', fixed1(t.scrapes_per_second));
  setText(document, '[data-total="uptime"]', duration(t.uptime_seconds));
  setText(document, '[data-total="mode"]', t.mode);
}

function cell(field, text) {
  const td = document.createElement('td');
  td.dataset.field = field;
  td.textContent = text;
  return td;
}

function osArch(s) { return s.os || s.arch ? s.os + '/' + s.arch : ''; }

const NUMBER_FIELDS = ['seeders', 'leechers', 'completed', 'peers_v4', 'peers_v6'];

function swarmRow(s) {
  const tr = document.createElement('tr');
  tr.id = 'swarm-' + s.info_hash;
  tr.dataset.hash = s.info_hash;
  const name = cell('name', '');
  const link = document.createElement('a');
  link.href = '/torrent/' + s.info_hash;
  link.textContent = s.name || '(not in --dir)';
  name.appendChild(link);
  const hash = cell('info_hash', '');
  const code = document.createElement('code');
  code.textContent = s.info_hash;
  hash.appendChild(code);
  tr.append(name, cell('os_arch', osArch(s)), cell('version', s.version), hash);
  for (const f of NUMBER_FIELDS) tr.appendChild(cell(f, s[f]));
  return tr;
}

function updateSwarmCells(row, s) {
  for (const f of NUMBER_FIELDS) setText(row, '[data-field="' + f + '"]', s[f]);
}

async function refreshSwarms() {
  const data = await getJson('/web/swarms.json');
  updateTotals(data.totals);
  const body = document.querySelector('#swarms tbody');
  const seen = new Set();
  for (const s of data.swarms) {
    seen.add(s.info_hash);
    const row = document.getElementById('swarm-' + s.info_hash);
    if (row) updateSwarmCells(row, s); else body.appendChild(swarmRow(s));
  }
  for (const row of Array.from(body.rows)) if (!seen.has(row.dataset.hash)) row.remove();
  applyFilter();
}

function applyFilter() {
  const input = document.getElementById('search');
  if (!input) return;
  const query = input.value.trim().toLowerCase();
  for (const row of document.querySelectorAll('#swarms tbody tr')) {
    const text = (row.cells[0].textContent + ' ' + row.dataset.hash).toLowerCase();
    row.hidden = query !== '' && !text.includes(query);
  }
}

function makeSortable(table) {
  table.querySelectorAll('th[data-sort]').forEach((th, column) => {
    th.addEventListener('click', () => {
      const ascending = th.dataset.dir !== 'asc';
      table.querySelectorAll('th').forEach(h => delete h.dataset.dir);
      th.dataset.dir = ascending ? 'asc' : 'desc';
      const numeric = th.dataset.sort === 'number';
      const key = row => {
        const text = row.cells[column].textContent;
        return numeric ? parseFloat(text) || 0 : text.toLowerCase();
      };
      const body = table.tBodies[0];
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      for (const row of rows) body.appendChild(row);
    });
  });
}

// Draws series [{values, color, label}] over the same x range into an <svg>.
function drawChart(svg, series) {
  while (svg.firstChild) svg.firstChild.remove();
  const width = 600, height = 150, pad = 20, legend = 34;  // the top band holds the labels
  const all = series.flatMap(s => s.values);
  const max = Math.max(1, ...all);
  const n = Math.max(2, ...series.map(s => s.values.length));
  const axis = document.createElementNS(SVG_NS, 'text');
  axis.setAttribute('x', 2);
  axis.setAttribute('y', 12);
  axis.setAttribute('class', 'axis');
  axis.textContent = 'max ' + fixed1(max);
  svg.appendChild(axis);
  series.forEach((s, i) => {
    const points = s.values.map((v, j) =>
      (pad + j * (width - 2 * pad) / (n - 1)).toFixed(1) + ',' +
      (height - pad - v * (height - pad - legend) / max).toFixed(1)).join(' ');
    const line = document.createElementNS(SVG_NS, 'polyline');
    line.setAttribute('points', points);
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', s.color);
    line.setAttribute('stroke-width', '2');
    svg.appendChild(line);
    const label = document.createElementNS(SVG_NS, 'text');
    label.setAttribute('x', width - 150);
    label.setAttribute('y', 12 + 14 * i);
    label.setAttribute('fill', s.color);
    label.textContent = s.label;
    svg.appendChild(label);
  });
}

async function refreshHistory() {
  const data = await getJson('/web/history.json');
  const rates = document.getElementById('chart-rates');
  const peers = document.getElementById('chart-peers');
  if (rates) {
    drawChart(rates, [
      {values: data.samples.map(s => s.announces), color: '#1f77b4', label: 'announces/s'},
      {values: data.samples.map(s => s.scrapes), color: '#ff7f0e', label: 'scrapes/s'}]);
  }
  if (peers) {
    drawChart(peers, [{values: data.samples.map(s => s.peers), color: '#2ca02c', label: 'peers'}]);
  }
}

const completedHistory = [];

async function refreshTorrent() {
  const table = document.getElementById('swarm');
  const data = await getJson('/web/torrent/' + table.dataset.hash + '.json');
  updateSwarmCells(table, data);
  updateTotals(await getJson('/web/totals.json'));
  completedHistory.push(data.completed);
  if (completedHistory.length > 720) completedHistory.shift();
  drawChart(document.getElementById('chart-completed'),
            [{values: completedHistory, color: '#9467bd', label: 'completed'}]);
  const peers = document.querySelector('#peers tbody');
  if (!peers) return;
  const rows = data.peers.map(p => {
    const tr = document.createElement('tr');
    tr.append(cell('address', p.address), cell('port', p.port),
              cell('seeder', p.seeder ? 'yes' : 'no'), cell('age', p.last_announce_age + ' s'));
    return tr;
  });
  peers.replaceChildren(...rows);
}

async function refreshCluster() {
  updateTotals(await getJson('/web/totals.json'));
  const data = await getJson('/web/cluster.json');
  const body = document.querySelector('#instances tbody');
  if (!body) return;
  const counts = c => Object.entries(c).map(([k, n]) => k + ' ' + n).join(', ');
  body.replaceChildren(...data.instances.map(i => {
    const tr = document.createElement('tr');
    tr.append(cell('instance_id', i.instance_id), cell('address', i.address),
              cell('age', fixed1(i.last_packet_age) + ' s'), cell('accepted', counts(i.accepted)),
              cell('rejected', counts(i.rejected)));
    return tr;
  }));
}

function poll(refresh) {
  const run = () => refresh().catch(e => {
    document.body.dataset.error = String(e);
  }).finally(() => setTimeout(run, POLL_MS));
  run();
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('table.sortable').forEach(makeSortable);
  const search = document.getElementById('search');
  if (search) search.addEventListener('input', applyFilter);
  const page = document.body.dataset.page;
  if (page === 'swarms') {
    poll(refreshSwarms);
    poll(refreshHistory);
  } else if (page === 'torrent') {
    poll(refreshTorrent);
  } else if (page === 'cluster') {
    poll(refreshCluster);
  }
});
