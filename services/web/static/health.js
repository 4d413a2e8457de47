// Devices (availability, last reading) and services (availability) as the bus says now.
"use strict";

const $ = (id) => document.getElementById(id);
const services = new Map();

function deviceRows(devices) {
  $("devices").querySelector("tbody").replaceChildren(...devices.map((d) => MH.el("tr", { dataset: { device: d.id } },
    MH.el("td", {}, MH.el("a", { href: `/meters/${d.id}` }, d.name)),
    MH.el("td", {}, d.kind),
    MH.el("td", {}, MH.el("span", { class: `badge ${d.availability || "unknown"}` }, MH.status(d.availability))),
    MH.el("td", { title: d.last_seen || "" }, d.last_seen ? `${MH.localTime(d.last_seen)} (${MH.ago(d.last_seen)})` : _("never")))));
}

function serviceRows() {
  const names = [...services.keys()].sort();
  $("services").querySelector("tbody").replaceChildren(...names.map((name) => MH.el("tr", { dataset: { service: name } },
    MH.el("td", {}, name),
    MH.el("td", {}, MH.el("span", { class: `badge ${services.get(name)}` }, MH.status(services.get(name)))))));
}

async function refresh() {
  const status = await MH.api("/api/status");
  deviceRows(status.devices);
  for (const s of status.services) services.set(s.name, s.availability);
  serviceRows();
  const web = status.web;
  $("web-health").textContent = _("This web process: {status}; login {login}.", { status: MH.status(web.status), login: status.login });
}

refresh().then(() => {
  MH.live({
    service: (e) => { services.set(e.service, e.data); serviceRows(); },
    availability: () => refresh(),
    state: (() => { let last = 0; return () => { if (Date.now() - last > 5000) { last = Date.now(); refresh(); } }; })(),
  });
});
