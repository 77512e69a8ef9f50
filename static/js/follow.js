// Follow the player, in the framing and the overlay editor: "Follow player" arms a
// drawing layer (.follow-box) over the video; the box dragged around the player (mouse,
// pen or touch) starts a tracking job on the clip (POST /api/clips/{id}/tracks); its
// progress comes over the notification socket (tracking_progress / _complete /
// _failed) and from polling GET /api/tracks/{id} every second; Cancel stops it. When
// it is complete the page gets the proposal (GET …/follow: crop keyframes and the
// highlight) to preview, accept or discard, and the spans where the player was lost,
// for its timeline: clicking one seeks there and arms the box again, which continues
// the track (resume).
//
//   const follow = followControl(options, disposer)
//   options: shell, stage (the element the video fills), editable() → false while stale,
//            locate(rect) → where the drawn box is: {clipId, projectClipId, time, box} in the
//            clip's seconds and source pixels, or {error} (rect: shares of the stage),
//            proposalPath(projectClipId) → the follow URL with the page's target,
//            onGrab() before drawing, onChange() when the proposal or lost spans change,
//            onAccept(proposal) → a promise, onSeek(time) for a lost span (the page's time).
//   follow.controls (button, cancel, accept, discard), follow.status (the line to show),
//   follow.proposal(projectClipId) → the proposal shown for that clip (null: any clip) or null,
//   follow.lost(projectClipId, key) → its lost spans ("lost_spans" or "framed_lost_spans"),
//   follow.showPreview(rect | null, shape) (shares of the stage; "box" or "ellipse"),
//   follow.armResume(span, time)
//
// The pure parts (dragRect, mergeRegions, reelPlace, framedToSource, spansText) are
// exported for tests/js/follow.test.mjs.

import { cropAt } from "./crop.js";
import { dragWith } from "./editor-kit.js";
import { outputDuration, sourceTime } from "./segments.js";
import { clamp, el } from "./ui.js";

const MIN_DRAG_PX = 6; // a smaller drag is a click, not a box (screen pixels)
const POLL_MS = 1000;
const FINISHED = new Set(["complete", "error", "cancelled"]);
const LOST_TEXT = "lost — click the player again";

// --- pure parts -----------------------------------------------------------------------

