// The framing editor, as wiring: a crop box of the project's shape over each
// clip's video (the rectangle the renderer cuts, from ../crop.js), keyframed in
// time; trims, splits and speeds (../segments.js); the shared transport, keys,
// timeline seeking and teardown (../editor-kit.js); a live preview of the framed
// result with sound; versioned autosave; the export with its choices.

import { aspectValue, cropAt, defaultCrop, fitBox, moveBox, resizeBox } from "../crop.js";
import {
  Autosaver,
  Disposer,
  ExportPanel,
  SaveIndicator,
  Transport,
  bindKeys,
  dragWith,
  staleBanner,
  timeAtX,
  timelineSeek,
} from "../editor-kit.js";
import { mountFilmstrip } from "../filmstrip.js";
import * as edits from "../segments.js";
import { keyframeAt, upsertKeyframe } from "../timeline.js";
import { clamp, clock, el, length } from "../ui.js";
import { vocabulary } from "../vocabulary.js";

const round = (value, places = 3) => Math.round(value * 10 ** places) / 10 ** places;
const ZOOMS = [1, 1.5, 2, 3, 4]; // video zoom steps (a view setting, not a server fact)
const TRACK_ZOOMS = [1, 2, 4, 8];

export async function mount(root, data, shell) {
  const host = root.querySelector("#framing-editor");
  const projectId = data.project_id;
  const project = await shell.api("GET", `/api/projects/${projectId}`);
  shell.api("POST", `/api/projects/${projectId}/opened`).catch(() => {});
  if (!project.clips.length) {
    host.replaceChildren(
      el("div", { class: "panel empty-state" },
        el("p", { text: "This project has no clips yet: add some to frame them." }),
        el("a", { class: "button", href: `/projects/${projectId}/edit/`, text: "Add clips" })),
    );
    host.removeAttribute("aria-busy");
    return () => {};
  }
  const gameIds = [...new Set(project.clips.map((pc) => pc.clip.game))];
  const games = Object.fromEntries(
    await Promise.all(gameIds.map(async (id) => [id, await shell.api("GET", `/api/games/${id}`)])),
  );
  const aspect = aspectValue(project.aspect_ratio);
  const limits = vocabulary.limits || {};
  const minSegment = limits.min_segment_seconds;
  const speeds = vocabulary.speeds || [];
  const transitions = vocabulary.transitions || [];

  const disposer = new Disposer();
  const state = {
    index: Math.max(0, project.clips.findIndex((pc) => pc.id === data.clip || pc.clip.id === data.clip)),
    selected: null, // index of the selected crop keyframe
    dragRect: null,
    stale: false,
    zoom: 1,
    trackZoom: 1,
    confirmingClear: false,
  };

  // --- saving -------------------------------------------------------------------------
  const indicator = new SaveIndicator(root.querySelector("#save-state"), staleBanner());
  const savers = new Map();
  const stopAll = () => {
    state.stale = true;
    savers.forEach((s) => {
      s.stale = true;
      s.stop();
    });
    cropBox.classList.add("locked");
    render();
    exportPanel.refresh();
  };
  const onError = (error) => shell.notificationCenter.say("error", "Not saved", error.message);
  function saverFor(pc) {
    if (!savers.has(pc.id)) {
      const send = async (changes) => {
        const fresh = await shell.api("PATCH", `/api/projects/${projectId}/clips/${pc.id}`, {
          version: pc.version,
          ...changes,
        });
        pc.version = fresh.version;
      };
      savers.set(pc.id, new Autosaver({ indicator, onStale: stopAll, onError, send }));
    }
    return savers.get(pc.id);
  }
  const projectSaver = new Autosaver({
    indicator,
    onStale: stopAll,
    onError,
    send: async (changes) => {
      const fresh = await shell.api("PATCH", `/api/projects/${projectId}`, { version: project.version, ...changes });
      project.version = fresh.version;
    },
  });
  savers.set("project", projectSaver);
  const flushAll = () => Promise.all([...savers.values()].map((s) => s.flush()));

  // --- the current clip ---------------------------------------------------------------
  const current = () => project.clips[state.index];
  const game = () => games[current().clip.game];
  const source = () => ({ width: game().video.width, height: game().video.height });
  const fps = () => game().video.fps || null; // the probed rate; none means no frame steps
  const duration = () => current().clip.duration;
  const boxAt = (time) => cropAt(current().crop_keyframes, time, source().width, source().height, aspect);

  // --- the DOM ------------------------------------------------------------------------
  const video = el("video", { class: "source-video", playsinline: true, preload: "auto" });
  const transport = new Transport(video, {
    fps,
    offset: () => current().clip.start_time,
    segments: () => current().segments,
    duration,
  });
  disposer.add(() => transport.destroy());

  const handles = ["nw", "ne", "sw", "se"].map((corner) =>
    el("span", { class: `crop-handle ${corner}`, dataset: { corner }, "aria-hidden": "true" }),
  );
  const cropBox = el("div", { id: "crop-box", class: "crop-box", title: "Drag to follow the player; corners resize" }, handles);
  const videoNote = el("div", { class: "stage-note", hidden: true, text: "The game video cannot be played here; the crop box still works." });
  const stage = el("div", { id: "framing-stage", class: "stage" }, video, cropBox, videoNote);
  const viewport = el("div", { class: "stage-viewport" }, stage);
  const zoomLabel = el("span", { class: "zoom-label", text: "100%" });
  const zoomOut = el("button", { type: "button", id: "zoom-out", class: "button icon-button", "aria-label": "Zoom the video out", text: "−" });
  const zoomIn = el("button", { type: "button", id: "zoom-in", class: "button icon-button", "aria-label": "Zoom the video in", text: "+" });
  const stageWrap = el("div", { class: "stage-wrap framing-stage-wrap" }, viewport);
  const zoomControls = el("div", { class: "zoom-controls", role: "group", "aria-label": "Zoom the video" }, zoomOut, zoomLabel, zoomIn);
  disposer.listen(video, "error", () => (videoNote.hidden = false));
  disposer.listen(video, "loadeddata", () => {
    videoNote.hidden = true;
    drawPreview();
  });
  disposer.listen(video, "seeked", () => drawPreview());

  const button = (id, text, attrs = {}) => el("button", { type: "button", id, class: "button", text, ...attrs });
  const playButton = button("play", "▶", { class: "button icon-button", "aria-label": "Play" });
  const backButton = button("frame-back", "❘◀", { class: "button icon-button", "aria-label": "One frame back" });
  const forwardButton = button("frame-forward", "▶❘", { class: "button icon-button", "aria-label": "One frame forward" });
  const muteButton = button("mute", "Sound on", { "aria-pressed": "false", title: "Mute or unmute the sound" });
  const timeLabel = el("span", { id: "time-label", class: "time-label", text: "0:00.0" });
  const outputLabel = el("span", { id: "output-length", class: "muted output-length" });
  const splitButton = button("split", "Split at playhead");
  const keyButton = button("add-keyframe", "Add keyframe");
  const deleteButton = button("delete-keyframe", "Delete keyframe");
  const speedSelect = el(
    "select",
    { id: "segment-speed", "aria-label": "Speed of the segment at the playhead" },
    speeds.map((s) => el("option", { value: String(s), text: `${s}×` })),
  );
  const controls = el(
    "div",
    { class: "transport framing-transport" },
    el("div", { class: "transport-group" }, backButton, playButton, forwardButton, timeLabel, muteButton, zoomControls),
    el("div", { class: "transport-group" }, el("label", { class: "inline-label" }, "Speed ", speedSelect), splitButton, keyButton, deleteButton),
  );
  const fpsNote = el("p", { class: "hint muted", hidden: true, text: "This game's frame rate is not known yet, so frame steps are off." });

  const track = el("div", { id: "framing-track", class: "track framing-track", role: "slider", tabindex: "0", "aria-label": "Clip timeline" });
  const trackOut = button("track-zoom-out", "−", { class: "button icon-button", "aria-label": "Zoom the timeline out" });
  const trackIn = button("track-zoom-in", "+", { class: "button icon-button", "aria-label": "Zoom the timeline in" });
  const trackZoomLabel = el("span", { class: "zoom-label", text: "1×" });
  const filmstrip = el("div", { class: "framing-filmstrip", hidden: true });
  const trackHint = el("p", { class: "hint muted", text: "◆ keyframes (drag to move) · ▮ trim handles (drag to trim) · click to seek · keys: Space plays, ← → one frame, Delete removes the selected keyframe" });
  const timelineRow = el(
    "div",
    { class: "timeline-row" },
    el("span", { class: "muted timeline-label", text: "Timeline" }),
    outputLabel,
    el("span", { class: "spacer" }),
    trackOut,
    trackZoomLabel,
    trackIn,
  );

  const preview = el("canvas", { id: "framing-preview", class: "framing-preview", "aria-label": "The framed result" });
  const previewPanel = el(
    "section",
    { class: "panel preview-panel" },
    el("h2", { text: `Preview · ${project.aspect_ratio}` }),
    el("div", { class: "preview-frame" }, preview),
  );

  const clipSelect = el("select", { id: "clip-select", "aria-label": "Clip" });
  const transitionSelect = el(
    "select",
    { id: "transition-type", "aria-label": "Transition between clips" },
    transitions.map((t) => el("option", { value: t.value, text: t.label })),
  );
  const transitionDuration = el("input", {
    id: "transition-duration", type: "number", step: "0.1", "aria-label": "Transition seconds",
    min: String(limits.transition_min_seconds), max: String(limits.transition_max_seconds),
  });
  const clipPanel = el(
    "section",
    { class: "panel clip-panel" },
    el("h2", { text: "Clips" }),
    clipSelect,
    el("div", { class: "transition-row", hidden: project.clips.length < 2 },
      el("label", { for: "transition-type", text: "Between clips" }), transitionSelect, transitionDuration,
      el("span", { class: "muted", text: "s" })),
  );
  const segmentList = el("ol", { id: "segment-list", class: "segment-list" });
  const keyframeInfo = el("p", { id: "keyframe-info", class: "muted" });
  const clearButton = button("clear-keyframes", "Clear keyframes");
  const clearConfirm = el(
    "div",
    { class: "confirm-row", hidden: true, role: "group", "aria-label": "Clear keyframes?" },
    el("span", { text: "Back to the centred crop, one keyframe?" }),
    button("clear-keyframes-yes", "Clear", { class: "button danger-button", onclick: () => clearKeyframes() }),
    button("clear-keyframes-no", "Keep", { onclick: () => confirmClear(false) }),
  );
  const overlayLink = el("a", { id: "overlay-link", class: "button", text: "Highlight the player →" });
  const exportPanel = new ExportPanel({
    shell,
    projectId,
    label: "Export framing",
    types: ["framing", "multi_clip"],
    chooseType: () => (project.clips.length > 1 ? "multi_clip" : "framing"),
    disabledReason: () => (state.stale ? "Reload first: this project changed in another tab." : ""),
    onComplete: (job, panel) => {
      project.has_working_video = true;
      renderOverlayLink();
      panel.extra.replaceChildren(el("a", { href: `/projects/${projectId}/overlay/`, text: "Open the overlay editor" }));
    },
  });
  exportPanel.beforeStart = async () => {
    await flushAll();
    return !state.stale;
  };
  disposer.add(() => exportPanel.destroy());

  host.replaceChildren(
    indicator.banner,
    el(
      "div",
      { class: "editor-grid framing-grid" },
      el("div", { class: "editor-main" }, stageWrap, controls, fpsNote, timelineRow, track, filmstrip, trackHint),
      el(
        "aside",
        { class: "editor-side" },
        clipPanel,
        el("section", { class: "panel segments-panel" }, el("h2", { text: "Segments" }), segmentList),
        el("section", { class: "panel keyframes-panel" }, el("h2", { text: "Crop keyframes" }), keyframeInfo, clearButton, clearConfirm),
        previewPanel,
        el("section", { class: "panel export-section" }, el("h2", { text: "Export" }), exportPanel.root, overlayLink),
      ),
    ),
  );
  host.removeAttribute("aria-busy");

  // --- the view of the timeline (zoomed around the playhead) ------------------------------
  function view() {
    const total = duration();
    const span = total / state.trackZoom;
    const start = clamp(transport.time - span / 2, 0, Math.max(0, total - span));
    return { start, end: start + span };
  }
  let shown = { start: 0, end: 1 };
  const pct = (time) => `${((time - shown.start) / (shown.end - shown.start)) * 100}%`;

  // --- drawing ------------------------------------------------------------------------
  function renderBox() {
    const { width: W, height: H } = source();
    const rect = state.dragRect || boxAt(transport.time);
    cropBox.style.left = `${(rect.x / W) * 100}%`;
    cropBox.style.top = `${(rect.y / H) * 100}%`;
    cropBox.style.width = `${(rect.width / W) * 100}%`;
    cropBox.style.height = `${(rect.height / H) * 100}%`;
    const onKey = keyframeAt(current().crop_keyframes, transport.time, halfFrame()) >= 0;
    cropBox.classList.toggle("on-keyframe", onKey);
    drawPreview();
  }

  function drawPreview() {
    const { width: W, height: H } = source();
    const rect = state.dragRect || boxAt(transport.time);
    const context = preview.getContext("2d");
    if (!context) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const sx = video.videoWidth / W;
      const sy = video.videoHeight / H;
      context.drawImage(video, rect.x * sx, rect.y * sy, rect.width * sx, rect.height * sy, 0, 0, preview.width, preview.height);
    } else {
      context.fillStyle = "#000";
      context.fillRect(0, 0, preview.width, preview.height);
    }
  }

  function halfFrame() {
    return 0.5 / (fps() || 1000);
  }

  function renderTrack() {
    const pc = current();
    const s = pc.segments;
    shown = view();
    const parts = [];
    parts.push(el("div", { class: "trim-out", style: `left:${pct(0)};width:calc(${pct(s.trim_start)} - ${pct(0)})` }));
    parts.push(el("div", { class: "trim-out", style: `left:${pct(s.trim_end)};right:0` }));
    edits.layout(s).forEach((piece) => {
      parts.push(
        el("div", {
          class: `segment${piece.speed !== 1 ? " changed" : ""}`,
          style: `left:${pct(piece.source_start)};width:calc(${pct(piece.source_end)} - ${pct(piece.source_start)})`,
          text: piece.speed !== 1 ? `${piece.speed}×` : "",
        }),
      );
    });
    s.splits.forEach((t) => parts.push(el("div", { class: "split-mark", style: `left:${pct(t)}` })));
    pc.crop_keyframes.forEach((k, i) => {
      parts.push(
        el("button", {
          type: "button",
          class: `kf-marker${i === state.selected ? " selected" : ""}`,
          dataset: { index: i, time: k.time },
          style: `left:${pct(k.time)}`,
          title: `Keyframe at ${clock(k.time, { tenths: true })}`,
          "aria-label": `Keyframe at ${clock(k.time, { tenths: true })}`,
          tabindex: "-1",
        }),
      );
    });
    parts.push(el("div", { class: "trim-handle start", dataset: { trim: "start" }, style: `left:${pct(s.trim_start)}`, title: "Trim start", "aria-label": "Trim start" }));
    parts.push(el("div", { class: "trim-handle end", dataset: { trim: "end" }, style: `left:${pct(s.trim_end)}`, title: "Trim end", "aria-label": "Trim end" }));
    parts.push(el("div", { class: "playhead", style: `left:${pct(transport.time)}` }));
    track.replaceChildren(...parts);
    track.setAttribute("aria-valuenow", transport.time.toFixed(2));
    track.setAttribute("aria-valuetext", clock(transport.time, { tenths: true }));
    trackZoomLabel.textContent = `${state.trackZoom}×`;
    track.classList.toggle("zoomed", state.trackZoom > 1);
    trackOut.disabled = state.trackZoom === TRACK_ZOOMS[0];
    trackIn.disabled = state.trackZoom === TRACK_ZOOMS[TRACK_ZOOMS.length - 1];
    mountedFilmstrip();
  }

  function renderSide() {
    const pc = current();
    const s = pc.segments;
    const count = pc.crop_keyframes.length;
    keyframeInfo.textContent =
      `${count} keyframe${count === 1 ? "" : "s"}` +
      (state.selected !== null && pc.crop_keyframes[state.selected]
        ? ` · selected at ${clock(pc.crop_keyframes[state.selected].time, { tenths: true })}`
        : " · drag the box at a moment to add one");
    deleteButton.disabled = state.selected === null || count < 2 || state.stale;
    clearButton.disabled = state.stale;
    clearButton.hidden = state.confirmingClear;
    clearConfirm.hidden = !state.confirmingClear;
    segmentList.replaceChildren(
      ...edits.layout(s).map((piece, i) => {
        const picker = el(
          "select",
          { "aria-label": `Speed of segment ${i + 1}`, disabled: state.stale },
          speeds.map((v) => el("option", { value: String(v), text: `${v}×`, selected: v === piece.speed })),
        );
        picker.addEventListener("change", () => setSpeed(i, Number(picker.value)));
        const merge =
          i < s.splits.length
            ? el("button", { type: "button", class: "link", text: "Join with next", onclick: () => editSegments(edits.join(s, i)) })
            : null;
        return el(
          "li",
          {},
          el("span", { text: `${clock(piece.source_start, { tenths: true })}–${clock(piece.source_end, { tenths: true })}` }),
          picker,
          el("span", { class: "muted", text: `plays ${length(piece.output_end - piece.output_start)}` }),
          merge,
        );
      }),
    );
    speedSelect.value = String(s.speeds[edits.segmentIndex(s, transport.time)]);
    speedSelect.disabled = state.stale;
    splitButton.disabled = state.stale || !edits.canSplit(s, round(transport.time, 3), minSegment);
    keyButton.disabled = state.stale;
    outputLabel.textContent = `· plays ${length(edits.outputDuration(s))}`;
  }

  function renderOverlayLink() {
    if (project.has_working_video) {
      overlayLink.href = `/projects/${projectId}/overlay/`;
      overlayLink.removeAttribute("aria-disabled");
      overlayLink.title = "";
    } else {
      overlayLink.removeAttribute("href");
      overlayLink.setAttribute("aria-disabled", "true");
      overlayLink.title = "Export the framing first";
    }
  }

  function renderTime() {
    timeLabel.textContent = `${clock(transport.time, { tenths: true })} / ${clock(duration(), { tenths: true })}`;
    playButton.textContent = transport.playing ? "❚❚" : "▶";
    playButton.setAttribute("aria-label", transport.playing ? "Pause" : "Play");
    backButton.disabled = forwardButton.disabled = !fps();
    fpsNote.hidden = Boolean(fps());
    muteButton.textContent = video.muted ? "Sound off" : "Sound on";
    muteButton.setAttribute("aria-pressed", String(video.muted));
  }

  function renderZoom() {
    stage.style.setProperty("--zoom", String(state.zoom));
    zoomLabel.textContent = `${Math.round(state.zoom * 100)}%`;
    zoomOut.disabled = state.zoom === ZOOMS[0];
    zoomIn.disabled = state.zoom === ZOOMS[ZOOMS.length - 1];
  }

  function render() {
    renderBox();
    renderTrack();
    renderSide();
    renderTime();
  }

  // While playing: the box, the preview, the playhead and the clock follow each frame.
  disposer.subscribe(
    transport.on("time", () => {
      if (!transport.playing) return;
      renderBox();
      const next = view();
      if (next.start !== shown.start) renderTrack();
      else track.querySelector(".playhead").style.left = pct(transport.time);
      renderTime();
    }),
  );
  disposer.subscribe(transport.on("pause", () => render()));
  disposer.subscribe(transport.on("play", () => {
    state.selected = null;
    render();
  }));

  // --- filmstrip: the clip's frames (clip time), else the game's, under the shown span ---
  let stopFilmstrip = () => {};
  disposer.add(() => stopFilmstrip());
  function mountedFilmstrip() {
    const own = current().clip.filmstrip;
    const sheet = own || game().filmstrip;
    filmstrip.hidden = !sheet;
    if (!sheet) return;
    const offset = own ? 0 : current().clip.start_time;
    const start = offset + shown.start;
    const end = offset + shown.end;
    const key = `${sheet.url}:${start}:${end}`;
    if (filmstrip.dataset.key === key) return;
    filmstrip.dataset.key = key;
    stopFilmstrip();
    stopFilmstrip = mountFilmstrip(filmstrip, sheet, { start, end });
  }

  function renderClipPicker() {
    clipSelect.replaceChildren(
      ...project.clips.map((pc, i) =>
        el("option", { value: String(i), text: `${i + 1}. ${pc.clip.name || "Clip"} (${length(pc.clip.duration)})` }),
      ),
    );
    clipSelect.value = String(state.index);
    clipSelect.disabled = project.clips.length < 2;
    const transition = project.transition || vocabulary.default_transition || {};
    transitionSelect.value = transition.type || transitions[0]?.value || "";
    transitionDuration.value = String(transition.duration ?? vocabulary.default_transition?.duration ?? "");
    transitionDuration.disabled = transitionSelect.value === "cut";
  }

  function loadClip() {
    const pc = current();
    transport.pause();
    state.selected = null;
    state.confirmingClear = false;
    transport.time = pc.segments.trim_start;
    const url = game().video.url;
    if (url) {
      if (video.getAttribute("src") !== url) {
        video.src = url;
        video.addEventListener("loadedmetadata", () => transport.seek(transport.time), { once: true });
      } else {
        transport.seek(transport.time);
      }
    } else {
      video.removeAttribute("src");
    }
    const { width: W, height: H } = source();
    stage.style.aspectRatio = `${W} / ${H}`;
    stageWrap.style.setProperty("--source-ratio", String(W / H));
    preview.height = Math.min(H, 480);
    preview.width = Math.max(2, Math.round(preview.height * aspect));
    preview.style.aspectRatio = project.aspect_ratio.replace(":", " / ");
    render();
  }

  const seek = (time) => transport.seek(time); // its "time" event redraws

  // --- edits --------------------------------------------------------------------------
  function editClip(changes) {
    if (state.stale) return;
    const pc = current();
    Object.assign(pc, changes);
    saverFor(pc).queue(changes);
    render();
  }

  const editSegments = (segments) => segments && editClip({ segments });
  const setSpeed = (i, speed) => editSegments(edits.setSpeed(current().segments, i, speed));

  function commitRect(rect) {
    const pc = current();
    const { width: W, height: H } = source();
    const fitted = fitBox(rect, W, H, aspect);
    const width = round(fitted.width, 2);
    const height = round(width / aspect, 2);
    const frame = {
      time: round(transport.time, 4),
      x: clamp(round(fitted.x, 2), 0, W - width),
      y: clamp(round(fitted.y, 2), 0, H - height),
      width,
      height,
    };
    const { keyframes, index } = upsertKeyframe(pc.crop_keyframes, frame, halfFrame());
    state.selected = index;
    editClip({ crop_keyframes: keyframes });
  }

  function deleteSelected() {
    const pc = current();
    if (state.selected === null || pc.crop_keyframes.length < 2) return false;
    const keyframes = pc.crop_keyframes.filter((_, i) => i !== state.selected);
    state.selected = null;
    editClip({ crop_keyframes: keyframes });
    return true;
  }

  function confirmClear(open) {
    state.confirmingClear = open;
    renderSide();
    (open ? clearConfirm.querySelector("#clear-keyframes-no") : clearButton).focus();
  }

  function clearKeyframes() {
    const { width: W, height: H } = source();
    state.confirmingClear = false;
    state.selected = null;
    editClip({ crop_keyframes: defaultCrop(W, H, project.aspect_ratio) });
    clearButton.focus();
  }

  function split() {
    editSegments(edits.split(current().segments, round(transport.time, 3), minSegment));
  }

  // --- the crop box: move and resize (locked to the project's ratio) --------------------
  function startBoxDrag(event) {
    if (state.stale || event.button > 0) return;
    transport.pause();
    const { width: W, height: H } = source();
    const start = boxAt(transport.time);
    const scale = stage.getBoundingClientRect().width / W;
    const corner = event.target.dataset.corner;
    const minHeight = Math.max(16, H * 0.08);
    let moved = false;
    dragWith(event, {
      onMove: (dx, dy) => {
        moved = moved || Math.abs(dx) + Math.abs(dy) > 1;
        state.dragRect = corner
          ? resizeBox(start, corner, dx / scale, dy / scale, W, H, aspect, minHeight)
          : moveBox(start, dx / scale, dy / scale, W, H, aspect);
        renderBox();
      },
      onEnd: () => {
        const rect = state.dragRect;
        state.dragRect = null;
        if (moved && rect) commitRect(rect);
        else renderBox();
      },
    });
  }
  disposer.listen(cropBox, "pointerdown", startBoxDrag);

  // --- zoom: the video (buttons, ctrl/⌘ + wheel) and the timeline -----------------------
  function setZoom(next, anchor = null) {
    const zoom = clamp(next, ZOOMS[0], ZOOMS[ZOOMS.length - 1]);
    if (zoom === state.zoom) return;
    const box = viewport.getBoundingClientRect();
    const focus = anchor || { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    const fx = (viewport.scrollLeft + focus.x - box.left) / state.zoom;
    const fy = (viewport.scrollTop + focus.y - box.top) / state.zoom;
    state.zoom = zoom;
    renderZoom();
    viewport.scrollLeft = fx * zoom - (focus.x - box.left);
    viewport.scrollTop = fy * zoom - (focus.y - box.top);
  }
  const stepZoom = (list, value, direction) => {
    const index = list.indexOf(value);
    return list[clamp(index + direction, 0, list.length - 1)];
  };
  disposer.listen(zoomIn, "click", () => setZoom(stepZoom(ZOOMS, state.zoom, 1)));
  disposer.listen(zoomOut, "click", () => setZoom(stepZoom(ZOOMS, state.zoom, -1)));
  disposer.listen(
    viewport,
    "wheel",
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return; // plain wheel scrolls the page
      event.preventDefault();
      setZoom(stepZoom(ZOOMS, state.zoom, event.deltaY < 0 ? 1 : -1), { x: event.clientX, y: event.clientY });
    },
    { passive: false },
  );
  const setTrackZoom = (direction) => {
    state.trackZoom = stepZoom(TRACK_ZOOMS, state.trackZoom, direction);
    renderTrack();
  };
  disposer.listen(trackIn, "click", () => setTrackZoom(1));
  disposer.listen(trackOut, "click", () => setTrackZoom(-1));

  // --- the timeline: keyframes, trims, seeking -------------------------------------------
  disposer.listen(track, "pointerdown", (event) => {
    if (event.button > 0) return;
    const marker = event.target.closest(".kf-marker");
    const trim = event.target.closest(".trim-handle");
    if (!marker && !trim) return; // seeking: timelineSeek below
    transport.pause();
    const window = { ...shown };
    if (trim) {
      const which = trim.dataset.trim;
      const before = current().segments;
      dragWith(event, {
        onMove: (dx, dy, e) => {
          if (state.stale) return;
          const t = round(timeAtX(track, e.clientX, window), 3);
          current().segments =
            which === "start" ? edits.trimStart(before, t, minSegment) : edits.trimEnd(before, t, duration(), minSegment);
          transport.seek(which === "start" ? current().segments.trim_start : current().segments.trim_end);
        },
        onEnd: () => {
          const after = current().segments;
          current().segments = before;
          if (after.trim_start !== before.trim_start || after.trim_end !== before.trim_end) editSegments(after);
          else render();
        },
      });
      return;
    }
    const index = Number(marker.dataset.index);
    const keyframes = current().crop_keyframes;
    const original = keyframes[index].time;
    state.selected = index;
    seek(original);
    const gap = 1 / (fps() || 1000);
    const low = index > 0 ? keyframes[index - 1].time + gap : 0;
    const high = index < keyframes.length - 1 ? keyframes[index + 1].time - gap : duration();
    let moved = false;
    const width = track.getBoundingClientRect().width;
    dragWith(event, {
      onMove: (dx) => {
        if (state.stale || Math.abs(dx) < 3) return;
        moved = true;
        const time = round(clamp(original + (dx / width) * (window.end - window.start), low, high), 4);
        current().crop_keyframes[index].time = time;
        transport.seek(time);
      },
      onEnd: () => {
        if (moved) editClip({ crop_keyframes: current().crop_keyframes.map((k) => ({ ...k })) });
      },
    });
  });
  disposer.add(
    timelineSeek(track, {
      duration,
      view: () => ({ ...shown }),
      ignore: ".kf-marker, .trim-handle",
      onSeek: (time) => {
        transport.pause();
        state.selected = null;
        seek(time);
      },
    }),
  );

  // --- buttons and keys -------------------------------------------------------------------
  disposer.listen(playButton, "click", () => transport.toggle());
  disposer.listen(backButton, "click", () => transport.step(-1));
  disposer.listen(forwardButton, "click", () => transport.step(1));
  disposer.listen(muteButton, "click", () => {
    transport.muted = !transport.muted;
    renderTime();
  });
  disposer.listen(splitButton, "click", split);
  disposer.listen(deleteButton, "click", deleteSelected);
  disposer.listen(keyButton, "click", () => commitRect(boxAt(transport.time)));
  disposer.listen(clearButton, "click", () => confirmClear(true));
  disposer.listen(speedSelect, "change", () => setSpeed(edits.segmentIndex(current().segments, transport.time), Number(speedSelect.value)));
  disposer.listen(clipSelect, "change", async () => {
    const previous = current();
    state.index = Number(clipSelect.value);
    loadClip();
    await saverFor(previous).flush();
  });
  const saveTransition = () => {
    transitionDuration.disabled = transitionSelect.value === "cut";
    const seconds = clamp(
      Number(transitionDuration.value) || vocabulary.default_transition?.duration,
      limits.transition_min_seconds,
      limits.transition_max_seconds,
    );
    transitionDuration.value = String(seconds);
    project.transition = { type: transitionSelect.value, duration: seconds };
    projectSaver.queue({ transition: project.transition });
  };
  disposer.listen(transitionSelect, "change", saveTransition);
  disposer.listen(transitionDuration, "change", saveTransition);

  disposer.add(
    bindKeys(document, {
      " ": () => transport.toggle(),
      ArrowLeft: () => (fps() ? transport.step(-1) : false),
      ArrowRight: () => (fps() ? transport.step(1) : false),
      Delete: () => deleteSelected(),
      Backspace: () => deleteSelected(),
      "+": () => setZoom(stepZoom(ZOOMS, state.zoom, 1)),
      "-": () => setZoom(stepZoom(ZOOMS, state.zoom, -1)),
    }),
  );
  // frame steps and seeks redraw everything
  disposer.subscribe(transport.on("time", () => {
    if (!transport.playing) render();
  }));

  renderClipPicker();
  renderOverlayLink();
  renderZoom();
  loadClip();
  exportPanel.resume();

  root.framingEditor = { state, project, transport, seek: (t) => seek(t), cropAt: boxAt, flush: flushAll };

  return async () => {
    disposer.dispose();
    video.removeAttribute("src");
    video.load();
    await flushAll();
  };
}
