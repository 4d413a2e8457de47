// Overview: what each priced meter cost today, this month and last month, and what the
// capacity tariff's month peak and running quarter add (GET /api/devices/<id>/cost).
"use strict";

(() => {
  const REFRESH_MS = 60000; // costs move with the day roll-ups, not with every reading
  // API field -> the state key whose catalogue label names it.
  const ROWS = [["today", "cost_today"], ["this_month", "cost_this_month"], ["last_month", "cost_last_month"]];

  function amount(value, money) {
    return MH.money(value, money.currency, money.decimals);
  }

  function row(list, key, label, text) {
    let dd = list.querySelector(`dd[data-money="${key}"]`);
    if (!dd) list.append(MH.el("dt", {}, label), (dd = MH.el("dd", { dataset: { money: key } })));
    dd.textContent = text;
  }

  async function show(list) {
    const money = await MH.api(`/api/devices/${list.dataset.device}/cost`);
    await MH.quantities();
    for (const [key, state] of ROWS) row(list, key, MH.info(state).label, amount(money[key].amount, money));
    const capacity = money.capacity;
    if (capacity && capacity.month_peak_adds !== null) {
      const label = capacity.confirmed ? _("Month peak adds / year")
        : _("Month peak adds / year (default of {region}: confirm)", { region: capacity.region });
      row(list, "month_peak_adds", label,
        amount(capacity.month_peak_adds, { ...money, decimals: 2, currency: capacity.currency }));
      row(list, "quarter_would_add", _("This quarter would add"),
        amount(capacity.quarter_would_add || 0, { ...money, decimals: 2, currency: capacity.currency }));
    }
    list.hidden = false;
  }

  const lists = [...document.querySelectorAll("dl.money[data-device]")];
  const refresh = () => lists.forEach((list) => show(list).catch(() => { list.hidden = true; }));
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