/** The rectangle between two points given as shares of the stage, inside it. */
export function dragRect(a, b) {
  const x0 = clamp(Math.min(a.x, b.x), 0, 1);
  const y0 = clamp(Math.min(a.y, b.y), 0, 1);
  const x1 = clamp(Math.max(a.x, b.x), 0, 1);
  const y1 = clamp(Math.max(a.y, b.y), 0, 1);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

const overlaps = (a, b) => a.start_time < b.end_time && b.start_time < a.end_time;

/** `added` regions put into `existing`: an existing region they overlap in time is replaced. */
export function mergeRegions(existing, added) {
  const kept = existing.filter((region) => !added.some((other) => overlaps(region, other)));
  return [...kept, ...added].sort((a, b) => a.start_time - b.start_time);
}

/** The clip of a reel shown at reel time `t`: {index, local} (seconds into that clip's
 *  output). In a dissolve the clip that weighs more (the later one from its middle on). */
export function reelPlace(segmentsList, transition, t) {
  const overlap = transition && transition.type === "dissolve" ? transition.duration : 0;
  let start = 0;
  let place = { index: 0, local: t };
  segmentsList.forEach((segments, index) => {
    if (index === 0 || t >= start + overlap / 2) place = { index, local: t - start };
    start += outputDuration(segments) - overlap;
  });
  return place;
}

/** A box drawn on the framed video (shares of the frame) at reel time `t` → the clip it
 *  is on, the clip time and the box in that clip's source pixels, through the clip's
 *  crop keyframes and segments. clips: [{segments, crop_keyframes, source: {width, height}}]. */
export function framedToSource(clips, transition, aspect, t, rect) {
  const { index, local } = reelPlace(clips.map((c) => c.segments), transition, t);
  const clip = clips[index];
  const time = sourceTime(clip.segments, local);
  const crop = cropAt(clip.crop_keyframes, time, clip.source.width, clip.source.height, aspect);
  return {
    index,
    time,
    box: {
      x: crop.x + rect.x * crop.width,
      y: crop.y + rect.y * crop.height,
      width: rect.width * crop.width,
      height: rect.height * crop.height,
    },
  };
}

/** "lost 3.2–4.0 s, 7.0–7.5 s" for a job's or a proposal's lost spans. */
export function spansText(spans) {
  if (!spans || !spans.length) return "";
  return `lost ${spans.map((s) => `${s.start_time.toFixed(1)}–${s.end_time.toFixed(1)} s`).join(", ")}`;
}

// --- the control ------------------------------------------------------------------------

export function followControl(options, disposer) {
  const { shell, stage, editable, locate, proposalPath, onGrab, onChange, onAccept, onSeek } = options;
  const state = { armed: false, resume: false, job: null, target: null, proposal: null, lost: null, busy: false };
  let poller = null;

  const button = (action, text, attrs = {}) =>
    el("button", { type: "button", class: "button", dataset: { action }, text, ...attrs });
  const followButton = button("follow", "Follow player", {
    title: "Draw a box around the player on the video to follow them through the clip",
    "aria-pressed": "false",
  });
  const cancelButton = button("follow-cancel", "Cancel", { hidden: true });
  const acceptButton = button("follow-accept", "Accept", { hidden: true, class: "button primary-small" });
  const discardButton = button("follow-discard", "Discard", { hidden: true });
  const status = el("p", { class: "follow-status muted", dataset: { followStatus: "" }, role: "status", "aria-live": "polite" });
  const controls = el("div", { class: "follow-controls" }, followButton, cancelButton, acceptButton, discardButton);

  const drawn = el("div", { class: "follow-rect", hidden: true });
  const layer = el("div", { class: "follow-box", hidden: true, "aria-label": "Draw a box around the player" }, drawn);
  const preview = el("div", { class: "follow-preview", hidden: true, "aria-hidden": "true" });
  stage.append(preview, layer);

  function say(text, kind = "info") {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function render() {
    const running = Boolean(state.job && !FINISHED.has(state.job.status));
    followButton.setAttribute("aria-pressed", String(state.armed));
    followButton.textContent = state.armed ? "Draw the box…" : "Follow player";
    followButton.disabled = running || state.busy || !editable();
    cancelButton.hidden = !running;
    acceptButton.hidden = discardButton.hidden = !state.proposal;
    acceptButton.disabled = state.busy || !editable();
    layer.hidden = !state.armed;
    stage.classList.toggle("follow-armed", state.armed);
  }

  function arm(resume = false) {
    if (!editable()) return;
    state.armed = true;
    state.resume = resume;
    onGrab();
    say(resume ? "Draw a box around the player to continue following them." : "Draw a box around the player on the video.");
    render();
  }

  function disarm() {
    state.armed = false;
    drawn.hidden = true;
    render();
  }

  // --- drawing the box ------------------------------------------------------------------
  disposer.listen(followButton, "click", () => (state.armed ? (disarm(), say("")) : arm(false)));
  disposer.listen(layer, "pointerdown", (event) => {
    if (event.button > 0 || !state.armed) return;
    const box = layer.getBoundingClientRect();
    const at = (x, y) => ({ x: (x - box.left) / box.width, y: (y - box.top) / box.height });
    const start = at(event.clientX, event.clientY);
    let rect = null;
    dragWith(event, {
      onMove: (dx, dy, e) => {
        rect = dragRect(start, at(e.clientX, e.clientY));
        Object.assign(drawn.style, {
          left: `${rect.x * 100}%`,
          top: `${rect.y * 100}%`,
          width: `${rect.width * 100}%`,
          height: `${rect.height * 100}%`,
        });
        drawn.hidden = false;
      },
      onEnd: (dx, dy) => {
        drawn.hidden = true;
        if (!rect || Math.abs(dx) < MIN_DRAG_PX || Math.abs(dy) < MIN_DRAG_PX) {
          say("Drag a box around the player (press, drag, release).");
          return;
        }
        submit(rect);
      },
    });
  });

  async function submit(rect) {
    const place = locate(rect);
    if (place.error) {
      say(place.error, "error");
      return;
    }
    const resume = state.resume;
    disarm();
    state.busy = true;
    say("Starting…");
    render();
    try {
      const job = await shell.api("POST", `/api/clips/${place.clipId}/tracks`, {
        time: Math.round(place.time * 1e4) / 1e4,
        box: roundedBox(place.box),
        resume,
      });
      state.target = { clipId: place.clipId, projectClipId: place.projectClipId };
      if (!resume) {
        state.proposal = null;
        state.lost = null;
        onChange();
      }
      watch(job);
    } catch (error) {
      say(error.message, "error");
    } finally {
      state.busy = false;
      render();
    }
  }

  // --- the job: socket messages, polling, cancel -------------------------------------------
  for (const kind of ["tracking_progress", "tracking_complete", "tracking_failed"]) {
    disposer.subscribe(
      shell.notifications.subscribe(kind, (message) => {
        const data = message.data || {};
        if (!state.job || data.job_id !== state.job.id || FINISHED.has(state.job.status)) return;
        if (kind === "tracking_progress" && message.progress < 100) show({ ...state.job, status: "processing", progress: message.progress / 100 });
        else poll();
      }),
    );
  }
  disposer.add(() => clearInterval(poller));

  function watch(job) {
    show(job);
    clearInterval(poller);
    if (!FINISHED.has(job.status)) poller = setInterval(poll, POLL_MS);
  }

  async function poll() {
    if (!state.job) return;
    try {
      show(await shell.api("GET", `/api/tracks/${state.job.id}`));
    } catch (error) {
      if (error.status === 404) show({ ...state.job, status: "error", error: "The tracking job is gone." });
    }
  }

  function show(fresh) {
    const same = state.job && state.job.id === fresh.id ? state.job : null;
    const was = same ? same.status : null;
    // the socket and the polled heartbeat report the same progress at different moments: never back
    const job = same && fresh.status === "processing" ? { ...fresh, progress: Math.max(Number(same.progress) || 0, Number(fresh.progress) || 0) } : fresh;
    state.job = job;
    if (job.status === "pending") say("Following… waiting for a worker");
    else if (job.status === "processing") say(`Following… ${Math.round((Number(job.progress) || 0) * 100)} %`);
    else if (job.status === "error") say(`Following failed: ${job.error || "unknown error"}`, "error");
    else if (job.status === "cancelled") say("Following cancelled.");
    if (FINISHED.has(job.status)) {
      clearInterval(poller);
      poller = null;
      if (job.status === "complete" && was !== "complete") fetchProposal(job);
    }
    render();
  }

  async function fetchProposal(job) {
    const found = Math.round((job.found_share || 0) * 100);
    const lost = spansText(job.lost_spans);
    say(`Found the player in ${found} % of the clip${lost ? `; ${lost} — click a lost span on the timeline to continue` : ""}. Loading the proposal…`);
    try {
      const proposal = await shell.api("GET", proposalPath(state.target.projectClipId));
      state.proposal = { ...proposal, projectClipId: state.target.projectClipId };
      state.lost = state.proposal;
      say(`Found the player in ${found} % of the clip${lost ? `; ${lost}` : ""}. Accept the proposal, edit it after, or discard it.`);
    } catch (error) {
      say(error.message, "error");
    }
    render();
    onChange();
  }

  disposer.listen(cancelButton, "click", async () => {
    if (!state.job) return;
    cancelButton.disabled = true;
    try {
      show(await shell.api("DELETE", `/api/tracks/${state.job.id}`));
    } catch (error) {
      say(error.message, "error");
    } finally {
      cancelButton.disabled = false;
    }
  });

  // --- the proposal -----------------------------------------------------------------------
  disposer.listen(acceptButton, "click", async () => {
    if (!state.proposal || !editable()) return;
    state.busy = true;
    render();
    try {
      await onAccept(state.proposal);
      state.proposal = null;
      say("Accepted: an ordinary edit now, to change or delete as any other.");
    } catch (error) {
      say(error.message, "error");
    } finally {
      state.busy = false;
      render();
      onChange();
    }
  });
  disposer.listen(discardButton, "click", () => {
    state.proposal = null;
    state.lost = null;
    say("Proposal discarded.");
    render();
    onChange();
  });

  function showPreview(rect, shape = "box") {
    preview.hidden = !rect;
    if (!rect) return;
    preview.classList.toggle("ellipse", shape === "ellipse");
    Object.assign(preview.style, {
      left: `${rect.x * 100}%`,
      top: `${rect.y * 100}%`,
      width: `${rect.width * 100}%`,
      height: `${rect.height * 100}%`,
    });
  }

  render();
  return {
    controls,
    status,
    proposal: (projectClipId) => (mine(state.proposal, projectClipId) ? state.proposal : null),
    lost: (projectClipId, key) => (mine(state.lost, projectClipId) ? state.lost[key] : []),
    showPreview,
    armResume: (span, time) => {
      onSeek(time);
      arm(true);
    },
    lostText: LOST_TEXT,
  };
}

const mine = (proposal, projectClipId) => Boolean(proposal) && (projectClipId === null || proposal.projectClipId === projectClipId);

const roundedBox = (box) => ({
  x: Math.round(box.x * 10) / 10,
  y: Math.round(box.y * 10) / 10,
  width: Math.round(box.width * 10) / 10,
  height: Math.round(box.height * 10) / 10,
});

/** A lost span on a timeline: `left`/`width` as CSS, clicking it resumes there. */
export function lostSpanNode(span, style, onClick) {
  return el("button", {
    type: "button",
    class: "follow-lost",
    style,
    title: LOST_TEXT,
    "aria-label": `Player ${LOST_TEXT} (${span.start_time.toFixed(1)} s)`,
    dataset: { start: span.start_time, end: span.end_time },
    onclick: (event) => {
      event.stopPropagation();
      onClick(span);
    },
  });
}
