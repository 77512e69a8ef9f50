// The upload engine: one per tab, independent of any page's DOM, so an upload
// keeps running while soft navigation swaps pages. It speaks the same protocol as
// games/upload_client.py: resume a matching multipart session or start one
// (single PUT when the file is small enough), PUT the missing parts (straight to
// the bucket on S3, our endpoint locally), report progress, complete.
// Every upload reports to the shell's status bar; pages listen for "change" events.
// Progress never goes backwards: parts already on the server count as sent from
// the start (`stored`, and the listing on resume), and bytes of a part that was
// interrupted stay counted until its new attempt passes them. The server's
// notifications say when an upload finished or failed (the engine adds no toast
// of its own, except for a failure only this tab knows about).
//
// Hand-written rather than Uppy, by measurement (tests/games/test_uppy_throughput.py,
// UPPY_MEASURE=1; a 111 MB video, same browser and server, best of 3): 2.98 s here
// against 4.81 s for a stock Uppy 6 with local storage, 3.15 s against 4.00 s with
// S3 (moto). Uppy is no faster: both send one part at a time, and its 5 MiB parts
// take three times the requests of our 16 MiB ones, each with a signing call. Uppy
// would add a build step (npm + esbuild; the editor has none) and 80 KB minified
// (27 KB gzipped, with Golden Retriever) against this file's 16 KB (5 KB gzipped);
// it resumes after a closed page only through Golden Retriever's IndexedDB, where
// this engine asks the server (same game, file name and size); it reports no
// progress to other tabs. Stock Uppy clients are served by games/companion.py.

import { api } from "./api.js";
import { bytes, length } from "./ui.js";

const RETRY_DELAYS_S = [1, 2, 4, 8, 16, 30, 30, 30];
const SPEED_WINDOW_MS = 8000;
const CONTENT_TYPES = {
  mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", mkv: "video/x-matroska", webm: "video/webm",
  avi: "video/x-msvideo", mts: "video/mp2t", m2ts: "video/mp2t", ts: "video/mp2t", mpg: "video/mpeg",
  mpeg: "video/mpeg", "3gp": "video/3gpp", wmv: "video/x-ms-wmv",
};

const registry = new Map(); // game id -> Upload
const listeners = new Set();

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function contentTypeOf(file) {
  if (file.type && file.type.startsWith("video/")) return file.type;
  const extension = (file.name.split(".").pop() || "").toLowerCase();
  return CONTENT_TYPES[extension] || file.type || "video/mp4";
}

class Stopped extends Error {} // paused or cancelled: not a failure

class RequestError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

const retryable = (error) => !error.status || error.status >= 500 || error.status === 408 || error.status === 429;

/** PUT a blob with upload progress (fetch has none). Resolves {etag, json}. */
function put(url, body, headers, { onProgress, own, registerAbort }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, value);
    if (own) {
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
    }
    xhr.upload.onprogress = (event) => onProgress && onProgress(event.loaded);
    xhr.onload = () => {
      let json = null;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        /* S3 answers XML or nothing */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const etag = (xhr.getResponseHeader("ETag") || (json && json.etag) || "").replaceAll('"', "");
        resolve({ etag, json });
      } else {
        const detail = json && (json.detail || Object.values(json).flat().join(" "));
        reject(new RequestError(detail || `The storage answered ${xhr.status}.`, xhr.status));
      }
    };
    xhr.onerror = () => reject(new RequestError("The connection dropped.", 0));
    xhr.ontimeout = () => reject(new RequestError("The connection timed out.", 0));
    xhr.onabort = () => reject(new Stopped("aborted"));
    registerAbort(() => xhr.abort());
    xhr.send(body);
  });
}

/** Bytes of a multipart upload already stored on the server (complete parts
 *  of the announced layout), or 0 when it cannot tell. */
export async function storedBytes(gameId, session) {
  if (!session || session.mode !== "multipart") return 0;
  const { parts } = await api("GET", `/api/games/${gameId}/uploads/${session.id}/parts`);
  const { part_size: partSize, part_count: partCount, size } = session;
  const expected = (number) => (number < partCount ? partSize : size - partSize * (partCount - 1));
  return parts
    .filter((part) => !partCount || part.size === expected(part.number))
    .reduce((sum, part) => sum + part.size, 0);
}

