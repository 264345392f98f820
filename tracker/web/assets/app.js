// aciswarm tracker web interface: live numbers, filter, charts. Served as
// /web/app.js after /web/common.js (getJson, cell, drawChart, poll, sortable
// tables); like it, it only builds DOM nodes and sets textContent.
'use strict';

function updateTotals(t) {
  setText(document, '[data-total="torrents"]', t.torrents);
  setText(document, '[data-total="peers"]', t.peers);
  setText(document, '[data-total="announces_per_second"]', fixed1(t.announces_per_second));
  setText(document, '[data-total="scrapes_per_second"]', fixed1(t.scrapes_per_second));
  setText(document, '[data-total="uptime"]', duration(t.uptime_seconds));
  setText(document, '[data-total="mode"]', t.mode);
  setText(document, '[data-total="zones"]', t.zones);
  setText(document, '[data-total="leaders"]', t.leaders);
}

// The same text as render.cpp's zones_text() and leaders_text().
function zonesText(zones) { return zones.map(z => z.name + ' (' + z.members + ')').join(', '); }

function leadersText(zones) {
  return zones.filter(z => z.leader_count > 0).map(z => z.name + ': ' + (z.leaders.length
    ? z.leaders.join(' ')
    : z.leader_count + (z.leader_count === 1 ? ' leader' : ' leaders'))).join('; ');
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
  tr.append(cell('zones', zonesText(s.zones)), cell('leaders', leadersText(s.zones)));
  return tr;
}

function updateSwarmCells(row, s) {
  for (const f of NUMBER_FIELDS) setText(row, '[data-field="' + f + '"]', s[f]);
  if (row.querySelector('[data-field="zones"]')) {
    setText(row, '[data-field="zones"]', zonesText(s.zones));
    setText(row, '[data-field="leaders"]', leadersText(s.zones));
  }
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
  const zones = document.querySelector('#zones tbody');
  if (zones) {
    zones.replaceChildren(...data.zones.map(z => {
      const tr = document.createElement('tr');
      const leaders = z.leaders.length || !z.leader_count ? z.leaders.join(' ') : z.leader_count;
      tr.append(cell('zone', z.name), cell('members', z.members), cell('leaders', leaders));
      return tr;
    }));
  }
  const peers = document.querySelector('#peers tbody');
  if (!peers) return;
  const rows = data.peers.map(p => {
    const tr = document.createElement('tr');
    tr.append(cell('address', p.address), cell('port', p.port),
              cell('seeder', p.seeder ? 'yes' : 'no'), cell('age', p.last_announce_age + ' s'),
              cell('zone', p.zone), cell('role', p.role));
    return tr;
  });
  peers.replaceChildren(...rows);
  sortRows(document.getElementById('peers'));
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
              cell('age', fixed1(i.last_packet_age) + ' s'), cell('packets', i.packets),
              cell('peers_received', i.peers_received), cell('auth_failures', i.auth_failures),
              cell('accepted', counts(i.accepted)), cell('rejected', counts(i.rejected)));
    return tr;
  }));
  sortRows(document.getElementById('instances'));
}

document.addEventListener('DOMContentLoaded', () => {
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
