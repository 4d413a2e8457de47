// Capacity tariff: quarter-hour demand of a day, the month peak (with a jump to its
// quarter and its 5-second detail), the billed average and its cost.
"use strict";

const box = document.getElementById("capacity");
const $ = (id) => document.getElementById(id);
const timezone = box.dataset.timezone;
const page = { quarters: [], peakStart: null, selected: null };

const months = (n) => (n === 1 ? _("1 month") : _("{n} months", { n }));
const watts = (w) => (w === null || w === undefined ? "–" : `${MH.number(w, 0)} W`);
const today = () => new Date().toLocaleDateString("sv-SE", { timeZone: timezone });
// A quarter's clock time in the meter's zone, 12 or 24 h as the locale writes it.
const clock = (ts) => new Date(ts).toLocaleTimeString(LOCALE, {
  timeZone: timezone, hour: "2-digit", minute: "2-digit" });

// A day (YYYY-MM-DD) as the locale writes a date.
const dayText = (day) => new Date(`${day}T12:00:00Z`).toLocaleDateString(LOCALE, { timeZone: "UTC", dateStyle: "medium" });

function shiftDay(day, days) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function device() { return $("device").value; }

async function loadPeaks(month) {
  const peaks = await MH.api(`/api/devices/${device()}/peaks?month=${month}`);
  const body = $("months").querySelector("tbody");
  body.replaceChildren(...peaks.months.slice().reverse().map((m) =>
    MH.el("tr", {}, MH.el("td", {}, m.month), MH.el("td", { class: "num" }, watts(m.peak_w)),
      MH.el("td", {}, m.source))));
  const cost = peaks.estimated_cost_eur_year;
  const billed = { average: watts(peaks.billed_average_w), months: months(peaks.months_averaged),
    floor: watts(peaks.floor_w), cost: MH.money(cost, "EUR"), price: MH.money(peaks.price_eur_per_kw_year, "EUR") };
  $("billed-note").textContent = peaks.billed_average_w === null ? _("No month peak known yet.") : cost === null
    ? _("Billed average {average} over {months} (each at least {floor}); set capacity.price_eur_per_kw_year for a cost estimate.", billed)
    : _("Billed average {average} over {months} (each at least {floor}): about {cost} a year at {price} per kW.", billed);
  return peaks;
}

function dayRange(answer) {
  return [Date.parse(answer.day_start) / 1000, Date.parse(answer.day_end) / 1000];
}

async function loadDay(day, select = null) {
  $("day").value = day;
  const month = day.slice(0, 7);
  const [answer, peaks] = await Promise.all([
    MH.api(`/api/devices/${device()}/quarters?day=${day}`),
    loadPeaks(month),
  ]);
  page.quarters = answer.quarters;
  const peakQuarter = peaks.peak && peaks.peak.quarter;
  page.peakStart = peakQuarter ? peakQuarter.start : null;
  const highlight = page.quarters.findIndex((q) => q.start === page.peakStart);
  $("day-title").textContent = _("Quarter hours of {day}", { day: dayText(day) });
  $("quarters-empty").hidden = page.quarters.length > 0;
  const chart = $("quarters-chart");
  chart.dataset.quarters = page.quarters.length;
  if (!page.quarters.length) { chart.replaceChildren(); $("detail").hidden = true; return; }
  Charts.bars(chart, {
    xs: page.quarters.map((q) => Date.parse(q.start) / 1000),
    ys: page.quarters.map((q) => q.average_w),
    label: _("average demand"), unit: "W", timezone, align: 1, range: dayRange(answer), period: 900,
    highlight: highlight >= 0 ? highlight : null,
    onPick: (i) => showQuarter(page.quarters[i]),
  });
  history.replaceState(null, "", `/capacity?device=${device()}&day=${day}`);
  if (select) showQuarter(select);
}

