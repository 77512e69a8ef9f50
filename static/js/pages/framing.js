// The framing editor: a crop box of the project's shape over each clip's video,
// keyframed in time (the preview follows the renderer's interpolation, from
// ../timeline.js), trims, splits and per-segment speeds; versioned autosave;
// the framing export with its progress.

import { interpolateKeyframes, keyframeAt, upsertKeyframe } from "../timeline.js";
import { Autosaver, ExportPanel, SaveIndicator, clamp, dragWith, el, formatTime, staleBanner } from "../editor-kit.js";

const SPEEDS = [0.25, 0.5, 0.75, 1, 1.5, 2];
const CROP_FIELDS = ["x", "y", "width", "height"];
const TRANSITIONS = [
  ["cut", "Cut"],
  ["fade", "Fade through black"],
  ["dissolve", "Dissolve"],
];
const round = (value, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

export async function mount(root, data, shell) {
  const host = root.querySelector("#framing-editor");
  const projectId = data.project_id;
  const project = await shell.api("GET", `/api/projects/${projectId}`);
  shell.api("POST", `/api/projects/${projectId}/opened`).catch(() => {});
  const gameIds = [...new Set(project.clips.map((pc) => pc.clip.game))];
  const games = Object.fromEntries(
    await Promise.all(gameIds.map(async (id) => [id, await shell.api("GET", `/api/games/${id}`)])),
  );
  const [ratioW, ratioH] = project.aspect_ratio.split(":").map(Number);
  const ratio = ratioW / ratioH;

  const state = {
    index: 0,
    time: 0,
    playing: false,
    selected: null, // index of the selected crop keyframe
    dragRect: null,
    stale: false,
    frameId: null,
    lastTick: 0,
  };
  const disposers = [];

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
      savers.set(
        pc.id,
        new Autosaver({
          indicator,
          onStale: stopAll,
          onError,
          send: async (changes) => {
            const fresh = await shell.api("PATCH", `/api/projects/${projectId}/clips/${pc.id}`, {
              version: pc.version,
              ...changes,
            });
            pc.version = fresh.version;
          },
        }),
      );
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

  // --- the DOM ------------------------------------------------------------------------
  const video = el("video", { class: "source-video", playsinline: true, muted: true, preload: "auto" });
  video.muted = true;
  const handles = ["nw", "ne", "sw", "se"].map((corner) =>
    el("span", { class: `crop-handle ${corner}`, dataset: { corner }, "aria-hidden": "true" }),
  );
  const cropBox = el("div", { id: "crop-box", class: "crop-box", title: "Drag to follow the player; corners resize" }, handles);
  const videoNote = el("div", { class: "stage-note", hidden: true, text: "The game video cannot be played here; the crop box still works." });
  const stage = el("div", { id: "framing-stage", class: "stage" }, video, cropBox, videoNote);
  video.addEventListener("error", () => (videoNote.hidden = false));
  video.addEventListener("loadeddata", () => (videoNote.hidden = true));
  const stageWrap = el("div", { class: "stage-wrap" }, stage);

  const playButton = el("button", { type: "button", id: "play", class: "button icon-button", "aria-label": "Play", text: "▶" });
  const timeLabel = el("span", { id: "time-label", class: "time-label", text: "0:00.0" });
  const splitButton = el("button", { type: "button", id: "split", class: "button", text: "Split at playhead" });
  const keyButton = el("button", { type: "button", id: "add-keyframe", class: "button", text: "Add keyframe" });
  const deleteButton = el("button", { type: "button", id: "delete-keyframe", class: "button", text: "Delete keyframe" });
  const speedSelect = el(
    "select",
    { id: "segment-speed", "aria-label": "Speed of the segment at the playhead" },
    SPEEDS.map((s) => el("option", { value: String(s), text: `${s}×` })),
  );
  const transport = el(
    "div",
    { class: "transport" },
    playButton,
    timeLabel,
    el("span", { class: "spacer" }),
    el("label", { class: "inline-label" }, "Speed ", speedSelect),
    splitButton,
    keyButton,
    deleteButton,
  );

  const track = el("div", { id: "framing-track", class: "track", role: "slider", tabindex: "0", "aria-label": "Clip timeline" });
  const trackHint = el("p", { class: "hint muted", text: "◆ keyframes (drag to move) · ▮ trim handles · click to seek" });

  const clipSelect = el("select", { id: "clip-select", "aria-label": "Clip" });
  const transitionSelect = el(
    "select",
    { id: "transition-type", "aria-label": "Transition between clips" },
    TRANSITIONS.map(([value, label]) => el("option", { value, text: label })),
  );
  const transitionDuration = el("input", {
    id: "transition-duration", type: "number", min: "0.1", max: "2", step: "0.1", "aria-label": "Transition seconds",
  });
  const clipPanel = el(
    "section",
    { class: "panel clip-panel", hidden: project.clips.length < 2 },
    el("h2", { text: "Clips" }),
    clipSelect,
    el("div", { class: "transition-row" }, el("label", { for: "transition-type", text: "Between clips" }), transitionSelect, transitionDuration, el("span", { class: "muted", text: "s" })),
  );
  const segmentList = el("ol", { id: "segment-list", class: "segment-list" });
  const keyframeInfo = el("p", { id: "keyframe-info", class: "muted" });
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

  host.replaceChildren(
    indicator.banner,
    el(
      "div",
      { class: "editor-grid" },
      el("div", { class: "editor-main" }, stageWrap, transport, track, trackHint),
      el(
        "aside",
        { class: "editor-side" },
        clipPanel,
        el("section", { class: "panel" }, el("h2", { text: "Crop keyframes" }), keyframeInfo),
        el("section", { class: "panel" }, el("h2", { text: "Segments" }), segmentList),
        el("section", { class: "panel" }, el("h2", { text: "Export" }), exportPanel.root, overlayLink),
      ),
    ),
  );
  host.removeAttribute("aria-busy");

  // --- the current clip ---------------------------------------------------------------
  const current = () => project.clips[state.index];
  const game = () => games[current().clip.game];
  const source = () => ({ width: game().video.width, height: game().video.height });
  const fps = () => game().video.fps || 30;
  const duration = () => current().clip.duration;
  const halfFrame = () => 0.5 / fps();
  const videoUsable = () => video.readyState >= 1 && !video.error;

  function cropAt(time) {
    return interpolateKeyframes(current().crop_keyframes, CROP_FIELDS, time);
  }

  function boundaries() {
    const s = current().segments;
    return [s.trim_start, ...s.splits, s.trim_end];
  }

  function segmentIndexAt(time) {
    const s = current().segments;
    let i = 0;
    while (i < s.splits.length && time >= s.splits[i]) i += 1;
    return i;
  }

  function loadClip() {
    const pc = current();
    state.time = pc.segments.trim_start;
    state.selected = null;
    const url = game().video.url;
    if (url) {
      video.src = url;
      video.addEventListener("loadedmetadata", () => seekVideo(), { once: true });
    } else {
      video.removeAttribute("src");
    }
    stage.style.aspectRatio = `${source().width} / ${source().height}`;
    stageWrap.style.setProperty("--source-ratio", String(source().width / source().height));
    render();
  }

  function seekVideo() {
    if (!videoUsable()) return;
    const target = current().clip.start_time + state.time;
    if (Math.abs(video.currentTime - target) > 0.02) video.currentTime = target;
  }

  function seek(time) {
    state.time = clamp(time, 0, duration());
    seekVideo();
    render();
  }

  // --- drawing ------------------------------------------------------------------------
  function renderBox() {
    const { width: W, height: H } = source();
    const rect = state.dragRect || cropAt(state.time);
    cropBox.style.left = `${(rect.x / W) * 100}%`;
    cropBox.style.top = `${(rect.y / H) * 100}%`;
    cropBox.style.width = `${(rect.width / W) * 100}%`;
    cropBox.style.height = `${(rect.height / H) * 100}%`;
    const onKey = keyframeAt(current().crop_keyframes, state.time, halfFrame()) >= 0;
    cropBox.classList.toggle("on-keyframe", onKey);
  }

  const pct = (time) => `${(time / duration()) * 100}%`;

  function renderTrack() {
    const pc = current();
    const s = pc.segments;
    const parts = [];
    parts.push(el("div", { class: "trim-out", style: `left:0;width:${pct(s.trim_start)}` }));
    parts.push(el("div", { class: "trim-out", style: `left:${pct(s.trim_end)};right:0` }));
    const edges = boundaries();
    s.speeds.forEach((speed, i) => {
      parts.push(
        el("div", {
          class: `segment${speed !== 1 ? " changed" : ""}`,
          style: `left:${pct(edges[i])};width:${pct(edges[i + 1] - edges[i])}`,
          text: speed !== 1 ? `${speed}×` : "",
        }),
      );
    });
    s.splits.forEach((t) => parts.push(el("div", { class: "split-mark", style: `left:${pct(t)}` })));
    parts.push(el("div", { class: "trim-handle start", dataset: { trim: "start" }, style: `left:${pct(s.trim_start)}`, title: "Trim start" }));
    parts.push(el("div", { class: "trim-handle end", dataset: { trim: "end" }, style: `left:${pct(s.trim_end)}`, title: "Trim end" }));
    pc.crop_keyframes.forEach((k, i) => {
      parts.push(
        el("button", {
          type: "button",
          class: `kf-marker${i === state.selected ? " selected" : ""}`,
          dataset: { index: i, time: k.time },
          style: `left:${pct(k.time)}`,
          title: `Keyframe at ${formatTime(k.time)}`,
          "aria-label": `Keyframe at ${formatTime(k.time)}`,
          tabindex: "-1",
        }),
      );
    });
    parts.push(el("div", { class: "playhead", style: `left:${pct(state.time)}` }));
    track.replaceChildren(...parts);
    track.setAttribute("aria-valuenow", state.time.toFixed(2));
  }

  function renderSide() {
    const pc = current();
    const s = pc.segments;
    const count = pc.crop_keyframes.length;
    keyframeInfo.textContent =
      `${count} keyframe${count === 1 ? "" : "s"}` +
      (state.selected !== null && pc.crop_keyframes[state.selected]
        ? ` · selected at ${formatTime(pc.crop_keyframes[state.selected].time)}`
        : " · drag the box at a moment to add one");
    deleteButton.disabled = state.selected === null || count < 2 || state.stale;
    const edges = boundaries();
    segmentList.replaceChildren(
      ...s.speeds.map((speed, i) => {
        const picker = el(
          "select",
          { "aria-label": `Speed of segment ${i + 1}` },
          SPEEDS.map((v) => el("option", { value: String(v), text: `${v}×`, selected: v === speed })),
        );
        picker.addEventListener("change", () => setSpeed(i, Number(picker.value)));
        const merge =
          i < s.splits.length
            ? el("button", { type: "button", class: "link", text: "Join with next", onclick: () => removeSplit(i) })
            : null;
        return el(
          "li",
          {},
          el("span", { text: `${formatTime(edges[i])}–${formatTime(edges[i + 1])}` }),
          picker,
          merge,
        );
      }),
    );
    speedSelect.value = String(s.speeds[segmentIndexAt(state.time)]);
    const t = state.time;
    splitButton.disabled =
      state.stale || !(t > s.trim_start + 0.1 && t < s.trim_end - 0.1) || s.splits.some((x) => Math.abs(x - t) < 0.1);
    keyButton.disabled = state.stale;
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
    timeLabel.textContent = `${formatTime(state.time)} / ${formatTime(duration())}`;
    playButton.textContent = state.playing ? "❚❚" : "▶";
    playButton.setAttribute("aria-label", state.playing ? "Pause" : "Play");
  }

  function render() {
    renderBox();
    renderTrack();
    renderSide();
    renderTime();
  }

  function renderClipPicker() {
    clipSelect.replaceChildren(
      ...project.clips.map((pc, i) =>
        el("option", { value: String(i), text: `${i + 1}. ${pc.clip.name || "Clip"} (${Math.round(pc.clip.duration)} s)` }),
      ),
    );
    clipSelect.value = String(state.index);
    const transition = project.transition || { type: "cut", duration: 0.5 };
    transitionSelect.value = transition.type || "cut";
    transitionDuration.value = String(transition.duration ?? 0.5);
    transitionDuration.disabled = transitionSelect.value === "cut";
  }

  // --- edits --------------------------------------------------------------------------
  function editClip(changes) {
    if (state.stale) return;
    const pc = current();
    Object.assign(pc, changes);
    saverFor(pc).queue(changes);
    render();
  }

  function commitRect(rect) {
    const pc = current();
    const frame = {
      time: round(state.time, 4),
      x: round(rect.x, 2),
      y: round(rect.y, 2),
      width: round(rect.width, 2),
      height: round(rect.height, 2),
    };
    const { keyframes, index } = upsertKeyframe(pc.crop_keyframes, frame, halfFrame());
    state.selected = index;
    editClip({ crop_keyframes: keyframes });
  }

  function setSpeed(i, speed) {
    const s = current().segments;
    const speeds = [...s.speeds];
    speeds[i] = speed;
    editClip({ segments: { ...s, speeds } });
  }

  function removeSplit(i) {
    const s = current().segments;
    const splits = s.splits.filter((_, n) => n !== i);
    const speeds = s.speeds.filter((_, n) => n !== i + 1);
    editClip({ segments: { ...s, splits, speeds } });
  }

  function split() {
    const s = current().segments;
    const t = round(state.time, 3);
    if (!(t > s.trim_start && t < s.trim_end) || s.splits.some((x) => Math.abs(x - t) < 0.1)) return;
    const i = segmentIndexAt(t);
    const splits = [...s.splits, t].sort((a, b) => a - b);
    const speeds = [...s.speeds];
    speeds.splice(i + 1, 0, s.speeds[i]);
    editClip({ segments: { ...s, splits, speeds } });
  }

  function deleteSelected() {
    const pc = current();
    if (state.selected === null || pc.crop_keyframes.length < 2) return;
    const keyframes = pc.crop_keyframes.filter((_, i) => i !== state.selected);
    state.selected = null;
    editClip({ crop_keyframes: keyframes });
  }

  // --- the crop box: move and resize (locked to the project's ratio) --------------------
  function startBoxDrag(event) {
    if (state.stale || event.button > 0) return;
    pause();
    const { width: W, height: H } = source();
    const start = cropAt(state.time);
    const scale = stage.getBoundingClientRect().width / W;
    const corner = event.target.dataset.corner;
    const minHeight = Math.max(16, H * 0.08);
    let moved = false;
    dragWith(event, {
      onMove: (dx, dy) => {
        moved = moved || Math.abs(dx) + Math.abs(dy) > 1;
        if (!corner) {
          state.dragRect = {
            ...start,
            x: clamp(start.x + dx / scale, 0, W - start.width),
            y: clamp(start.y + dy / scale, 0, H - start.height),
          };
        } else {
          const east = corner.includes("e");
          const south = corner.includes("s");
          const ax = east ? start.x : start.x + start.width; // the fixed corner
          const ay = south ? start.y : start.y + start.height;
          const px = (east ? start.x + start.width : start.x) + dx / scale;
          const py = (south ? start.y + start.height : start.y) + dy / scale;
          const room = Math.min(south ? H - ay : ay, (east ? W - ax : ax) / ratio);
          const height = clamp(Math.max(Math.abs(py - ay), Math.abs(px - ax) / ratio), minHeight, room);
          const width = height * ratio;
          state.dragRect = { x: east ? ax : ax - width, y: south ? ay : ay - height, width, height };
        }
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
  cropBox.addEventListener("pointerdown", startBoxDrag);

  // --- the timeline: seek, keyframes, trims ---------------------------------------------
  track.addEventListener("pointerdown", (event) => {
    if (event.button > 0) return;
    pause();
    const box = track.getBoundingClientRect();
    const timeAtX = (clientX) => clamp(((clientX - box.left) / box.width) * duration(), 0, duration());
    const marker = event.target.closest(".kf-marker");
    const trim = event.target.closest(".trim-handle");
    if (marker) {
      const index = Number(marker.dataset.index);
      const keyframes = current().crop_keyframes;
      const original = keyframes[index].time;
      state.selected = index;
      seek(original);
      let moved = false;
      const gap = 1 / fps();
      const low = index > 0 ? keyframes[index - 1].time + gap : 0;
      const high = index < keyframes.length - 1 ? keyframes[index + 1].time - gap : duration();
      dragWith(event, {
        onMove: (dx) => {
          if (state.stale || Math.abs(dx) < 3) return;
          moved = true;
          const time = round(clamp(original + (dx / box.width) * duration(), low, high), 4);
          current().crop_keyframes[index].time = time;
          state.time = time;
          seekVideo();
          render();
        },
        onEnd: () => {
          if (moved) editClip({ crop_keyframes: current().crop_keyframes.map((k) => ({ ...k })) });
        },
      });
      return;
    }
    if (trim) {
      const s = current().segments;
      const which = trim.dataset.trim;
      dragWith(event, {
        onMove: (dx, dy, e) => {
          if (state.stale) return;
          const t = round(timeAtX(e.clientX), 3);
          const splits = s.splits;
          if (which === "start") {
            const limit = (splits.length ? splits[0] : s.trim_end) - 0.2;
            current().segments = { ...s, trim_start: clamp(t, 0, limit) };
            state.time = current().segments.trim_start;
          } else {
            const limit = (splits.length ? splits[splits.length - 1] : s.trim_start) + 0.2;
            current().segments = { ...s, trim_end: clamp(t, limit, duration()) };
            state.time = current().segments.trim_end;
          }
          seekVideo();
          render();
        },
        onEnd: () => editClip({ segments: { ...current().segments } }),
      });
      return;
    }
    state.selected = null;
    seek(timeAtX(event.clientX));
    dragWith(event, { onMove: (dx, dy, e) => seek(timeAtX(e.clientX)) });
  });

  // --- playing ------------------------------------------------------------------------
  function tick(now) {
    if (!state.playing) return;
    const s = current().segments;
    if (videoUsable() && !video.paused) {
      state.time = video.currentTime - current().clip.start_time;
    } else {
      const speed = s.speeds[segmentIndexAt(state.time)];
      state.time += ((now - state.lastTick) / 1000) * speed;
    }
    state.lastTick = now;
    if (videoUsable()) video.playbackRate = s.speeds[segmentIndexAt(state.time)];
    if (state.time >= s.trim_end) {
      state.time = s.trim_end;
      pause();
      render();
      return;
    }
    renderBox();
    track.querySelector(".playhead").style.left = pct(state.time);
    renderTime();
    state.frameId = requestAnimationFrame(tick);
  }

  function play() {
    const s = current().segments;
    if (state.time < s.trim_start || state.time >= s.trim_end - 0.05) state.time = s.trim_start;
    state.playing = true;
    state.selected = null;
    state.lastTick = performance.now();
    seekVideo();
    if (videoUsable()) video.play().catch(() => {});
    render();
    state.frameId = requestAnimationFrame(tick);
  }

  function pause() {
    if (!state.playing) return;
    state.playing = false;
    cancelAnimationFrame(state.frameId);
    video.pause();
    renderSide();
    renderTrack();
    renderTime();
  }

  playButton.addEventListener("click", () => (state.playing ? pause() : play()));
  splitButton.addEventListener("click", split);
  deleteButton.addEventListener("click", deleteSelected);
  keyButton.addEventListener("click", () => commitRect(cropAt(state.time)));
  speedSelect.addEventListener("change", () => setSpeed(segmentIndexAt(state.time), Number(speedSelect.value)));
  clipSelect.addEventListener("change", async () => {
    pause();
    const previous = current();
    state.index = Number(clipSelect.value);
    loadClip();
    await saverFor(previous).flush();
  });
  const saveTransition = () => {
    transitionDuration.disabled = transitionSelect.value === "cut";
    const seconds = clamp(Number(transitionDuration.value) || 0.5, 0.1, 2);
    project.transition = { type: transitionSelect.value, duration: seconds };
    projectSaver.queue({ transition: project.transition });
  };
  transitionSelect.addEventListener("change", saveTransition);
  transitionDuration.addEventListener("change", saveTransition);

  const onKey = (event) => {
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    if (event.key === "Delete" || event.key === "Backspace") {
      if (state.selected !== null) {
        event.preventDefault();
        deleteSelected();
      }
    } else if (event.key === " " && !event.target.closest("button")) {
      event.preventDefault();
      if (state.playing) pause();
      else play();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (event.target.closest("button")) return;
      event.preventDefault();
      pause();
      seek(state.time + (event.key === "ArrowLeft" ? -1 : 1) / fps());
    }
  };
  document.addEventListener("keydown", onKey);
  disposers.push(() => document.removeEventListener("keydown", onKey));

  renderClipPicker();
  renderOverlayLink();
  loadClip();
  exportPanel.resume();

  root.framingEditor = { state, project, seek: (t) => seek(t), cropAt, flush: flushAll };

  return async () => {
    pause();
    disposers.forEach((off) => off());
    exportPanel.destroy();
    video.removeAttribute("src");
    video.load();
    await flushAll();
  };
}
