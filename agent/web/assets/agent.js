// aciswarm agent web page: live numbers, filter, charts. Served as /web/agent.js
// after /web/common.js (getJson, cell, drawChart, poll, sortable tables); like
// it, it only builds DOM nodes and sets textContent.
'use strict';

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return n + ' B';
  let value = n, unit = 0;
  while (value >= 1024 && unit + 1 < units.length) { value /= 1024; ++unit; }
  return fixed1(value) + ' ' + units[unit];
}

function percent(done, total) {
  return total ? fixed1(100 * done / total) + ' %' : '?';
}

function updateNodeTotals(t) {
  setText(document, '[data-total="images"]', t.images);
  setText(document, '[data-total="seeding"]', t.seeding);
  setText(document, '[data-total="fetching"]', t.fetching);
  setText(document, '[data-total="uploaded"]', bytes(t.uploaded));
  setText(document, '[data-total="downloaded"]', bytes(t.downloaded));
  setText(document, '[data-total="ratio"]', fixed1(t.ratio));
  setText(document, '[data-total="uptime"]', duration(t.uptime_seconds));
  setText(document, '[data-total="port"]', t.port);
}

function imageRow(i) {
  const tr = document.createElement('tr');
  tr.id = 'image-' + i.id;
  tr.dataset.id = i.id;
  const id = cell('id', '');
  const code = document.createElement('code');
  code.textContent = i.display;
  id.appendChild(code);
  const osArch = i.os || i.arch ? i.os + '/' + i.arch : '';
  tr.append(cell('name', i.name || '(unnamed)'), cell('version', i.version),
            cell('os_arch', osArch), cell('size', bytes(i.size)), id,
            cell('verified_by', i.verified_by || 'not verified'), cell('policy', i.policy),
            cell('state', i.state), cell('peers', i.peers),
            cell('download_rate', bytes(i.download_rate) + '/s'),
            cell('upload_rate', bytes(i.upload_rate) + '/s'), cell('uploaded', bytes(i.uploaded)),
            cell('ratio', fixed1(i.ratio)));
  return tr;
}

function fetchRow(f) {
  const tr = document.createElement('tr');
  tr.dataset.fetch = f.id;
  tr.append(cell('source', f.source), cell('progress', percent(f.done_bytes, f.total_bytes)),
            cell('done', bytes(f.done_bytes) + ' of ' + (f.total_bytes ? bytes(f.total_bytes) : '?')),
            cell('download_rate', bytes(f.download_rate) + '/s'), cell('peers', f.peers),
            cell('from_peers', bytes(f.from_peers)), cell('from_web_seeds', bytes(f.from_web_seeds)),
            cell('age', fixed1(f.age_seconds) + ' s'));
  return tr;
}

function applyImageFilter() {
  const input = document.getElementById('search');
  const query = input ? input.value.trim().toLowerCase() : '';
  for (const row of document.querySelectorAll('#images tbody tr')) {
    const text = (row.cells[0].textContent + ' ' + row.dataset.id).toLowerCase();
    row.hidden = query !== '' && !text.includes(query);
  }
}

async function refreshNode() {
  const data = await getJson('/web/node.json');
  updateNodeTotals(data.totals);
  document.querySelector('#images tbody').replaceChildren(...data.images.map(imageRow));
  sortRows(document.getElementById('images'));
  document.querySelector('#fetches tbody').replaceChildren(...data.fetches.map(fetchRow));
  applyImageFilter();
}

async function refreshNodeHistory() {
  const data = await getJson('/web/history.json');
  drawChart(document.getElementById('chart-rates'), [
    {values: data.samples.map(s => s.download), color: '#1f77b4', label: 'download B/s'},
    {values: data.samples.map(s => s.upload), color: '#ff7f0e', label: 'upload B/s'}]);
  drawChart(document.getElementById('chart-peers'),
            [{values: data.samples.map(s => s.peers), color: '#2ca02c', label: 'peers'}]);
}

document.addEventListener('DOMContentLoaded', () => {
  const search = document.getElementById('search');
  if (search) search.addEventListener('input', applyImageFilter);
  if (document.body.dataset.page === 'node') {
    poll(refreshNode);
    poll(refreshNodeHistory);
  }
});
