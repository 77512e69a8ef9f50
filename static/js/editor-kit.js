// Pieces the framing and overlay editors share: debounced versioned autosave
// (with the "changed in another tab" banner), export progress (socket + polling
// fallback, cancel), and small DOM helpers.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return "0:00.0";
  const sign = seconds < 0 ? "-" : "";
  const value = Math.abs(seconds);
  const minutes = Math.floor(value / 60);
  const rest = value - minutes * 60;
  return `${sign}${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}

export function formatDuration(seconds) {
  const total = Math.round(seconds || 0);
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  return minutes ? `${minutes} min ${rest} s` : `${rest} s`;
}

export const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

/** The "Saving… / Saved" label and the stale banner of an editor page. */
export class SaveIndicator {
  constructor(label, banner) {
    this.label = label;
    this.banner = banner;
    this.stale = false;
  }

  show(state, detail = "") {
    if (this.stale) return;
    const texts = { pending: "Unsaved changes", saving: "Saving…", saved: "Saved", error: `Not saved: ${detail}` };
    this.label.textContent = texts[state] || "";
    this.label.dataset.state = state;
  }

  showStale() {
    this.stale = true;
    this.label.textContent = "Not saved";
    this.label.dataset.state = "stale";
    this.banner.hidden = false;
  }
}

/** Debounced saving of one versioned resource. `send(changes)` does the request
 *  (with the version it holds) and updates that version; a 409 stops all saving
 *  (the page shows the banner) so nothing overwrites the other tab's write. */
export class Autosaver {
  constructor({ send, indicator, onStale, onError, delay = 600 }) {
    this.send = send;
    this.indicator = indicator;
    this.onStale = onStale;
    this.onError = onError;
    this.delay = delay;
    this.pending = null;
    this.timer = null;
    this.running = null;
    this.stale = false;
  }

  queue(changes) {
    if (this.stale) return;
    this.pending = { ...(this.pending || {}), ...changes };
    this.indicator.show("pending");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.delay);
  }

  busy() {
    return Boolean(this.pending || this.running);
  }

  async flush() {
    clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await this.running;
    if (!this.pending || this.stale) return;
    const changes = this.pending;
    this.pending = null;
    this.indicator.show("saving");
    this.running = (async () => {
      try {
        await this.send(changes);
        this.indicator.show(this.pending ? "pending" : "saved");
      } catch (error) {
        if (error.status === 409) {
          this.stale = true;
          this.pending = null;
          this.indicator.showStale();
          if (this.onStale) this.onStale(error);
        } else if (!error.status || error.status >= 500) {
          this.pending = { ...changes, ...(this.pending || {}) }; // try again shortly
          this.indicator.show("error", error.message);
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.flush(), 3000);
        } else {
          this.indicator.show("error", error.message);
          if (this.onError) this.onError(error);
        }
      }
    })();
    await this.running;
    this.running = null;
    if (this.pending && !this.timer && !this.stale) this.timer = setTimeout(() => this.flush(), this.delay);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}

export function staleBanner() {
  return el(
    "div",
    { class: "stale-banner", role: "alert", hidden: true },
    el("span", { text: "This project changed in another tab — reload to see the current version." }),
    el("button", { type: "button", class: "button", text: "Reload", onclick: () => window.location.reload() }),
  );
}

const FINISHED = new Set(["complete", "error", "cancelled"]);

/** The export button, its progress and its Cancel button. Progress comes from the
 *  socket's export_progress messages for the job, with polling as a fallback. */
export class ExportPanel {
  constructor({ shell, projectId, label, types, chooseType, onComplete, disabledReason }) {
    this.shell = shell;
    this.projectId = projectId;
    this.types = types;
    this.chooseType = chooseType;
    this.onComplete = onComplete;
    this.disabledReason = disabledReason || (() => "");
    this.job = null;
    this.poller = null;
    this.unsubscribe = [];
    this.button = el("button", { type: "button", class: "button primary-button export-start", text: label });
    this.button.addEventListener("click", () => this.start());
    this.cancelButton = el("button", { type: "button", class: "button export-cancel", text: "Cancel", hidden: true });
    this.cancelButton.addEventListener("click", () => this.cancel());
    this.bar = el("progress", { max: "100", value: "0", hidden: true });
    this.percent = el("span", { class: "export-percent" });
    this.message = el("span", { class: "export-message", role: "status" });
    this.extra = el("span", { class: "export-extra" });
    this.root = el(
      "div",
      { class: "export-panel" },
      this.button,
      el("div", { class: "export-progress" }, this.bar, this.percent, this.cancelButton),
      this.message,
      this.extra,
    );
    const onMessage = (kind) => (message) => this.fromSocket(kind, message);
    for (const kind of ["export_progress", "export_complete", "export_failed", "export_started"]) {
      this.unsubscribe.push(shell.notifications.subscribe(kind, onMessage(kind)));
    }
  }

  refresh() {
    const reason = this.disabledReason();
    const running = this.job && !FINISHED.has(this.job.status);
    this.button.disabled = Boolean(running || reason);
    this.button.title = reason;
  }

  async resume() {
    try {
      const list = await this.shell.api("GET", `/api/projects/${this.projectId}/exports`);
      const active = (list || []).find((job) => this.types.includes(job.type) && !FINISHED.has(job.status));
      if (active) this.track(active);
    } catch (error) {
      console.warn("could not list exports", error);
    }
    this.refresh();
  }

  async start() {
    if (this.beforeStart) {
      const ready = await this.beforeStart();
      if (ready === false) return;
    }
    this.button.disabled = true;
    this.extra.replaceChildren();
    try {
      const job = await this.shell.api("POST", "/api/exports", { project_id: this.projectId, type: this.chooseType() });
      this.track(job);
    } catch (error) {
      this.message.textContent = error.message;
      this.message.dataset.state = "error";
      this.refresh();
    }
  }

  track(job) {
    this.job = job;
    this.bar.hidden = false;
    this.cancelButton.hidden = false;
    this.show(job);
    clearInterval(this.poller);
    this.poller = setInterval(() => this.poll(), 3000);
    this.refresh();
  }

  async poll() {
    if (!this.job) return;
    try {
      this.show(await this.shell.api("GET", `/api/exports/${this.job.job_id}`));
    } catch (error) {
      console.warn("export poll failed", error);
    }
  }

  fromSocket(kind, message) {
    const data = message.data || {};
    if (!this.job || String(data.job_id) !== String(this.job.job_id)) return;
    if (kind === "export_progress" && FINISHED.has(this.job.status)) return;
    if (kind === "export_progress") {
      this.show({ ...this.job, status: "processing", progress: message.progress });
      if (message.progress >= 100) this.poll();
    } else if (kind === "export_failed") {
      this.show({ ...this.job, status: "error", error: message.message || "The export failed." });
      this.poll();
    } else {
      this.poll();
    }
  }

  show(job) {
    const previous = this.job ? this.job.status : null;
    this.job = { ...this.job, ...job };
    const { status } = this.job;
    const progress = status === "complete" ? 100 : Math.max(0, Math.min(100, Number(this.job.progress) || 0));
    this.bar.value = progress;
    this.percent.textContent = status === "pending" ? "" : `${Math.round(progress)}%`;
    this.message.dataset.state = status;
    const texts = {
      pending: "Waiting for a worker…",
      processing: "Rendering…",
      complete: "Export complete.",
      cancelled: "Export cancelled.",
      error: this.job.error || "The export failed.",
    };
    this.message.textContent = texts[status] || status;
    if (FINISHED.has(status)) {
      clearInterval(this.poller);
      this.poller = null;
      this.cancelButton.hidden = true;
      if (status !== "complete") this.bar.hidden = true;
      if (status === "complete" && previous !== "complete" && this.onComplete) this.onComplete(this.job, this);
    }
    this.refresh();
  }

  async cancel() {
    if (!this.job) return;
    this.cancelButton.disabled = true;
    try {
      this.show(await this.shell.api("DELETE", `/api/exports/${this.job.job_id}`));
    } catch (error) {
      this.message.textContent = error.message;
    } finally {
      this.cancelButton.disabled = false;
    }
  }

  destroy() {
    clearInterval(this.poller);
    this.unsubscribe.forEach((off) => off());
  }
}

/** Pointer dragging with capture: onMove(dx, dy, event) in client pixels since the start. */
export function dragWith(event, { onMove, onEnd }) {
  event.preventDefault();
  event.stopPropagation();
  const target = event.currentTarget;
  const startX = event.clientX;
  const startY = event.clientY;
  const id = event.pointerId;
  if (target.setPointerCapture) {
    try {
      target.setPointerCapture(id);
    } catch {
      /* synthetic events have no capturable pointer */
    }
  }
  const move = (e) => {
    if (e.pointerId !== id) return;
    onMove(e.clientX - startX, e.clientY - startY, e);
  };
  const up = (e) => {
    if (e.pointerId !== id) return;
    target.removeEventListener("pointermove", move);
    target.removeEventListener("pointerup", up);
    target.removeEventListener("pointercancel", up);
    if (onEnd) onEnd(e.clientX - startX, e.clientY - startY, e);
  };
  target.addEventListener("pointermove", move);
  target.addEventListener("pointerup", up);
  target.addEventListener("pointercancel", up);
}
