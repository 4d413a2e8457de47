// Prepaid meter: balance, days left, daily use, a token form whose steps show live.
"use strict";

const device = document.getElementById("prepaid").dataset.device;
const timezone = document.getElementById("prepaid").dataset.timezone; // of the daily buckets
const $ = (id) => document.getElementById(id);
const pending = new Set(); // request ids sent from this page
const heard = []; // recent steps: one may arrive before the POST's answer does
let quantity = "token_balance_kwh";
const DAYS_SHOWN = 14; // as the API's daily list

async function loadSummary() {
  const summary = await MH.api(`/api/devices/${device}/prepaid`);
  quantity = summary.quantity;
  $("balance").textContent = summary.balance_kwh === null ? "–" : `${MH.number(summary.balance_kwh, 2)} kWh`;
  $("balance-age").textContent = summary.ts ? `read ${MH.ago(summary.ts)}` : "no reading yet";
  const forecast = summary.forecast;
  $("days-left-label").textContent = MH.info("days_left").label;
  $("days-left").textContent = forecast ? MH.daysLeft(forecast.days_left, forecast.uncertainty_days) : "–";
  $("days-left").title = forecast ? `${forecast.method}; ${MH.number(forecast.span_days, 1)} days of readings` : "";
  $("avg-use").textContent = forecast ? `${MH.number(forecast.use_per_day, 2)} kWh` : "–";
  const chart = $("daily-chart");
  if (summary.daily.length) {
    Charts.bars(chart, {
      xs: summary.daily.map((d) => Date.parse(d.day) / 1000),
      ys: summary.daily.map((d) => d.used), label: "used", unit: "kWh", align: 1, timezone,
      range: [Date.parse(summary.daily.at(-1).day) / 1000 - (DAYS_SHOWN - 1) * 86400,
        Date.parse(summary.daily.at(-1).day) / 1000 + 86400],
      period: 86400,
    });
  } else {
    chart.replaceChildren(MH.el("p", { class: "muted" }, "No full day of readings yet."));
  }
}

async function loadTokens() {
  const attempts = await MH.api(`/api/devices/${device}/tokens?limit=20`);
  const body = $("tokens").querySelector("tbody");
  if (!attempts.length) return;
  body.replaceChildren(...attempts.map((a) => MH.el("tr", { dataset: { request: a.request_id } },
    MH.el("td", {}, MH.localTime(a.requested_at, { dateStyle: "short", timeStyle: "short" })),
    MH.el("td", {}, a.source),
    MH.el("td", {}, a.token),
    MH.el("td", {}, MH.el("span", { class: `badge ${a.state}` }, a.state)),
    MH.el("td", {}, a.detail))));
}

function hear(step) {
  heard.push(step);
  if (heard.length > 50) heard.shift();
  showStep(step);
}

// One line per state: repeated steps of a state (each key pressed) update its line.
function showStep(step) {
  if (!pending.has(step.request_id)) return;
  const list = $("token-steps");
  let line = list.querySelector(`li[data-state="${step.state}"]`);
  if (!line) {
    line = MH.el("li", { dataset: { state: step.state } });
    list.append(line);
  }
  const pressed = /pressed (\d+) of (\d+) keys/.exec(step.detail);
  line.replaceChildren(MH.el("span", { class: `badge ${step.state}` }, step.state), " ", step.detail);
  if (pressed) line.append(" ", MH.el("progress", { max: pressed[2], value: pressed[1] }));
  if (step.state === "verified" || step.state === "failed") {
    pending.delete(step.request_id);
    $("token-send").disabled = false;
    loadTokens();
    loadSummary();
  }
}

function wireForm() {
  const form = $("token-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const list = $("token-steps");
    list.replaceChildren();
    $("token-send").disabled = true;
    try {
      const answer = await MH.api(`/api/devices/${device}/token`, { method: "POST", body: { token: $("token").value } });
      pending.add(answer.request_id);
      list.dataset.request = answer.request_id;
      list.append(MH.el("li", { dataset: { state: "sent" } }, `Token ${answer.token} sent; waiting for the keypad…`));
      $("token").value = "";
      heard.filter((step) => step.request_id === answer.request_id).forEach(showStep);
    } catch (error) {
      list.append(MH.el("li", { class: "error", dataset: { state: "refused" } }, error.message));
      $("token-send").disabled = false;
    }
  });
}

MH.quantities().then(async () => {
  wireForm();
  await Promise.all([loadSummary(), loadTokens()]);
  MH.live({
    token_state: (e) => { if (e.device === device) hear(e.data); },
    state: (e) => {
      if (e.device === device && e.data[quantity] !== undefined) {
        $("balance").textContent = `${MH.number(e.data[quantity], 2)} kWh`;
        $("balance-age").textContent = `read ${MH.ago(e.data.ts)}`;
      }
    },
  });
});
