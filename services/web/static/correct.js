// Corrections on a camera meter's page: type what the display really shows for the frame
// on screen; the frame is kept as a training example (listed here, deletable) and storage
// keeps the value as a manual reading. Indonesian or English, as the browser prefers.
"use strict";

(() => {
  const TEXTS = {
    en: {
      correct_label: "Wrong or not read? The display really shows:",
      correct_submit: "Correct",
      training_title: "Training examples",
      training_hint: "Frames you corrected; `meterhub ocr train --device` teaches the reader this meter from them.",
      training_none: "none yet",
      sent: (value) => `Stored ${value} as read by hand; the frame is kept to learn from.`,
      failed: (reason) => `Not taken: ${reason}`,
      remove: "Delete",
      read_as: (text) => (text ? `read as ${text}` : "not read"),
      train_start: "Train",
      model_rollback: "Roll back",
      train_state: {
        running: "Training…", switched: "Done: the reader now uses this meter's own model.",
        kept: "Done: the new model was not better, the old one stays.", failed: "Training failed.",
      },
      rolled: (name) => `Now using ${name || "the shipped model"}.`,
    },
    id: {
      correct_label: "Salah atau tidak terbaca? Angka di layar sebenarnya:",
      correct_submit: "Koreksi",
      training_title: "Contoh latihan",
      training_hint: "Gambar yang Anda koreksi; `meterhub ocr train --device` mengajari pembaca meter ini dengannya.",
      training_none: "belum ada",
      sent: (value) => `${value} disimpan sebagai bacaan manual; gambarnya disimpan untuk belajar.`,
      failed: (reason) => `Tidak diterima: ${reason}`,
      remove: "Hapus",
      read_as: (text) => (text ? `terbaca ${text}` : "tidak terbaca"),
      train_start: "Latih",
      model_rollback: "Kembalikan",
      train_state: {
        running: "Sedang melatih…", switched: "Selesai: pembaca kini memakai model khusus meter ini.",
        kept: "Selesai: model baru tidak lebih baik, model lama tetap dipakai.", failed: "Pelatihan gagal.",
      },
      rolled: (name) => `Sekarang memakai ${name || "model bawaan"}.`,
    },
  };
  const t = (navigator.language || "en").toLowerCase().startsWith("id") ? TEXTS.id : TEXTS.en;
  const root = document.getElementById("meter");
  const device = root.dataset.device;
  const $ = (id) => document.getElementById(id);

  document.querySelectorAll("[data-t]").forEach((node) => {
    const text = t[node.dataset.t];
    if (typeof text === "string") node.textContent = text;
  });

  async function listExamples() {
    const examples = await MH.api(`/api/devices/${device}/training`);
    const list = $("examples");
    if (!examples.length) {
      list.replaceChildren(MH.el("li", { class: "muted" }, t.training_none));
      return;
    }
    list.replaceChildren(...examples.map((example) => {
      const remove = MH.el("button", { type: "button", class: "secondary" }, t.remove);
      remove.addEventListener("click", async () => {
        await MH.api(`/api/devices/${device}/training/${example.id}`, { method: "DELETE", raw: true });
        listExamples();
      });
      return MH.el("li", { dataset: { example: example.id } },
        MH.el("img", { src: `/api/devices/${device}/training/${example.id}/image`, alt: example.label, class: "example-thumb" }),
        " ", MH.el("strong", {}, String(example.value)), " ",
        MH.el("span", { class: "muted" }, `${t.read_as(example.read_as)} · ${example.who} · ${MH.localTime(example.at)}`),
        " ", remove);
    }));
  }

  $("correct-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = $("correct-status");
    const value = Number($("correct-value").value.trim().replace(",", "."));
    if (!Number.isFinite(value)) {
      status.textContent = t.failed($("correct-value").value);
      status.className = "error";
      return;
    }
    try {
      const body = { value, frame_id: root.dataset.frame || null };
      const answer = await MH.api(`/api/devices/${device}/corrections`, { method: "POST", body });
      status.textContent = t.sent(answer.value);
      status.className = "ok-text";
      $("correct-value").value = "";
      listExamples();
    } catch (error) {
      status.textContent = t.failed(error.message);
      status.className = "error";
    }
  });
  // Train: a subprocess on the hub; its progress is polled while it runs.
  async function showTraining() {
    const status = await MH.api(`/api/devices/${device}/training/status`);
    const bar = $("train-progress");
    bar.hidden = status.state === "idle";
    bar.value = status.progress;
    $("train-start").disabled = status.state === "running";
    if (status.state !== "idle") {
      $("train-status").textContent = `${t.train_state[status.state]} ${status.message}`;
    }
    if (status.state === "running") setTimeout(showTraining, 2000);
  }

  $("train-start").addEventListener("click", async () => {
    try {
      await MH.api(`/api/devices/${device}/training/run`, { method: "POST" });
      showTraining();
    } catch (error) {
      $("train-status").textContent = t.failed(error.message);
      $("train-status").className = "error";
    }
  });

  $("model-rollback").addEventListener("click", async () => {
    try {
      const entry = await MH.api(`/api/devices/${device}/models/rollback`, { method: "POST" });
      $("train-status").textContent = t.rolled(entry.active);
      $("train-status").className = "ok-text";
    } catch (error) {
      $("train-status").textContent = t.failed(error.message);
      $("train-status").className = "error";
    }
  });

  listExamples();
  showTraining();
})();
