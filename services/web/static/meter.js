// One meter: values, refused readings, and for cameras the newest frame with the digits
// read boxed, capture on demand, and the ROI editor.
"use strict";

const root = document.getElementById("meter");
const device = root.dataset.device;
const digitCount = Number(root.dataset.digits);
const decimals = Number(root.dataset.decimals);

// The number on the display: the digits read with the decimal point put back.
function shown(digits) {
  if (!decimals) return digits;
  const padded = digits.padStart(decimals + 1, "0");
  return `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

const view = {
  ocr: null,        // newest OCR result of the frame shown
  saved: null,      // ROIs as saved: {display, digits, updated}
  draft: null,      // ROIs being edited
  mode: "display",
  awaiting: null,   // `updated` of ROIs just saved, until a frame is read with them
  size: [0, 0],     // natural size of the frame shown
  stale: false,     // a newer frame came while drawing
  live: null,       // the live view's EventSource while it is on
  liveFrames: 0,    // frames shown since it was turned on
};

// --- values and refusals -----------------------------------------------------------------
function showValues(state) {
  if (!state) return;
  $("age").textContent = _("read {age}", { age: MH.ago(state.ts) });
  const list = $("values");
  for (const key of MH.stateKeys(state)) {
    let dd = list.querySelector(`dd[data-quantity="${key}"]`);
    if (!dd) list.append(MH.el("dt", {}, MH.info(key).label), (dd = MH.el("dd", { dataset: { quantity: key } })));
    dd.textContent = MH.stateText(key, state);
  }
}

function addRejected(item, { prepend = true } = {}) {
  const list = $("rejected");
  const empty = list.querySelector(".muted");
  if (empty) empty.remove();
  const li = MH.el("li", {}, MH.el("strong", {}, item.reason), " ",
    MH.el("span", { class: "muted" }, `${item.source} · ${MH.localTime(item.ts)}`));
  if (prepend) list.prepend(li); else list.append(li);
  while (list.children.length > 20) list.lastChild.remove();
}

// --- the frame and its overlay -------------------------------------------------------------
function rect(box, cls, label) {
  const [x, y, w, h] = box;
  const group = document.createElementNS(SVG, "g");
  const r = document.createElementNS(SVG, "rect");
  Object.entries({ x, y, width: w, height: h, class: cls }).forEach(([k, v]) => r.setAttribute(k, v));
  group.append(r);
  if (label) {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", x);
    t.setAttribute("y", Math.max(y - 6, 16));
    t.textContent = label;
    group.append(t);
  }
  return group;
}

function drawOverlay() {
  const svg = $("overlay");
  svg.replaceChildren();
  const rois = view.draft || view.saved;
  if (rois && rois.display) svg.append(rect(rois.display, "display", null));
  if (rois) rois.digits.forEach((box, i) => svg.append(rect(box, "digit", view.draft ? String(i + 1) : null)));
  if (view.ocr && !view.draft) {
    view.ocr.boxes.forEach((box, i) => svg.append(rect(box, "read", view.ocr.digits[i] || "?")));
  }
}

// While ROIs are being drawn the frame stays still; the newest is shown when drawing ends.
function reloadFrame() {
  if (view.live) return;  // the live view pushes every frame itself
  if (view.draft) {
    view.stale = true;
    return;
  }
  view.stale = false;
  $("frame").src = `/api/devices/${device}/image?t=${Date.now()}`;
}

function frameLoaded() {
  const img = $("frame");
  view.size = [img.naturalWidth, img.naturalHeight];
  $("overlay").setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
  drawOverlay();
}

function showOcr(ocr) {
  view.ocr = ocr;
  root.dataset.frame = ocr.frame_id;  // what a correction typed now is about
  const digits = $("digits");
  digits.replaceChildren(...[...ocr.digits].map((d, i) => {
    const confidence = ocr.confidences[i];
    return MH.el("span", { class: confidence < 0.6 ? "low" : "", title: _("confidence {value}", { value: confidence }) }, d);
  }));
  const lowest = Math.min(...ocr.confidences);
  const unit = MH.info(root.dataset.quantity).unit;
  $("frame-status").textContent = _("read {value} in {ms} ms; lowest digit confidence {confidence}", {
    value: `${shown(ocr.digits)} ${unit}`.trim(), ms: Math.round(ocr.elapsed_ms), confidence: MH.number(lowest, 2) });
  $("frame-status").className = "";
  $("frame-age").textContent = `· ${MH.localTime(new Date().toISOString(), { timeStyle: "medium" })}`;
  if (view.awaiting && ocr.rois_updated === view.awaiting) {
    $("roi-status").textContent = _("The next frame was read with your ROIs: {value}.", { value: shown(ocr.digits) });
    $("roi-status").className = "ok-text";
    $("roi-status").dataset.used = view.awaiting;
    view.awaiting = null;
  }
  reloadFrame();
}

function showRefusedFrame(event) {
  view.ocr = null;
  root.dataset.frame = (event.data.reading && event.data.reading.frame_id) || "";
  $("digits").replaceChildren();
  $("frame-status").textContent = _("not read: {reason}", { reason: event.data.reason });
  $("frame-status").className = "error";
  reloadFrame();
}

// --- live view: frames pushed as the camera takes them, captures asked for while on ------
function showLiveFrame(message) {
  const frame = JSON.parse(message.data);
  view.liveFrames += 1;
  $("figure").dataset.liveFrames = String(view.liveFrames);
  $("live-status").textContent = _("live · frame {n} · {time}", {
    n: view.liveFrames, time: MH.localTime(frame.ts, { timeStyle: "medium" }) });
  if (view.draft) { view.stale = true; return; }  // the frame stays still while drawing
  $("frame").src = `data:image/jpeg;base64,${frame.jpeg}`;
}

function setLive(on) {
  const button = $("live-view");
  button.setAttribute("aria-pressed", String(on));
  $("live-status").hidden = !on;
  if (on && !view.live) {
    view.liveFrames = 0;
    $("live-status").textContent = _("live · asking the camera for frames…");
    view.live = new EventSource(`/api/devices/${device}/live`);
    view.live.addEventListener("frame", showLiveFrame);
    view.live.onerror = () => { $("live-status").textContent = _("live · reconnecting…"); };
  } else if (!on && view.live) {
    view.live.close();  // the server stops asking once nobody watches
    view.live = null;
    reloadFrame();
  }
}

// --- ROI editor --------------------------------------------------------------------------
function toImage(event) {
  const box = $("frame").getBoundingClientRect();
  const sx = view.size[0] / box.width, sy = view.size[1] / box.height;
  const x = Math.min(Math.max(event.clientX - box.left, 0), box.width) * sx;
  const y = Math.min(Math.max(event.clientY - box.top, 0), box.height) * sy;
  return [Math.round(x), Math.round(y)];
}

function setMode(mode) {
  view.mode = mode;
  $("mode-display").setAttribute("aria-pressed", String(mode === "display"));
  $("mode-digits").setAttribute("aria-pressed", String(mode === "digits"));
}

function startEditing() {
  const base = view.saved || { display: null, digits: [] };
  view.draft = { display: base.display, digits: [...base.digits] };
  $("roi-editor").hidden = false;
  $("figure").classList.add("editing");
  $("roi-status").textContent = "";
  drawOverlay();
}

function stopEditing() {
  view.draft = null;
  $("roi-editor").hidden = true;
  $("figure").classList.remove("editing");
  drawOverlay();
  if (view.stale) reloadFrame();
}

function enableDrawing() {
  const svg = $("overlay");
  let start = null, shape = null;
  svg.addEventListener("pointerdown", (event) => {
    if (!view.draft) return;
    if (view.mode === "digits" && view.draft.digits.length >= digitCount) {
      $("roi-status").textContent = _("All {digits} digits are marked: undo one to redraw it.", { digits: digitCount });
      return;
    }
    event.preventDefault();
    svg.setPointerCapture(event.pointerId);
    start = toImage(event);
    shape = rect([...start, 1, 1], view.mode === "display" ? "display" : "digit", null);
    svg.append(shape);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!start) return;
    const [x, y] = toImage(event);
    const r = shape.firstChild;
    r.setAttribute("x", Math.min(x, start[0]));
    r.setAttribute("y", Math.min(y, start[1]));
    r.setAttribute("width", Math.abs(x - start[0]));
    r.setAttribute("height", Math.abs(y - start[1]));
  });
  svg.addEventListener("pointerup", (event) => {
    if (!start) return;
    const [x, y] = toImage(event);
    const box = [Math.min(x, start[0]), Math.min(y, start[1]), Math.abs(x - start[0]), Math.abs(y - start[1])];
    start = null;
    if (box[2] >= 4 && box[3] >= 4) {
      if (view.mode === "display") view.draft.display = box;
      else view.draft.digits.push(box);
    }
    drawOverlay();
  });
}

async function saveRois() {
  const { display, digits } = view.draft;
  if (digits.length && digits.length !== digitCount) {
    $("roi-status").textContent = _("Mark all {digits} digits, or none ({marked} marked).", { digits: digitCount, marked: digits.length });
    $("roi-status").className = "error";
    return;
  }
  try {
    const saved = await MH.api(`/api/devices/${device}/rois`, { method: "PUT", body: { display, digits } });
    view.saved = saved;
    view.awaiting = saved.updated;
    stopEditing();
    $("roi-status").textContent = _("Saved. Waiting for the next frame to be read with them…");
    $("roi-status").className = "muted";
  } catch (error) {
    $("roi-status").textContent = _("Not saved: {error}", { error: error.message });
    $("roi-status").className = "error";
  }
}

function wireCamera() {
  $("frame").addEventListener("load", frameLoaded);
  $("frame").addEventListener("error", () => { $("frame-status").textContent = _("no frame yet"); });
  reloadFrame();
  enableDrawing();
  $("capture").addEventListener("click", async () => {
    try {
      const answer = await MH.api(`/api/devices/${device}/capture`, { method: "POST" });
      $("frame-status").textContent = _("photo asked for (request {id})…", { id: answer.request_id });
    } catch (error) {
      $("frame-status").textContent = _("capture failed: {error}", { error: error.message });
    }
  });
  $("live-view").addEventListener("click", () => setLive(!view.live));
  $("edit-rois").addEventListener("click", startEditing);
  $("roi-cancel").addEventListener("click", stopEditing);
  $("mode-display").addEventListener("click", () => setMode("display"));
  $("mode-digits").addEventListener("click", () => setMode("digits"));
  $("roi-undo").addEventListener("click", () => {
    if (view.mode === "digits") view.draft.digits.pop(); else view.draft.display = null;
    drawOverlay();
  });
  $("roi-clear").addEventListener("click", () => { view.draft = { display: null, digits: [] }; drawOverlay(); });
  $("roi-save").addEventListener("click", saveRois);
  MH.api(`/api/devices/${device}/rois`).then((rois) => { view.saved = rois; drawOverlay(); });
}

// --- start -------------------------------------------------------------------------------
MH.quantities().then(async () => {
  const camera = Boolean($("camera"));
  if (camera) wireCamera();
  MH.api(`/api/devices/${device}/rejected?limit=20`).then((items) => items.forEach((i) => addRejected(i, { prepend: false })));
  MH.live({
    snapshot(snapshot) {
      const live = snapshot.devices[device];
      if (!live) return;
      showValues(live.state);
      if (live.availability) MH.availability($("availability"), live.availability);
      if (camera && live.ocr && live.last_frame && live.last_frame.read) showOcr(live.ocr);
      if (camera && live.ocr_rois) { view.saved = live.ocr_rois; drawOverlay(); }
    },
    state: (e) => { if (e.device === device) showValues(e.data); },
    availability: (e) => { if (e.device === device) MH.availability($("availability"), e.data); },
    rejected: (e) => {
      if (e.device !== device) return;
      addRejected(e.data);
      if (camera && e.data.source === "ocr") showRefusedFrame(e);
    },
    ocr: (e) => { if (camera && e.device === device) showOcr(e.data); },
    ocr_rois: (e) => { if (camera && e.device === device && !view.draft) { view.saved = e.data; drawOverlay(); } },
  });
});
