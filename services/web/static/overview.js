// Polls the REST API; a later version moves to server-sent events.
const REFRESH_MS = 2000;
let catalogue = {};

function age(ts) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

async function refreshMeter(section) {
  const id = section.dataset.device;
  const response = await fetch(`/api/devices/${id}/latest`);
  if (!response.ok) return;
  const latest = await response.json();
  section.querySelector(".age").textContent = `read ${age(latest.ts)}`;
  const list = section.querySelector(".values");
  list.replaceChildren();
  for (const [key, item] of Object.entries(latest.values)) {
    const info = catalogue[key] || { label: key, unit: "", precision: 2 };
    const dt = document.createElement("dt");
    dt.textContent = info.label;
    const dd = document.createElement("dd");
    dd.dataset.quantity = key;
    dd.textContent = `${item.value.toFixed(info.precision)} ${info.unit}`;
    list.append(dt, dd);
  }
}

async function refreshHealth() {
  const badge = document.getElementById("health");
  const response = await fetch("/healthz");
  const report = await response.json();
  badge.textContent = report.status;
  badge.className = `badge ${report.status}`;
}

async function refresh() {
  try {
    await Promise.all([refreshHealth(), ...[...document.querySelectorAll(".meter")].map(refreshMeter)]);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

fetch("/api/quantities").then((r) => r.json()).then((q) => { catalogue = q; refresh(); });