async function showQuarter(quarter) {
  page.selected = quarter.start;
  const detail = await MH.api(`/api/devices/${device()}/quarters/${encodeURIComponent(quarter.start)}`);
  const isPeak = detail.start === page.peakStart;
  $("detail").hidden = false;
  $("detail").dataset.start = detail.start;
  const span = { start: clock(detail.start), end: clock(detail.end), average: watts(detail.average_w) };
  $("detail-title").textContent = isPeak ? _("{start}–{end}: {average} average (month peak)", span)
    : _("{start}–{end}: {average} average", span);
  const complete = detail.complete ? _("measured from start to end") : _("not measured all through");
  $("detail-summary").textContent = _("{energy} kWh imported; {complete}; source: {source}; file {file}", {
    energy: MH.number(detail.energy_wh / 1000, 3), complete, source: detail.source, file: `/meter/${detail.file}` });
  const start = Date.parse(detail.start) / 1000;
  Charts.bars($("detail-chart"), {
    xs: detail.consumed_w.map((_, i) => start + i * detail.interval_s),
    ys: detail.consumed_w, label: _("import"), unit: "W", timezone, align: 1,
    range: [start, Date.parse(detail.end) / 1000], period: detail.interval_s,
  });
}

async function jumpToPeak() {
  const month = ($("day").value || today()).slice(0, 7);
  const peaks = await MH.api(`/api/devices/${device()}/peaks?month=${month}`);
  const note = $("peak-note");
  if (!peaks.peak) { note.textContent = _("No peak known for {month} yet.", { month }); return; }
  const q = peaks.peak.quarter;
  if (!q) { note.textContent = _("Month peak {peak} (the meter gave no time).", { peak: watts(peaks.peak.power_w) }); return; }
  note.textContent = _("Month peak {month}: {peak} on {day} at {time} ({source}).", {
    month, peak: watts(peaks.peak.power_w), day: dayText(q.day), time: clock(q.start), source: peaks.peak.source });
  if (!q.measured) {
    note.textContent += " " + _("Meterhub did not measure that quarter, so it has no detail.");
    await loadDay(q.day);
    return;
  }
  await loadDay(q.day, { start: q.start });
}

function showCapacity(state) {
  if (!state || state.device !== device()) return;
  $("now-quarter").textContent = watts(state.quarter_avg_power_w);
  $("now-predicted").textContent = watts(state.predicted_quarter_power_w);
  $("now-peak").textContent = watts(state.month_peak_power_w);
  $("now-billed").textContent = watts(state.billed_average_w);
  $("now-months").textContent = _("over {months}", { months: months(state.months_averaged) });
  $("now-waiting").hidden = true;
  $("now-cost").textContent = MH.money(state.estimated_cost_eur_year, "EUR");
  $("now-age").textContent = `· ${MH.localTime(state.ts, { timeStyle: "medium" })}`;
  $("now-warning").textContent = state.new_peak_predicted ? _("This quarter is heading for a new month peak.") : "";
}

function showPower(state) {
  if (!state) return;
  const power = state.power_import_w !== undefined ? state.power_import_w - (state.power_export_w || 0) : state.power_w;
  if (power !== undefined) $("now-power").textContent = watts(power);
}

MH.quantities().then(async () => {
  const url = new URLSearchParams(location.search);
  $("prev-day").addEventListener("click", () => loadDay(shiftDay($("day").value, -1)));
  $("next-day").addEventListener("click", () => loadDay(shiftDay($("day").value, 1)));
  $("day").addEventListener("change", () => loadDay($("day").value));
  $("device").addEventListener("change", () => { location.href = `/capacity?device=${device()}`; });
  $("month-peak").addEventListener("click", jumpToPeak);
  await loadDay(url.get("day") || today());
  MH.live({
    snapshot(snapshot) {
      const live = snapshot.devices[device()];
      if (live) { showCapacity(live.capacity); showPower(live.state); }
    },
    capacity: (e) => showCapacity(e.data),
    state: (e) => { if (e.device === device()) showPower(e.data); },
  });
});
