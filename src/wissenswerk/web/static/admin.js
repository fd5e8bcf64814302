// wissenswerk administration: live sync progress. The page works without it (reload to see
// the state); with it, the progress box polls its JSON endpoint while a sync runs.
"use strict";

const POLL_MS = 1000;

function showProgress(box, data) {
  box.querySelectorAll("[data-field]").forEach((el) => {
    const value = data[el.dataset.field];
    el.textContent = value == null ? "" : String(value);
    if (el.dataset.field === "error") el.hidden = !value;
  });
  const badge = box.querySelector("[data-field=status_label]");
  if (badge) badge.className = "badge badge-" + data.state;
  const bar = box.querySelector("progress");
  if (bar) {
    bar.hidden = !data.running;
    if (data.total > 0) {
      bar.max = data.total;
      bar.value = data.done;
      bar.textContent = (data.percent || 0) + " %";
    } else {
      bar.removeAttribute("value"); // indeterminate while the source is listed
    }
  }
}

function followProgress(box) {
  const url = box.dataset.progressUrl;
  let wasRunning = box.dataset.running === "true";
  async function poll() {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return; // signed out or source removed: stop quietly
      data = await response.json();
    } catch (error) {
      setTimeout(poll, POLL_MS * 5); // the server restarts: try again later
      return;
    }
    showProgress(box, data);
    if (data.running) {
      wasRunning = true;
      setTimeout(poll, POLL_MS);
    } else if (wasRunning) {
      // Finished: load the page again (without the "sync started" notice) so the error
      // list and the run history are current.
      window.location.replace(window.location.pathname);
    }
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress-url]").forEach(followProgress);
});
