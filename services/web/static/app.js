// Shared by every page: API calls (with the CSRF token), live events, number formats.
"use strict";

const MH = (() => {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : null;
  let catalogue = null;

  async function api(path, { method = "GET", body, raw = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 401) {
      location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
      throw new Error("logged out");
    }
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        const problem = await response.json();
        if (typeof problem.detail === "string") detail = problem.detail;
        else if (Array.isArray(problem.detail)) detail = problem.detail.map((d) => d.msg).join("; ");
      } catch (_) { /* not JSON */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return raw ? response : response.json();
  }

  async function quantities() {
    if (!catalogue) catalogue = await api("/api/quantities");
    return catalogue;
  }

  function info(key) {
    return (catalogue && catalogue[key]) || { label: key, unit: "", precision: 2, kind: "gauge" };
  }

  function number(value, precision = 2) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return Number(value).toLocaleString(undefined, {
      minimumFractionDigits: precision,
      maximumFractionDigits: precision,
    });
  }

  function fmt(key, value) {
    const q = info(key);
    return `${number(value, q.precision)} ${q.unit}`.trim();
  }

  // "≈ 19 d ±2": the storage forecast with its uncertainty (tenths below ten days).
  function daysLeft(days, uncertainty) {
    if (days === null || days === undefined) return "–";
    const precision = days < 10 ? 1 : 0;
    const unit = info("days_left").unit;
    const pm = uncertainty === null || uncertainty === undefined
      ? "" : ` ±${number(uncertainty, uncertainty < 10 ? 1 : 0)}`;
    return `≈ ${number(days, precision)} ${unit}${pm}`;
  }

  // The values of a state worth a row: numbers, the forecast's uncertainty shown with
  // days left rather than on its own. stateText gives each one's text.
  function stateKeys(state) {
    // Costs are shown with their currency by money.js, not as bare numbers.
    return Object.keys(state).filter((k) => k !== "ts" && k !== "days_left_uncertainty"
      && !k.startsWith("cost_") && typeof state[k] === "number");
  }

  function stateText(key, state) {
    return key === "days_left"
      ? daysLeft(state.days_left, state.days_left_uncertainty) : fmt(key, state[key]);
  }

  function ago(ts) {
    if (!ts) return "never";
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
    if (seconds < 90) return `${seconds} s ago`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
    if (seconds < 129600) return `${Math.round(seconds / 3600)} h ago`;
    return `${Math.round(seconds / 86400)} d ago`;
  }

  // The page's one zone (shown in its header); the clock (12/24 h) is the locale's.
  const zone = document.body.dataset.timezone || undefined;

  function localTime(ts, options = { dateStyle: "medium", timeStyle: "medium" }) {
    return ts ? new Date(ts).toLocaleString(undefined, { timeZone: zone, ...options }) : "–";
  }

  // One EventSource per page; handlers by event type ("snapshot", "state", "ocr", ...).
  function live(handlers) {
    const dot = document.getElementById("live");
    const source = new EventSource("/api/events");
    const types = ["snapshot", "state", "ocr", "rejected", "availability", "token_state",
      "capacity", "ocr_rois", "service"];
    for (const type of types) {
      source.addEventListener(type, (message) => {
        const data = JSON.parse(message.data);
        if (dot) dot.dataset.last = type;
        const handler = handlers[type];
        if (handler) handler(data);
        if (handlers.any && type !== "snapshot") handlers.any(data);
      });
    }
    source.onopen = () => { if (dot) { dot.className = "live on"; dot.title = "live"; } };
    source.onerror = () => { if (dot) { dot.className = "live off"; dot.title = "reconnecting…"; } };
    return source;
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function availability(node, status) {
    node.textContent = status || "unknown";
    node.className = `badge ${status || "unknown"}`;
  }

  // Colours of charts follow the page's theme (CSS variables).
  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  return { api, quantities, info, number, fmt, daysLeft, stateKeys, stateText, ago, localTime, live, el, availability, colour, csrf };
})();
