// Follow the player, in the framing and the overlay editor: "Follow player" arms a
// drawing layer (.follow-box) over the video; the box dragged around the player (mouse,
// pen or touch) starts a tracking job (the page says where to POST it: the clip's
// tracks in source pixels, or the overlay's tracks in framed pixels, which the server
// takes to the clip through the framing the framed video was rendered from); its
// progress comes over the notification socket (tracking_progress / _complete /
// _failed) and from polling GET /api/tracks/{id} every second; Cancel stops it. When
// it is complete the page gets the proposal (GET …/follow: crop keyframes and the
// highlight) to preview, accept or discard, and the spans where the player was lost,
// for its timeline: clicking one seeks there and arms the box again, which continues
// the track (resume). After Accept, Undo puts back what it replaced until the page
// edits that again. A clip tracked before (a reload) offers "Show the tracked path".
//
//   const follow = followControl(options, disposer)
//   options: shell, stage (the element the video fills), editable() → false while stale,
//            locate(rect) → where to post the drawn box: {path, time, box, projectClipId?}
//            (time and box in the page's seconds and pixels; without projectClipId the
//            job's clip is looked up with projectClipOf), or {error} (rect: shares of the stage),
//            projectClipOf(clipId) → the project clip id of a job's clip,
//            proposalPath(projectClipId) → the follow URL with the page's target,
//            onGrab() before drawing, onChange() when the proposal or lost spans change,
//            onAccept(proposal) → a promise of the undo (an async function) or null,
//            onSeek(time) for a lost span (the page's time).
//   follow.controls (button, cancel, accept, discard), follow.status (the line to show,
//   with Undo and "Show the tracked path" when offered),
//   follow.proposal(projectClipId) → the proposal shown for that clip (null: any clip) or null,
//   follow.lost(projectClipId, key) → its lost spans ("lost_spans" or "framed_lost_spans"),
//   follow.showPreview(rect | null, shape) (shares of the stage; "box" or "ellipse"),
//   follow.armResume(span, time),
//   follow.edited() → the page changed what Accept replaced: no undo any more,
//   follow.offer(targets) → [{projectClipId, clipId}]: the ones with a finished track
//            are offered with "Show the tracked path" (their proposals shown as one).
//
// The pure parts (dragRect, mergeRegions, joinProposals, spansText) are exported for
// tests/js/follow.test.mjs.

import { dragWith } from "./editor-kit.js";
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

/** Several clips' proposals shown as one (the overlay editor shows every tracked clip of
 *  its framed video): the framed regions and lost spans together, in time order. One
 *  proposal is itself. */
export function joinProposals(proposals) {
  if (proposals.length === 1) return proposals[0];
  const byStart = (a, b) => a.start_time - b.start_time;
  return {
    projectClipId: null,
    job_id: null,
    crop_keyframes: [],
    regions: [],
    framed_regions: proposals.flatMap((p) => p.framed_regions).sort(byStart),
    lost_spans: [],
    framed_lost_spans: proposals.flatMap((p) => p.framed_lost_spans).sort(byStart),
  };
}

/** "lost 3.2–4.0 s, 7.0–7.5 s" for a job's or a proposal's lost spans. */
export function spansText(spans) {
  if (!spans || !spans.length) return "";
  return `lost ${spans.map((s) => `${s.start_time.toFixed(1)}–${s.end_time.toFixed(1)} s`).join(", ")}`;
}

// --- the control ------------------------------------------------------------------------