export class Upload extends EventTarget {
  constructor({ gameId, gameName, file, singleMaxBytes, shell, stored = 0 }) {
    super();
    this.gameId = gameId;
    this.gameName = gameName || `Game ${gameId}`;
    this.file = file;
    this.singleMaxBytes = singleMaxBytes;
    this.shell = shell;
    this.state = "starting"; // starting uploading retrying paused finishing done failed cancelled
    this.loaded = Math.min(stored, file.size); // what the server already holds counts from the start
    this.samples = [];
    this.speed = 0;
    this.error = "";
    this.retryable = true;
    this.note = "";
    this.plan = null;
    this.game = null;
    this.run_ = null;
    this.abortCurrent = null;
    this.lastReport = 0;
    this.onOnline = () => {
      if (this.state === "paused" && this.error) this.resume();
    };
  }

  get total() {
    return this.file.size;
  }

  get percent() {
    return this.total ? Math.min(100, (100 * this.loaded) / this.total) : 0;
  }

  get secondsLeft() {
    return this.speed > 0 ? (this.total - this.loaded) / this.speed : Infinity;
  }

  get active() {
    return ["starting", "uploading", "retrying", "finishing"].includes(this.state);
  }

  get finished() {
    return ["done", "failed", "cancelled"].includes(this.state);
  }

  get taskId() {
    return this.plan && this.plan.id ? `upload_${this.plan.id}` : `upload-game-${this.gameId}`;
  }

  /** One line for people: "4.2 MB of 10.0 MB · 3.1 MB/s · 2 s left". */
  describe() {
    const amount = `${bytes(this.loaded)} of ${bytes(this.total)}`;
    switch (this.state) {
      case "starting":
        return this.loaded ? `Continuing from ${amount}…` : "Starting…";
      case "uploading": {
        const left = Number.isFinite(this.secondsLeft) ? ` · ${length(this.secondsLeft)} left` : "";
        const speed = this.speed > 0 ? ` · ${bytes(this.speed)}/s` : "";
        return `${amount}${speed}${left}`;
      }
      case "retrying":
        return this.note;
      case "paused":
        return this.error ? `Paused: ${this.error}` : `Paused at ${amount}`;
      case "finishing":
        return "Checking the video…";
      case "done":
        return "Uploaded";
      case "failed":
        return this.error;
      case "cancelled":
        return "Cancelled";
      default:
        return "";
    }
  }

  changed() {
    const now = performance.now();
    const status = this.shell && this.shell.status;
    if (status && this.plan && !this.finished && (now - this.lastReport > 250 || this.state !== "uploading")) {
      this.lastReport = now;
      status.upload(this.taskId, `Uploading ${this.file.name}`, this.describe(), this.percent);
    }
    this.dispatchEvent(new Event("change"));
    for (const listener of listeners) listener(this);
  }

