// Shared by every page: API calls (with the CSRF token), live events, number formats,
// and the page's language (the catalogue base.html embeds, the same one the server uses).
"use strict";

// The page's language; a bare "en" takes the browser's region (en-GB writes 24-hour times).
const LOCALE = (() => {
  const lang = document.documentElement.lang || "en";
  if (lang.includes("-")) return lang;
  return (navigator.languages || []).find((tag) => tag.split("-")[0] === lang) || lang;
})();
const MESSAGES = self.MESSAGES || {}; // /i18n/<language>.js, loaded just before this

// _("read {age}", { age }): the catalogue's text for an English message, placeholders filled.
function _(msgid, values = {}) {
  const text = MESSAGES[msgid] || msgid;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// The header's language switch; a page in the default language follows navigator.language
// when the browser sent no Accept-Language the server knows.
(() => {
  const remember = (code) => {
    document.cookie = `lang=${code}; path=/; max-age=31536000; samesite=lax`;
    location.reload();
  };
  const select = document.getElementById("language");
  if (!select) return;
  select.addEventListener("change", () => remember(select.value));
  const known = [...select.options].map((o) => o.value);
  const browser = (navigator.language || "").split("-")[0].toLowerCase();
  if (document.documentElement.dataset.langSource === "default" && browser !== "en"
      && known.includes(browser)) remember(browser);
})();

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

  // Labels come from the quantity catalogue and are translated like every other text.
  function info(key) {
    const q = (catalogue && catalogue[key]) || { label: key, unit: "", precision: 2, kind: "gauge" };
    return { ...q, label: _(q.label) };
  }

  function number(value, precision = 2) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return Number(value).toLocaleString(LOCALE, {
      minimumFractionDigits: precision,
      maximumFractionDigits: precision,
    });
  }

  // An amount in the page's locale: symbol, separators and its place as the locale writes them.
  function money(value, currency, decimals = 2) {
    if (value === null || value === undefined) return "–";
    return new Intl.NumberFormat(LOCALE, { style: "currency", currency,
      minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
  }

  function fmt(key, value) {
    const q = info(key);
    return `${number(value, q.precision)} ${q.unit}`.trim();
  }

  // "≈ 19 d ±2": the storage forecast with its uncertainty (tenths below ten days).
  function daysLeft(days, uncertainty) {
    if (days === null || days === undefined) return "–";
    const shown = number(days, days < 10 ? 1 : 0);
    if (uncertainty === null || uncertainty === undefined) return _("≈ {days} d", { days: shown });
    return _("≈ {days} d ±{spread}", { days: shown, spread: number(uncertainty, uncertainty < 10 ? 1 : 0) });
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

  const relative = new Intl.RelativeTimeFormat(LOCALE, { style: "short" });

  function ago(ts) {
    if (!ts) return _("never");
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
    if (seconds < 90) return relative.format(-seconds, "second");
    if (seconds < 5400) return relative.format(-Math.round(seconds / 60), "minute");
    if (seconds < 129600) return relative.format(-Math.round(seconds / 3600), "hour");
    return relative.format(-Math.round(seconds / 86400), "day");
  }

  // The page's one zone (shown in its header); the clock (12/24 h) is the locale's.
  const zone = document.body.dataset.timezone || undefined;

  function localTime(ts, options = { dateStyle: "medium", timeStyle: "medium" }) {
    return ts ? new Date(ts).toLocaleString(LOCALE, { timeZone: zone, ...options }) : "–";
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
    source.onopen = () => { if (dot) { dot.className = "live on"; dot.title = _("live"); } };
    source.onerror = () => { if (dot) { dot.className = "live off"; dot.title = _("reconnecting…"); } };
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

  // Badge words; the class stays the API's value.
  const STATUS = { online: _("online"), offline: _("offline"), unknown: _("unknown") };

  function status(value) {
    return STATUS[value || "unknown"] || value;
  }

  function availability(node, value) {
    node.textContent = status(value);
    node.className = `badge ${value || "unknown"}`;
  }

  // Colours of charts follow the page's theme (CSS variables).
  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  return { api, quantities, info, number, money, fmt, daysLeft, stateKeys, stateText, ago, localTime, live, el, status, availability, colour, csrf };
})();