export function followControl(options, disposer) {
  const { shell, stage, editable, locate, projectClipOf, proposalPath, onGrab, onChange, onAccept, onSeek } = options;
  const state = {
    armed: false, resume: false, job: null, target: null, proposal: null, lost: null, busy: false,
    undo: null, // puts back what the last Accept replaced
    offered: [], // [{projectClipId, clipId, track}]: clips with a finished track, not shown yet
  };
  let poller = null;
  let offers = 0; // the latest offer() wins over an earlier one still asking

  const button = (action, text, attrs = {}) =>
    el("button", { type: "button", class: "button", dataset: { action }, text, ...attrs });
  const followButton = button("follow", "Follow player", {
    title: "Draw a box around the player on the video to follow them through the clip",
    "aria-pressed": "false",
  });
  const cancelButton = button("follow-cancel", "Cancel", { hidden: true });
  const acceptButton = button("follow-accept", "Accept", { hidden: true, class: "button primary-small" });
  const discardButton = button("follow-discard", "Discard", { hidden: true });
  const undoButton = button("follow-undo", "Undo", { hidden: true, title: "Put back what Accept replaced" });
  const showButton = button("follow-show", "Show the tracked path", { hidden: true });
  const statusText = el("p", { class: "follow-status muted", dataset: { followStatus: "" }, role: "status", "aria-live": "polite" });
  const status = el("div", { class: "follow-line" }, statusText, undoButton, showButton);
  const controls = el("div", { class: "follow-controls" }, followButton, cancelButton, acceptButton, discardButton);

  const drawn = el("div", { class: "follow-rect", hidden: true });
  const layer = el("div", { class: "follow-box", hidden: true, "aria-label": "Draw a box around the player" }, drawn);
  const preview = el("div", { class: "follow-preview", hidden: true, "aria-hidden": "true" });
  stage.append(preview, layer);

  function say(text, kind = "info") {
    statusText.textContent = text;
    statusText.dataset.kind = kind;
  }

  const isRunning = () => Boolean(state.job && !FINISHED.has(state.job.status));

  function render() {
    const running = isRunning();
    followButton.setAttribute("aria-pressed", String(state.armed));
    followButton.textContent = state.armed ? "Draw the box…" : "Follow player";
    followButton.disabled = running || state.busy || !editable();
    cancelButton.hidden = !running;
    acceptButton.hidden = discardButton.hidden = !state.proposal;
    acceptButton.disabled = state.busy || !editable();
    undoButton.hidden = !state.undo;
    undoButton.disabled = state.busy || !editable();
    showButton.hidden = !state.offered.length || running || Boolean(state.proposal);
    showButton.disabled = state.busy;
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
      const job = await shell.api("POST", place.path, {
        time: Math.round(place.time * 1e4) / 1e4,
        box: roundedBox(place.box),
        resume,
      });
      state.target = { clipId: job.clip_id, projectClipId: place.projectClipId ?? projectClipOf(job.clip_id) };
      state.offered = [];
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
      state.offered = [];
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
      const undo = await onAccept(state.proposal);
      state.proposal = null;
      state.undo = undo || null;
      say("Accepted: an ordinary edit now, to change or delete as any other (or undo).");
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

  disposer.listen(undoButton, "click", async () => {
    if (!state.undo || !editable()) return;
    const undo = state.undo;
    state.undo = null;
    state.busy = true;
    render();
    try {
      await undo();
      say("Undone: back as it was before Accept.");
    } catch (error) {
      say(error.message, "error");
    } finally {
      state.busy = false;
      render();
      onChange();
    }
  });

  // --- a track made before (another visit) --------------------------------------------------
  async function offer(targets) {
    const asked = ++offers;
    state.offered = [];
    render();
    const found = await Promise.all(
      targets.map(async (target) => {
        try {
          return { ...target, track: await shell.api("GET", `/api/clips/${target.clipId}/track`) };
        } catch (error) {
          if (error.status !== 404) say(error.message, "error"); // 404: no finished track
          return null;
        }
      }),
    );
    if (asked !== offers) return;
    state.offered = found.filter(Boolean);
    if (state.offered.length && !state.proposal && !isRunning()) say(offeredText(state.offered));
    render();
  }

  disposer.listen(showButton, "click", async () => {
    const offered = state.offered;
    if (!offered.length) return;
    state.busy = true;
    say("Loading the tracked path…");
    render();
    try {
      // a clip the framed video does not show (added after its export) has no proposal there
      const answers = await Promise.allSettled(
        offered.map(async (t) => ({ ...(await shell.api("GET", proposalPath(t.projectClipId))), projectClipId: t.projectClipId })),
      );
      const proposals = answers.filter((a) => a.status === "fulfilled").map((a) => a.value);
      if (!proposals.length) throw answers[0].reason;
      state.proposal = state.lost = joinProposals(proposals);
      state.offered = [];
      const shown = offered.filter((t) => proposals.some((p) => p.projectClipId === t.projectClipId));
      say(`${offeredText(shown, false)} Accept the proposal, edit it after, or discard it.`);
    } catch (error) {
      say(error.message, "error");
    } finally {
      state.busy = false;
      render();
      onChange();
    }
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
    edited: () => {
      if (!state.undo) return;
      state.undo = null;
      render();
    },
    offer,
    lostText: LOST_TEXT,
  };
}

/** What a track made before found: "This clip was tracked before: the player was found in
 *  93 % of it; lost 3.2–4.0 s." (with the button's invitation unless `invite` is false). */
function offeredText(offered, invite = true) {
  const then = invite ? " Show the tracked path to see the proposal again." : "";
  if (offered.length > 1) return `${offered.length} clips were tracked before.${then}`;
  const { track } = offered[0];
  const lost = spansText(track.lost_spans);
  return `This clip was tracked before: the player was found in ${Math.round(track.found_share * 100)} % of it${lost ? `; ${lost}` : ""}.${then}`;
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
