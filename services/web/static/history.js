// History: consumption bars per minute/quarter/hour/day/month for a date range, CSV export.
"use strict";

const form = document.getElementById("controls");
const $ = (id) => document.getElementById(id);
const timezone = form.dataset.timezone;
// Days shown back from today when no range is chosen.
const DEFAULT_DAYS = { minute: 0, quarter: 0, hour: 1, day: 30, month: 365 };
const REFRESH_MS = 10000;
const PERIOD_S = { minute: 60, quarter: 900, hour: 3600, day: 86400, month: 30 * 86400 };
let lastFetch = 0;

function isoDay(date) {
  return date.toLocaleDateString("sv-SE", { timeZone: timezone }); // YYYY-MM-DD
}

function dayAfter(day) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function defaults(every) {
  const today = isoDay(new Date());
  const start = new Date(Date.now() - DEFAULT_DAYS[every] * 86400e3);
  return { from: isoDay(start), to: today };
}

async function fillQuantities(device, wanted) {
  const select = $("quantity");
  let keys = [];
  try {
    keys = Object.keys((await MH.api(`/api/devices/${device}/latest`)).values);
  } catch (_) { /* no reading yet */ }
  if (wanted && !keys.includes(wanted)) keys.unshift(wanted);
  select.replaceChildren(...keys.map((k) => MH.el("option", { value: k }, MH.info(k).label)));
  select.value = wanted && keys.includes(wanted) ? wanted : keys[0] || "";
}

function params() {
  const every = $("every").value;
  const fallback = defaults(every);
  if (!$("from").value) $("from").value = fallback.from;
  if (!$("to").value) $("to").value = fallback.to;
  const from = $("from").value;
  const to = $("to").value;
  return new URLSearchParams({ quantity: $("quantity").value, every, from, to: dayAfter(to) });
}

async function show() {
  const device = $("device").value;
  const query = params();
  history.replaceState(null, "", `/history?device=${device}&every=${query.get("every")}` +
    `&from=${query.get("from")}&to=${$("to").value}&quantity=${query.get("quantity")}`);
  $("csv").href = `/api/devices/${device}/history.csv?${query}`;
  $("history-error").textContent = "";
  lastFetch = Date.now();
  let result;
  try {
    result = await MH.api(`/api/devices/${device}/history?${query}`);
  } catch (error) {
    $("history-error").textContent = error.message;
    return;
  }
  const q = MH.info(result.quantity);
  const xs = result.points.map((p) => Date.parse(p.ts) / 1000);
  const range = [Date.parse(result.from) / 1000, Date.parse(result.to) / 1000];
  const chart = $("chart");
  // The bucket as the "Per" choice names it, in the page's language.
  const every = [...$("every").options].find((o) => o.value === result.every)?.textContent || result.every;
  const day = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString(LOCALE, { timeZone: "UTC", dateStyle: "medium" });
  if (result.kind === "gauge") {
    $("chart-title").textContent = _("{quantity}, mean per {every}", { quantity: q.label, every });
    Charts.line(chart, { xs, ys: result.points.map((p) => p.avg), label: q.label, unit: q.unit, timezone, range });
    $("summary").textContent = _("{n} buckets of one {every}", { n: result.points.length, every });
  } else {
    const used = result.points.map((p) => p.used);
    const total = used.reduce((a, b) => a + (b || 0), 0);
    $("chart-title").textContent = _("{quantity}: used per {every}", { quantity: q.label, every });
    Charts.bars(chart, { xs, ys: used, label: _("used"), unit: q.unit, timezone, range,
      period: PERIOD_S[result.every] });
    $("summary").textContent = _("{total} used from {from} to {to} ({n} buckets of one {every} with readings)", {
      total: `${MH.number(total, q.precision)} ${q.unit}`.trim(), from: day(query.get("from")), to: day($("to").value),
      n: result.points.length, every });
    $("summary").dataset.total = total;
  }
  chart.dataset.points = result.points.length;
}

MH.quantities().then(async () => {
  const url = new URLSearchParams(location.search);
  if (url.get("every")) $("every").value = url.get("every");
  if (url.get("from")) $("from").value = url.get("from");
  if (url.get("to")) $("to").value = url.get("to");
  await fillQuantities($("device").value, url.get("quantity") || form.dataset.quantity);
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  $("device").addEventListener("change", async () => { await fillQuantities($("device").value, null); show(); });
  $("every").addEventListener("change", () => { $("from").value = ""; $("to").value = ""; show(); });
  await show();
  // The current bucket grows with each reading: redraw now and then while it is shown.
  MH.live({
    state(event) {
      const shownToday = !$("to").value || $("to").value >= isoDay(new Date());
      if (event.device === $("device").value && shownToday && Date.now() - lastFetch > REFRESH_MS) show();
    },
  });
});
