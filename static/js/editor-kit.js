// The editor core the framing and overlay pages are wired from.
//
//   new Disposer()            .add(fn) .listen(target, type, fn, opts) .timeout(fn, ms) .interval(fn, ms)
//                             .frame(fn) .subscribe(off) → dispose() runs every cleanup once, newest first.
//   isTyping(event)           THE one "is the user typing" rule: inputs, textareas, selects, contenteditable.
//   bindKeys(target, map)     keydown → map[event.key](event) unless typing; Space/Enter on a button or link
//                             is left to the button; a handler returning false is "not handled". → off()
//   new Transport(video, {fps, offset, segments, duration})
//                             play/pause/toggle/seek(t)/step(frames) in CLIP time (the file time minus
//                             `offset()`); while playing, playbackRate follows the segment speed at the
//                             playhead, trimmed time is skipped (plays trim_start → trim_end), and "time"
//                             is emitted every animation frame. on("time"|"play"|"pause", fn) → off().
//                             Without a playable video the clock still runs (speed-aware).
//   timelineSeek(element, {duration, onSeek, view, ignore})
//                             click or drag (mouse, pen, touch: pointer events) on a timeline → onSeek(t).
//   timeAtX(element, clientX, {start, end})  the time under a pointer on a (zoomed) timeline.
//   dragWith(event, {onMove, onEnd})  pointer drag with capture (touch works; give the element
//                             `touch-action: none`).
//   Autosaver, SaveIndicator, staleBanner, ExportPanel (quality + sound choices from the vocabulary).
//
// Formatting, `el` and `clamp` live in ./ui.js (import them from there).

import { clamp, el } from "./ui.js";
import { vocabulary } from "./vocabulary.js";

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

/** The export button, its choices (quality from vocabulary.qualities, sound on or
 *  off: the job's config {quality, audio}), its progress and its Cancel button.
 *  Progress comes from the socket's export_progress messages for the job, with
 *  polling as a fallback. */
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
    const qualities = vocabulary.qualities || [];
    this.quality = el(
      "select",
      { class: "export-quality", "aria-label": "Export quality" },
      qualities.map((q) => el("option", { value: q.value, text: q.label })),
    );
    this.audio = el("input", { type: "checkbox", class: "export-audio", checked: true });
    this.choices = el(
      "div",
      { class: "export-choices" },
      el("label", { class: "inline-label" }, "Quality ", this.quality),
      el("label", { class: "inline-label" }, this.audio, "Sound"),
    );
    this.root = el(
      "div",
      { class: "export-panel" },
      this.choices,
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
    this.quality.disabled = Boolean(running);
    this.audio.disabled = Boolean(running);
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
      const job = await this.shell.api("POST", "/api/exports", {
        project_id: this.projectId,
        type: this.chooseType(),
        config: this.config(),
      });
      this.track(job);
    } catch (error) {
      this.message.textContent = error.message;
      this.message.dataset.state = "error";
      this.refresh();
    }
  }

  /** The chosen settings, as POST /api/exports takes them. */
  config() {
    const config = { audio: this.audio.checked };
    if (this.quality.value) config.quality = this.quality.value;
    return config;
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
  // Listened for on the window: they reach it through the captured target, and still
  // do if a redraw takes the target out of the page mid-drag.
  const up = (e) => {
    if (e.pointerId !== id) return;
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", up);
    window.removeEventListener("pointercancel", up);
    if (onEnd) onEnd(e.clientX - startX, e.clientY - startY, e);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
  window.addEventListener("pointercancel", up);
}

// --- teardown ---------------------------------------------------------------------------

/** Collects what a page sets up (listeners, timers, animation frames, socket
 *  subscriptions) and undoes all of it, newest first, on `dispose()`. */
export class Disposer {
  constructor() {
    this.cleanups = [];
    this.disposed = false;
  }

  add(cleanup) {
    if (this.disposed) cleanup();
    else this.cleanups.push(cleanup);
    return cleanup;
  }

  listen(target, type, handler, options) {
    target.addEventListener(type, handler, options);
    return this.add(() => target.removeEventListener(type, handler, options));
  }

  timeout(fn, ms) {
    const id = setTimeout(fn, ms);
    return this.add(() => clearTimeout(id));
  }

  interval(fn, ms) {
    const id = setInterval(fn, ms);
    return this.add(() => clearInterval(id));
  }

  frame(fn) {
    const id = requestAnimationFrame(fn);
    return this.add(() => cancelAnimationFrame(id));
  }

  /** `off` is what a subscribe call returned (a function, or an object with unsubscribe/close). */
  subscribe(off) {
    if (typeof off === "function") return this.add(off);
    if (off && typeof off.unsubscribe === "function") return this.add(() => off.unsubscribe());
    if (off && typeof off.close === "function") return this.add(() => off.close());
    return () => {};
  }

  dispose() {
    this.disposed = true;
    while (this.cleanups.length) {
      const cleanup = this.cleanups.pop();
      try {
        cleanup();
      } catch (error) {
        console.warn("cleanup failed", error);
      }
    }
  }
}

// --- keys -------------------------------------------------------------------------------

/** THE rule: a key typed into a field is the field's, never a shortcut. */
export function isTyping(event) {
  const target = event && event.target;
  if (!target || !target.closest) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
}

/** keydown shortcuts: map of event.key → handler(event). Returns off(). */
export function bindKeys(target, map) {
  const onKey = (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event)) return;
    const handler = map[event.key];
    if (!handler) return;
    if ((event.key === " " || event.key === "Enter") && event.target.closest && event.target.closest("button, a[href]")) {
      return; // the focused button's own activation
    }
    if (handler(event) !== false) event.preventDefault();
  };
  target.addEventListener("keydown", onKey);
  return () => target.removeEventListener("keydown", onKey);
}

