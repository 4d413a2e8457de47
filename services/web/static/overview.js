// Overview: every meter's headline values, kept current by live events (no polling).
"use strict";

// Shown first on a card, in this order; a card shows at most MAX_VALUES.
const HEADLINE = ["token_balance_kwh", "days_left", "power_w", "power_import_w", "power_export_w",
  "quarter_avg_power_w", "month_peak_power_w", "energy_import_kwh", "energy_export_kwh",
  "gas_m3", "water_m3", "voltage_l1_v", "current_l1_a"];
const MAX_VALUES = 6;

const cards = new Map([...document.querySelectorAll(".meter")].map((c) => [c.dataset.device, c]));
const seen = new Map(); // device -> ts of the newest state shown

function showState(device, state) {
  const card = cards.get(device);
  if (!card || !state) return;
  seen.set(device, state.ts);
  card.querySelector(".age").textContent = _("read {age}", { age: MH.ago(state.ts) });
  const list = card.querySelector(".values");
  const keys = MH.stateKeys(state);
  keys.sort((a, b) => {
    const ia = HEADLINE.indexOf(a), ib = HEADLINE.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  for (const key of keys.slice(0, MAX_VALUES)) {
    let dd = list.querySelector(`dd[data-quantity="${key}"]`);
    if (!dd) {
      list.append(MH.el("dt", {}, MH.info(key).label), (dd = MH.el("dd", { dataset: { quantity: key } })));
    }
    const text = MH.stateText(key, state);
    if (dd.textContent !== text) {
      dd.textContent = text;
      dd.classList.remove("flash");
      void dd.offsetWidth; // restart the highlight
      dd.classList.add("flash");
    }
  }
}

function showFrame(device) {
  const card = cards.get(device);
  const thumb = card && card.querySelector(".thumb");
  if (!thumb) return;
  thumb.onload = () => { thumb.hidden = false; };
  thumb.onerror = () => { thumb.hidden = true; }; // no frame yet
  thumb.src = `/api/devices/${device}/image?annotated=true&t=${Date.now()}`;
}

function showAvailability(device, status) {
  const card = cards.get(device);
  if (card) MH.availability(card.querySelector(".availability"), status);
}

MH.quantities().then(() => {
  MH.live({
    snapshot(snapshot) {
      for (const [device, live] of Object.entries(snapshot.devices)) {
        showState(device, live.state);
        if (live.availability) showAvailability(device, live.availability);
        if (live.last_frame) showFrame(device);
      }
    },
    state: (event) => showState(event.device, event.data),
    availability: (event) => showAvailability(event.device, event.data),
    ocr: (event) => showFrame(event.device),
    rejected: (event) => { if (event.data.source === "ocr") showFrame(event.device); },
  });
  for (const device of cards.keys()) showFrame(device);
  // Ages move on between readings.
  setInterval(() => {
    for (const [device, ts] of seen) cards.get(device).querySelector(".age").textContent = _("read {age}", { age: MH.ago(ts) });
  }, 5000);
});
