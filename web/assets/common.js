// aciswarm web pages (tracker and agent): what every page's script uses. Served
// as /web/common.js before the page's own script; the Content-Security-Policy
// allows only these scripts, so everything here builds DOM nodes and sets
// textContent: data is never parsed as HTML.
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

function cell(field, text) {
  const td = document.createElement('td');
  td.dataset.field = field;
  td.textContent = text;
  return td;
}

// Sorts the body rows by the header marked data-dir (none: leaves the order). A
// page calls it again after it replaced the rows, so a chosen order survives a refresh.
function sortRows(table) {
  const th = table.querySelector('th[data-dir]');
  if (!th) return;
  const column = th.cellIndex, ascending = th.dataset.dir === 'asc';
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
}

function makeSortable(table) {
  table.querySelectorAll('th[data-sort]').forEach(th => {
    th.addEventListener('click', () => {
      const ascending = th.dataset.dir !== 'asc';
      table.querySelectorAll('th').forEach(h => delete h.dataset.dir);
      th.dataset.dir = ascending ? 'asc' : 'desc';
      sortRows(table);
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

function poll(refresh) {
  const run = () => refresh().catch(e => {
    document.body.dataset.error = String(e);
  }).finally(() => setTimeout(run, POLL_MS));
  run();
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('table.sortable').forEach(makeSortable);
});