// --- the transport ----------------------------------------------------------------------

const value = (option) => (typeof option === "function" ? option() : option);

/** The time map of a clip's segments (exports/render/segments.py): the segment
 *  index holding clip time `t` inside [trim_start, trim_end]. */
function segmentAt(segments, t) {
  let i = 0;
  while (i < segments.splits.length && t >= segments.splits[i]) i += 1;
  return i;
}

/** Play/pause/seek on one <video>, in clip time. Options may be values or functions
 *  (read each time, so a page can switch clips): fps (the probed rate; no default),
 *  offset (clip start in the file, s), segments ({trim_start, trim_end, splits, speeds}
 *  or null for the whole clip at 1×), duration (clip length, s). */
export class Transport {
  constructor(video, { fps = null, offset = 0, segments = null, duration = null } = {}) {
    this.video = video;
    this.options = { fps, offset, segments, duration };
    this.time = 0;
    this.playing = false;
    this.listeners = { time: new Set(), play: new Set(), pause: new Set() };
    this.frameId = null;
    this.lastTick = 0;
    this.tick = this.tick.bind(this);
  }

  get fps() {
    return value(this.options.fps) || null;
  }

  get duration() {
    const given = value(this.options.duration);
    if (Number.isFinite(given)) return given;
    const file = this.video.duration;
    return Number.isFinite(file) ? Math.max(0, file - this.offset) : 0;
  }

  get offset() {
    return value(this.options.offset) || 0;
  }

  /** The playable span and speeds: the clip's segments, or all of it at 1×. */
  get segments() {
    return value(this.options.segments) || { trim_start: 0, trim_end: this.duration, splits: [], speeds: [1] };
  }

  get speed() {
    const s = this.segments;
    return s.speeds[segmentAt(s, this.time)] || 1;
  }

  get muted() {
    return this.video.muted;
  }

  set muted(muted) {
    this.video.muted = Boolean(muted);
  }

  usable() {
    return this.video.readyState >= 1 && !this.video.error && Boolean(this.video.currentSrc || this.video.src);
  }

  on(kind, fn) {
    this.listeners[kind].add(fn);
    return () => this.listeners[kind].delete(fn);
  }

  emit(kind) {
    this.listeners[kind].forEach((fn) => fn(this.time, this));
  }

  /** Moves the video to the clip time (no event). */
  syncVideo() {
    if (!this.usable()) return;
    const target = this.offset + this.time;
    if (Math.abs(this.video.currentTime - target) > 0.02) this.video.currentTime = target;
  }

  seek(time) {
    this.time = clamp(Number(time) || 0, 0, this.duration);
    this.syncVideo();
    this.emit("time");
  }

  /** Moves whole frames at the probed rate (pauses first). Without a rate it does nothing. */
  step(frames) {
    const fps = this.fps;
    if (!fps) return;
    this.pause();
    const frame = Math.round(this.time * fps) + frames;
    this.seek(frame / fps);
  }

  play() {
    if (this.playing) return;
    const s = this.segments;
    if (this.time < s.trim_start || this.time >= s.trim_end - 0.05) this.time = s.trim_start;
    this.playing = true;
    this.lastTick = performance.now();
    this.syncVideo();
    if (this.usable()) {
      this.video.playbackRate = this.speed;
      this.video.play().catch(() => {}); // the clock below still runs
    }
    this.emit("play");
    this.emit("time");
    this.frameId = requestAnimationFrame(this.tick);
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.frameId);
    this.frameId = null;
    this.video.pause();
    this.emit("pause");
    this.emit("time");
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  tick(now) {
    if (!this.playing) return;
    const s = this.segments;
    if (this.usable() && !this.video.paused && !this.video.seeking) {
      this.time = this.video.currentTime - this.offset;
    } else {
      this.time += ((now - this.lastTick) / 1000) * this.speed;
    }
    this.lastTick = now;
    if (this.time < s.trim_start) {
      this.time = s.trim_start; // trimmed-off time is skipped
      this.syncVideo();
    }
    if (this.time >= s.trim_end) {
      this.time = s.trim_end;
      this.pause();
      return;
    }
    if (this.usable()) {
      const speed = this.speed;
      if (this.video.playbackRate !== speed) this.video.playbackRate = speed;
    }
    this.emit("time");
    this.frameId = requestAnimationFrame(this.tick);
  }

  destroy() {
    this.pause();
    Object.values(this.listeners).forEach((set) => set.clear());
  }
}

// --- timelines --------------------------------------------------------------------------

/** The time under `clientX` on a timeline element showing [start, end]. */
export function timeAtX(element, clientX, { start, end }) {
  const box = element.getBoundingClientRect();
  const fraction = box.width > 0 ? (clientX - box.left) / box.width : 0;
  return clamp(start + fraction * (end - start), Math.min(start, end), Math.max(start, end));
}

/** Click or drag on a timeline to seek. `duration` and `view` (→ {start, end}, for a
 *  zoomed timeline) may be functions; pointer-downs on `ignore` (a selector) are left
 *  to their own handlers. Returns off(). */
export function timelineSeek(element, { duration, onSeek, view = null, ignore = null }) {
  const span = () => (view ? view() : { start: 0, end: value(duration) || 0 });
  const onDown = (event) => {
    if (event.button > 0) return;
    if (ignore && event.target.closest && event.target.closest(ignore)) return;
    const window = span();
    onSeek(timeAtX(element, event.clientX, window), event);
    dragWith(event, { onMove: (dx, dy, e) => onSeek(timeAtX(element, e.clientX, window), e) });
  };
  element.addEventListener("pointerdown", onDown);
  return () => element.removeEventListener("pointerdown", onDown);
}