  /** Bytes sent so far; never less than before (see the top of this file),
   *  unless `restart`: a single PUT sent again from its first byte. */
  setLoaded(sent, { restart = false } = {}) {
    const now = performance.now();
    this.loaded = restart ? sent : Math.max(this.loaded, sent);
    this.samples.push([now, this.loaded]);
    while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) this.samples.shift();
    const [t0, b0] = this.samples[0];
    if (now - t0 > 300) this.speed = Math.max(0, ((this.loaded - b0) * 1000) / (now - t0));
    this.changed();
  }

  start() {
    window.addEventListener("online", this.onOnline);
    this.run();
    return this;
  }

  pause() {
    if (!this.active || this.state === "finishing") return;
    this.run_ = null;
    if (this.abortCurrent) this.abortCurrent();
    this.state = "paused";
    this.error = "";
    this.speed = 0;
    this.samples = [];
    this.changed();
  }

  resume() {
    if (this.state !== "paused" && this.state !== "failed") return;
    if (this.state === "failed") this.plan = null; // ask the server again what to continue
    this.run();
  }

  async cancel() {
    this.run_ = null;
    if (this.abortCurrent) this.abortCurrent();
    this.state = "cancelled";
    window.removeEventListener("online", this.onOnline);
    if (this.shell) this.shell.status.uploadEnded(this.taskId);
    this.changed();
    if (this.plan && this.plan.id) {
      try {
        await api("DELETE", `/api/games/${this.gameId}/uploads/${this.plan.id}`);
      } catch {
        /* already gone */
      }
    }
    registry.delete(this.gameId);
  }

  async run() {
    const ticket = (this.run_ = Symbol("run"));
    const check = () => {
      if (this.run_ !== ticket) throw new Stopped("superseded");
    };
    this.error = "";
    this.state = "starting";
    this.samples = [];
    this.changed();
    try {
      if (!this.plan) this.plan = await this.retrying(check, () => this.prepare());
      check();
      const game = this.plan.mode === "multipart" ? await this.multipart(check) : await this.single(check);
      check();
      this.done(game);
    } catch (error) {
      if (error instanceof Stopped || this.run_ !== ticket) return;
      this.run_ = null;
      if (error.exhausted) {
        this.state = "paused"; // the connection is gone: resume later (or when back online)
        this.error = error.message;
      } else {
        this.state = "failed";
        this.error = error.message || String(error);
        this.retryable = retryable(error); // a refusal (not a video, too big) fails the same way again
        if (this.shell) {
          this.shell.status.uploadEnded(this.taskId);
          // Named by the task, so the server's "failed" notification (when it ended the
          // session itself) takes this toast's place instead of adding a second.
          this.shell.notificationCenter.say("error", `Upload of ${this.file.name} stopped`, this.error, { task: this.taskId });
        }
      }
      this.changed();
    }
  }

  /** Call fn, retrying dropped connections and server hiccups with backoff. */
  async retrying(check, fn) {
    for (let attempt = 0; ; attempt++) {
      check();
      try {
        return await fn();
      } catch (error) {
        if (error instanceof Stopped || !retryable(error)) throw error;
        check();
        if (attempt >= RETRY_DELAYS_S.length) {
          const gone = new Error("The connection dropped. Press Resume when you are back online.");
          gone.exhausted = true;
          throw gone;
        }
        const wait = RETRY_DELAYS_S[attempt];
        this.state = "retrying";
        this.note = `${error.message || "The connection dropped."} Retrying in ${wait} s (attempt ${attempt + 2}).`;
        this.changed();
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        check();
        this.state = this.loaded ? "uploading" : "starting";
      }
    }
  }

  async prepare() {
    const { file, gameId } = this;
    const game = await api("GET", `/api/games/${gameId}`);
    this.gameName = game.display_name;
    const active = game.upload;
    if (active) {
      if (active.mode === "multipart" && active.filename === file.name && active.size === file.size) {
        return { mode: "multipart", id: active.id, partSize: active.part_size, partCount: active.part_count };
      }
      if (active.mode === "multipart") {
        const error = new Error(
          `This game already has an unfinished upload of ${active.filename}${active.size ? ` (${bytes(active.size)})` : ""}. ` +
            "Choose that same file to continue it, or cancel that upload.",
        );
        error.status = 409;
        error.otherUpload = active;
        throw error;
      }
      // A single upload cut short cannot continue: clear it and start again.
      await api("DELETE", `/api/games/${gameId}/uploads/${active.id}`);
    }
    const announced = { filename: file.name, size: file.size, content_type: contentTypeOf(file) };
    if (file.size <= this.singleMaxBytes) {
      const answer = await api("GET", `/api/games/${gameId}/upload-url?${new URLSearchParams(announced)}`);
      const started = await api("GET", `/api/games/${gameId}`);
      return { mode: "single", answer, id: started.upload && started.upload.id };
    }
    const started = await api("POST", `/api/games/${gameId}/uploads`, announced);
    this.setLoaded(0, { restart: true }); // a new session holds nothing yet
    return { mode: "multipart", id: started.upload_id, partSize: started.part_size, partCount: started.part_count };
  }

  transfer(url, body, headers, own, base) {
    return put(url, body, headers, {
      own,
      onProgress: (sent) => {
        if (this.state !== "uploading") this.state = "uploading";
        this.setLoaded(base + sent);
      },
      registerAbort: (abort) => (this.abortCurrent = abort),
    });
  }

  async single(check) {
    const answer = this.plan.answer;
    this.state = "uploading";
    this.changed();
    const url = answer.direct
      ? answer.upload_url
      : `${answer.upload_url}?${new URLSearchParams({ filename: this.file.name })}`;
    const result = await this.retrying(check, () => {
      this.setLoaded(0, { restart: true }); // one PUT: a new attempt sends it all again
      return this.transfer(url, this.file, answer.headers, !answer.direct, 0);
    });
    this.state = "finishing";
    this.changed();
    if (!answer.direct) return result.json;
    return this.retrying(check, () =>
      api("POST", `/api/games/${this.gameId}/confirm-video`, { video_filename: answer.video_filename }),
    );
  }

  expectedSize(number) {
    const { partSize, partCount } = this.plan;
    return number < partCount ? partSize : this.file.size - partSize * (partCount - 1);
  }

  async multipart(check) {
    const { id, partSize, partCount } = this.plan;
    const base = `/api/games/${this.gameId}/uploads/${id}`;
    const listed = await this.retrying(check, () => api("GET", `${base}/parts`));
    const etags = new Map();
    for (const part of listed.parts) {
      if (part.size === this.expectedSize(part.number)) etags.set(part.number, part.etag);
    }
    let confirmed = [...etags.keys()].reduce((sum, number) => sum + this.expectedSize(number), 0);
    this.state = "uploading";
    this.setLoaded(confirmed);
    for (let number = 1; number <= partCount; number++) {
      if (etags.has(number)) continue;
      const start = (number - 1) * partSize;
      const blob = this.file.slice(start, start + this.expectedSize(number));
      const result = await this.retrying(check, async () => {
        const target = await api("GET", `${base}/parts/${number}/url`);
        check();
        return this.transfer(target.url, blob, target.headers, !target.direct, confirmed);
      });
      check();
      etags.set(number, result.etag);
      confirmed += blob.size;
      this.setLoaded(confirmed);
      api("POST", `${base}/progress`, { uploaded_bytes: confirmed }).catch(() => {});
    }
    this.state = "finishing";
    this.changed();
    const parts = [...etags].sort((a, b) => a[0] - b[0]).map(([number, etag]) => ({ number, etag }));
    try {
      return await this.retrying(check, () => api("POST", `${base}/complete`, { parts }));
    } catch (error) {
      // An earlier complete may have succeeded while its answer was lost.
      if (error.status === 404 || error.status === 409) {
        const game = await api("GET", `/api/games/${this.gameId}`);
        if (game.video.status === "ready") return game;
      }
      throw error;
    }
  }

  done(game) {
    this.game = game;
    this.loaded = this.total;
    this.state = "done";
    this.run_ = null;
    window.removeEventListener("online", this.onOnline);
    if (this.shell) {
      // The server's "Upload complete" notification is the one toast for this.
      this.shell.status.upload(this.taskId, `Uploading ${this.file.name}`, "Uploaded", 100);
      this.shell.status.uploadEnded(this.taskId);
    }
    this.changed();
  }
}

/** Start (or continue) uploading `file` as the video of game `gameId`. */
export function startUpload({ gameId, gameName, file, singleMaxBytes, shell, stored = 0 }) {
  const current = registry.get(gameId);
  if (current && !current.finished) {
    if (current.file.name === file.name && current.file.size === file.size) {
      current.resume();
      return current;
    }
    throw new Error(`${current.file.name} is already uploading for this game; cancel it first.`);
  }
  const upload = new Upload({ gameId, gameName, file, singleMaxBytes, shell, stored });
  registry.set(gameId, upload);
  return upload.start();
}

export function uploadOf(gameId) {
  return registry.get(gameId) || null;
}

export function allUploads() {
  return [...registry.values()];
}

/** Hear about every upload's changes; returns the unsubscribe function. */
export function onUploadChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
