// Prepaid meter: balance, days left, daily use, a token form whose steps show live.
"use strict";

const device = document.getElementById("prepaid").dataset.device;
const timezone = document.getElementById("prepaid").dataset.timezone; // of the daily buckets
const $ = (id) => document.getElementById(id);
const pending = new Set(); // request ids sent from this page
const heard = []; // recent steps: one may arrive before the POST's answer does
let quantity = "token_balance_kwh";
// Token states as the keypad reports them (the badge's class stays the state).
const STATES = { sent: _("sent"), queued: _("queued"), typing: _("typing"), typed: _("typed"),
  verified: _("verified"), failed: _("failed"), refused: _("refused") };
const stateText = (state) => STATES[state] || state;
const DAYS_SHOWN = 14; // as the API's daily list

async function loadSummary() {
  const summary = await MH.api(`/api/devices/${device}/prepaid`);
  quantity = summary.quantity;
  $("balance").textContent = summary.balance_kwh === null ? "–" : `${MH.number(summary.balance_kwh, 2)} kWh`;
  $("balance-age").textContent = summary.ts ? _("read {age}", { age: MH.ago(summary.ts) }) : _("no reading yet");
  const forecast = summary.forecast;
  $("days-left-label").textContent = MH.info("days_left").label;
  $("days-left").textContent = forecast ? MH.daysLeft(forecast.days_left, forecast.uncertainty_days) : "–";
  $("days-left").title = forecast ? _("{method}; {days} days of readings", { method: forecast.method, days: MH.number(forecast.span_days, 1) }) : "";
  $("avg-use").textContent = forecast ? `${MH.number(forecast.use_per_day, 2)} kWh` : "–";
  const chart = $("daily-chart");
  if (summary.daily.length) {
    Charts.bars(chart, {
      xs: summary.daily.map((d) => Date.parse(d.day) / 1000),
      ys: summary.daily.map((d) => d.used), label: _("used"), unit: "kWh", align: 1, timezone,
      range: [Date.parse(summary.daily.at(-1).day) / 1000 - (DAYS_SHOWN - 1) * 86400,
        Date.parse(summary.daily.at(-1).day) / 1000 + 86400],
      period: 86400,
    });
  } else {
    chart.replaceChildren(MH.el("p", { class: "muted" }, _("No full day of readings yet.")));
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
    MH.el("td", {}, MH.el("span", { class: `badge ${a.state}` }, stateText(a.state))),
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
  line.replaceChildren(MH.el("span", { class: `badge ${step.state}` }, stateText(step.state)), " ", step.detail);
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
      list.append(MH.el("li", { dataset: { state: "sent" } }, _("Token {token} sent; waiting for the keypad…", { token: answer.token })));
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
        $("balance-age").textContent = _("read {age}", { age: MH.ago(e.data.ts) });
      }
    },
  });
});
