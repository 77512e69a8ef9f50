// The overlay editor: the framed (working) video with the highlight ellipse drawn
// over it the way the renderer draws it (exports/render/overlay.py): yellow =
// the ellipse filled with its colour at its opacity; brightness = inside moved
// 35 % of the way to white; dim = outside multiplied by 0.45. Regions and their
// keyframes on a timeline; versioned autosave; the overlay export.

import { interpolateKeyframes, keyframeAt, upsertKeyframe } from "../timeline.js";
import { Autosaver, ExportPanel, SaveIndicator, clamp, dragWith, el, formatTime, staleBanner } from "../editor-kit.js";

const BRIGHTEN = 0.35;
const DIM = 0.45;
const MIN_REGION = 0.5;
const DEFAULT_REGION = 2;
const ELLIPSE_FIELDS = ["x", "y", "radius_x", "radius_y", "opacity"];
const EFFECTS = [
  ["yellow", "Yellow"],
  ["brightness", "Brightness"],
  ["dim", "Dim"],
];
const round = (value, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

export async function mount(root, data, shell) {
  const host = root.querySelector("#overlay-editor");
  const projectId = data.project_id;
  const project = await shell.api("GET", `/api/projects/${projectId}`);
  shell.api("POST", `/api/projects/${projectId}/opened`).catch(() => {});
  const overlay = project.overlay;

  if (!project.has_working_video || !project.working_video) {
    host.replaceChildren(
      el(
        "div",
        { class: "card empty-state" },
        el("p", { text: "This project has no framed video yet. Export the framing first; the highlight is drawn on it." }),
        el("a", { class: "button", href: `/projects/${projectId}/`, text: "← Back to framing" }),
      ),
    );
    host.removeAttribute("aria-busy");
    return null;
  }

  const frame = overlay.frame; // the framed video's pixel size: the regions' coordinates
  const duration = project.working_video.duration;
  const fps = project.working_video.fps || 30;
  const halfFrame = 0.5 / fps;
  const state = { time: 0, playing: false, selectedRegion: null, dragEllipse: null, stale: false, frameId: null };

  // --- saving -------------------------------------------------------------------------
  const indicator = new SaveIndicator(root.querySelector("#save-state"), staleBanner());
  const saver = new Autosaver({
    indicator,
    onStale: () => {
      state.stale = true;
      render();
      exportPanel.refresh();
    },
    onError: (error) => shell.notificationCenter.say("error", "Not saved", error.message),
    send: async (changes) => {
      const fresh = await shell.api("PUT", `/api/projects/${projectId}/overlay`, { version: overlay.version, ...changes });
      overlay.version = fresh.version;
    },
  });

  // --- the DOM ------------------------------------------------------------------------
  const video = el("video", {
    class: "working-video", playsinline: true, muted: true, preload: "auto",
    src: `/api/projects/${projectId}/working-video/file?v=${project.working_video.version}`,
  });
  video.muted = true;
  const canvas = el("canvas", { id: "overlay-canvas", class: "overlay-canvas", "aria-label": "Highlight ellipse" });
  const stage = el("div", { id: "overlay-stage", class: "stage framed" }, video, canvas);
  stage.style.aspectRatio = `${frame.width} / ${frame.height}`;
  const stageWrap = el("div", { class: "stage-wrap portrait-aware" }, stage);
  stageWrap.style.setProperty("--source-ratio", String(frame.width / frame.height));

  const playButton = el("button", { type: "button", id: "play", class: "button icon-button", "aria-label": "Play", text: "▶" });
  const timeLabel = el("span", { id: "time-label", class: "time-label" });
  const transport = el("div", { class: "transport" }, playButton, timeLabel);
  const track = el("div", { id: "overlay-track", class: "track regions-track", role: "slider", tabindex: "0", "aria-label": "Highlight regions" });
  const hint = el("p", { class: "hint muted" });

  const effectGroup = el(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": "Effect" },
    EFFECTS.map(([value, label]) =>
      el(
        "label",
        { class: "segment-choice" },
        el("input", { type: "radio", name: "effect", value, id: `effect-${value}`, checked: overlay.effect_type === value }),
        el("span", { text: label }),
      ),
    ),
  );
  const addButton = el("button", { type: "button", id: "add-region", class: "button", text: "Add region at playhead" });
  const toggleButton = el("button", { type: "button", id: "toggle-region", class: "button", text: "Disable region" });
  const deleteButton = el("button", { type: "button", id: "delete-region", class: "button danger", text: "Delete region" });
  const deleteKeyButton = el("button", { type: "button", id: "delete-keyframe", class: "button", text: "Delete keyframe" });
  const regionInfo = el("p", { id: "region-info", class: "muted" });
  const exportPanel = new ExportPanel({
    shell,
    projectId,
    label: "Export overlay",
    types: ["overlay"],
    chooseType: () => "overlay",
    disabledReason: () => (state.stale ? "Reload first: this project changed in another tab." : ""),
    onComplete: (job, panel) => {
      panel.extra.replaceChildren(el("a", { href: "/gallery/", id: "gallery-open", text: "See it in the gallery →" }));
    },
  });
  exportPanel.beforeStart = async () => {
    await saver.flush();
    return !state.stale;
  };

  host.replaceChildren(
    indicator.banner,
    el(
      "div",
      { class: "editor-grid" },
      el("div", { class: "editor-main" }, stageWrap, transport, track, hint),
      el(
        "aside",
        { class: "editor-side" },
        el("section", { class: "panel" }, el("h2", { text: "Effect" }), effectGroup),
        el(
          "section",
          { class: "panel" },
          el("h2", { text: "Highlight regions" }),
          regionInfo,
          el("div", { class: "button-row" }, addButton, toggleButton, deleteButton, deleteKeyButton),
        ),
        el(
          "section",
          { class: "panel" },
          el("h2", { text: "Export" }),
          exportPanel.root,
          el("a", { href: `/projects/${projectId}/`, class: "muted-link", text: "← Back to framing" }),
        ),
      ),
    ),
  );
  host.removeAttribute("aria-busy");

  // --- regions ------------------------------------------------------------------------
  const regions = () => overlay.regions;
  const defaultEllipse = () => ({
    x: frame.width / 2,
    y: frame.height / 2,
    radius_x: round(frame.height * 0.06, 2),
    radius_y: round(frame.height * 0.12, 2),
    opacity: 0.15,
    color: "#FFFF00",
  });

  /** The region under the playhead for editing (its end counts too, so its last keyframe can be edited). */
  function regionIndexAt(time) {
    const list = regions();
    const inside = list.findIndex((r) => r.start_time <= time && time < r.end_time);
    if (inside >= 0) return inside;
    return list.findIndex((r) => Math.abs(r.end_time - time) <= halfFrame);
  }

  function ellipseOf(region, time) {
    const values = interpolateKeyframes(region.keyframes, ELLIPSE_FIELDS, clamp(time, region.start_time, region.end_time));
    const times = region.keyframes.map((k) => k.time);
    let which = 0;
    while (which + 1 < times.length && times[which + 1] <= time) which += 1;
    return { ...values, color: region.keyframes[which].color || "#FFFF00" };
  }

  function editRegions(list) {
    if (state.stale) return;
    overlay.regions = list.sort((a, b) => a.start_time - b.start_time);
    saver.queue({ regions: overlay.regions });
    render();
  }

  const selected = () => (state.selectedRegion === null ? null : regions().find((r) => r.id === state.selectedRegion) || null);

  function addRegion() {
    const start = round(clamp(state.time, 0, duration), 3);
    const list = regions();
    const hit = list.find((r) => r.start_time <= start && start < r.end_time);
    if (hit) {
      state.selectedRegion = hit.id;
      shell.notificationCenter.say("info", "A highlight is already here", "Select it on the timeline to change it.");
      render();
      return;
    }
    const next = list.filter((r) => r.start_time > start).map((r) => r.start_time);
    const end = round(Math.min(start + DEFAULT_REGION, duration, ...next), 3);
    if (end - start < MIN_REGION - 1e-9) {
      shell.notificationCenter.say("warning", "No room for a highlight here", "A highlight lasts at least 0.5 s.");
      return;
    }
    const before = list.filter((r) => r.end_time <= start).pop();
    const look = before ? ellipseOf(before, before.end_time) : defaultEllipse();
    const region = {
      id: `region-${Date.now().toString(36)}`,
      start_time: start,
      end_time: end,
      enabled: true,
      keyframes: [{ time: start, ...roundEllipse(look), color: look.color || "#FFFF00" }],
    };
    state.selectedRegion = region.id;
    editRegions([...list, region]);
  }

  function toggleRegion() {
    const region = selected();
    if (!region) return;
    editRegions(regions().map((r) => (r.id === region.id ? { ...r, enabled: !r.enabled } : r)));
  }

  function deleteRegion() {
    const region = selected();
    if (!region) return;
    state.selectedRegion = null;
    editRegions(regions().filter((r) => r.id !== region.id));
  }

  function deleteKeyframe() {
    const index = regionIndexAt(state.time);
    if (index < 0) return;
    const region = regions()[index];
    const k = keyframeAt(region.keyframes, state.time, halfFrame);
    if (k < 0 || region.keyframes.length < 2) return;
    const keyframes = region.keyframes.filter((_, i) => i !== k);
    editRegions(regions().map((r, i) => (i === index ? { ...r, keyframes } : r)));
  }

  function commitEllipse(ellipse) {
    const index = regionIndexAt(state.time);
    if (index < 0) return;
    const region = regions()[index];
    const time = round(clamp(state.time, region.start_time, region.end_time), 4);
    const { keyframes } = upsertKeyframe(region.keyframes, { time, ...roundEllipse(ellipse), color: ellipse.color }, halfFrame);
    editRegions(regions().map((r, i) => (i === index ? { ...r, keyframes } : r)));
  }

  function resizeRegion(id, edge, time) {
    const list = regions();
    const index = list.findIndex((r) => r.id === id);
    const region = list[index];
    const previous = list[index - 1];
    const next = list[index + 1];
    let { start_time: start, end_time: end } = region;
    if (edge === "start") start = round(clamp(time, previous ? previous.end_time : 0, end - MIN_REGION), 3);
    else end = round(clamp(time, start + MIN_REGION, next ? next.start_time : duration), 3);
    let keyframes = region.keyframes.filter((k) => k.time >= start - 1e-6 && k.time <= end + 1e-6);
    if (!keyframes.length) {
      const at = edge === "start" ? start : end;
      const look = ellipseOf(region, at);
      keyframes = [{ time: at, ...roundEllipse(look), color: look.color }];
    }
    return list.map((r, i) => (i === index ? { ...r, start_time: start, end_time: end, keyframes } : r));
  }

  // --- drawing: the render's effect, then the editing guides ----------------------------
  function activeEllipse() {
    if (state.dragEllipse) return { ellipse: state.dragEllipse, region: regions()[regionIndexAt(state.time)] };
    const index = regionIndexAt(state.time);
    if (index < 0) return null;
    const region = regions()[index];
    return { ellipse: ellipseOf(region, state.time), region };
  }

  function draw() {
    const box = stage.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(box.width * ratio));
    const height = Math.max(1, Math.round(box.height * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
    const scale = width / frame.width;
    context.setTransform(scale, 0, 0, scale, 0, 0);
    const active = activeEllipse();
    if (!active) return;
    const { ellipse, region } = active;
    const effect = overlay.effect_type;
    // The render draws an enabled region only while start <= t < end.
    const rendered = region.enabled && state.time >= region.start_time && state.time < region.end_time;
    if (rendered) {
      const path = () => {
        context.beginPath();
        context.ellipse(ellipse.x, ellipse.y, ellipse.radius_x, ellipse.radius_y, 0, 0, Math.PI * 2);
      };
      context.save();
      if (effect === "yellow") {
        path();
        context.globalAlpha = clamp(ellipse.opacity, 0, 1);
        context.fillStyle = ellipse.color || "#FFFF00";
        context.fill();
      } else if (effect === "brightness") {
        path(); // v + (255 - v) * 0.35 is white over v at alpha 0.35
        context.globalAlpha = BRIGHTEN;
        context.fillStyle = "#FFFFFF";
        context.fill();
      } else {
        context.beginPath(); // v * 0.45 is black over v at alpha 0.55, outside the ellipse
        context.rect(0, 0, frame.width, frame.height);
        context.ellipse(ellipse.x, ellipse.y, ellipse.radius_x, ellipse.radius_y, 0, 0, Math.PI * 2);
        context.globalAlpha = 1 - DIM;
        context.fillStyle = "#000000";
        context.fill("evenodd");
      }
      context.restore();
    }
    if (state.playing) return;
    // guides (the editor's only, never rendered): a dashed outline and four handles
    const px = 1 / scale;
    context.save();
    context.lineWidth = 1.5 * px;
    context.setLineDash([5 * px, 4 * px]);
    context.strokeStyle = region.enabled ? "rgba(255,255,255,0.9)" : "rgba(255,255,255,0.45)";
    context.beginPath();
    context.ellipse(ellipse.x, ellipse.y, ellipse.radius_x, ellipse.radius_y, 0, 0, Math.PI * 2);
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = "#ffffff";
    context.strokeStyle = "#1b1f27";
    for (const [hx, hy] of handlePoints(ellipse)) {
      context.beginPath();
      context.rect(hx - 5 * px, hy - 5 * px, 10 * px, 10 * px);
      context.fill();
      context.stroke();
    }
    context.restore();
  }

  function handlePoints(e) {
    return [
      [e.x + e.radius_x, e.y, "e"],
      [e.x - e.radius_x, e.y, "w"],
      [e.x, e.y + e.radius_y, "s"],
      [e.x, e.y - e.radius_y, "n"],
    ];
  }

  const pct = (time) => `${(time / duration) * 100}%`;

  function renderTrack() {
    const parts = regions().map((r) => {
      const markers = r.keyframes.map((k) =>
        el("span", {
          class: "ov-kf",
          style: `left:${((k.time - r.start_time) / (r.end_time - r.start_time)) * 100}%`,
          title: `Keyframe at ${formatTime(k.time)}`,
          dataset: { time: k.time },
        }),
      );
      return el(
        "div",
        {
          class: `region${r.id === state.selectedRegion ? " selected" : ""}${r.enabled ? "" : " disabled"}`,
          dataset: { region: r.id },
          style: `left:${pct(r.start_time)};width:${pct(r.end_time - r.start_time)}`,
          title: `${formatTime(r.start_time)}–${formatTime(r.end_time)}${r.enabled ? "" : " (disabled)"}`,
        },
        el("span", { class: "region-edge start", dataset: { edge: "start" } }),
        markers,
        el("span", { class: "region-edge end", dataset: { edge: "end" } }),
      );
    });
    parts.push(el("div", { class: "playhead", style: `left:${pct(state.time)}` }));
    track.replaceChildren(...parts);
  }

  function renderSide() {
    const region = selected();
    const list = regions();
    regionInfo.textContent = region
      ? `${formatTime(region.start_time)}–${formatTime(region.end_time)} · ${region.keyframes.length} keyframe${region.keyframes.length === 1 ? "" : "s"}${region.enabled ? "" : " · disabled"}`
      : `${list.length} region${list.length === 1 ? "" : "s"}${list.length ? " · select one on the timeline" : ""}`;
    toggleButton.textContent = region && !region.enabled ? "Enable region" : "Disable region";
    toggleButton.disabled = !region || state.stale;
    deleteButton.disabled = !region || state.stale;
    addButton.disabled = state.stale;
    const index = regionIndexAt(state.time);
    const here = index >= 0 ? regions()[index] : null;
    deleteKeyButton.disabled = !here || here.keyframes.length < 2 || keyframeAt(here.keyframes, state.time, halfFrame) < 0 || state.stale;
    hint.textContent = here
      ? "Drag the ellipse onto the player; the handles set its width and height. Each change is a keyframe at the playhead."
      : "Move the playhead to where the player should stand out, then “Add region at playhead”.";
    effectGroup.querySelectorAll("input").forEach((input) => {
      input.checked = input.value === overlay.effect_type;
      input.disabled = state.stale;
    });
  }

  function renderTime() {
    timeLabel.textContent = `${formatTime(state.time)} / ${formatTime(duration)}`;
    playButton.textContent = state.playing ? "❚❚" : "▶";
    playButton.setAttribute("aria-label", state.playing ? "Pause" : "Play");
  }

  function render() {
    draw();
    renderTrack();
    renderSide();
    renderTime();
  }

  // --- seeking and playing ------------------------------------------------------------
  const videoUsable = () => video.readyState >= 1 && !video.error;
  function seek(time) {
    state.time = clamp(time, 0, duration);
    if (videoUsable() && Math.abs(video.currentTime - state.time) > 0.02) video.currentTime = state.time;
    render();
  }

  let lastTick = 0;
  function tick(now) {
    if (!state.playing) return;
    if (videoUsable() && !video.paused) state.time = video.currentTime;
    else state.time += (now - lastTick) / 1000;
    lastTick = now;
    if (state.time >= duration || (video.ended && videoUsable())) {
      state.time = Math.min(state.time, duration);
      pause();
      return;
    }
    draw();
    track.querySelector(".playhead").style.left = pct(state.time);
    renderTime();
    state.frameId = requestAnimationFrame(tick);
  }

  function play() {
    if (state.time >= duration - 0.05) seek(0);
    state.playing = true;
    lastTick = performance.now();
    if (videoUsable()) video.play().catch(() => {});
    render();
    state.frameId = requestAnimationFrame(tick);
  }

  function pause() {
    if (!state.playing) return;
    state.playing = false;
    cancelAnimationFrame(state.frameId);
    video.pause();
    render();
  }

  // --- pointer: the ellipse -----------------------------------------------------------
  canvas.addEventListener("pointerdown", (event) => {
    if (state.stale || event.button > 0) return;
    pause();
    const active = activeEllipse();
    if (!active) return;
    const box = canvas.getBoundingClientRect();
    const scale = box.width / frame.width;
    const fx = (event.clientX - box.left) / scale;
    const fy = (event.clientY - box.top) / scale;
    const start = { ...active.ellipse };
    const grab = 12 / scale;
    const handle = handlePoints(start).find(([hx, hy]) => Math.abs(hx - fx) <= grab && Math.abs(hy - fy) <= grab);
    const inside = ((fx - start.x) / start.radius_x) ** 2 + ((fy - start.y) / start.radius_y) ** 2 <= 1;
    if (!handle && !inside) return;
    state.selectedRegion = active.region.id;
    let moved = false;
    dragWith(event, {
      onMove: (dx, dy) => {
        moved = moved || Math.abs(dx) + Math.abs(dy) > 1;
        const mx = dx / scale;
        const my = dy / scale;
        const next = { ...start };
        if (!handle) {
          next.x = clamp(start.x + mx, 0, frame.width);
          next.y = clamp(start.y + my, 0, frame.height);
        } else {
          const side = handle[2];
          const minimum = frame.height * 0.01;
          if (side === "e") next.radius_x = clamp(start.radius_x + mx, minimum, frame.width);
          if (side === "w") next.radius_x = clamp(start.radius_x - mx, minimum, frame.width);
          if (side === "s") next.radius_y = clamp(start.radius_y + my, minimum, frame.height);
          if (side === "n") next.radius_y = clamp(start.radius_y - my, minimum, frame.height);
        }
        state.dragEllipse = next;
        draw();
      },
      onEnd: () => {
        const ellipse = state.dragEllipse;
        state.dragEllipse = null;
        if (moved && ellipse) commitEllipse(ellipse);
        else render();
      },
    });
  });
  canvas.addEventListener("pointermove", (event) => {
    if (event.buttons) return;
    const active = activeEllipse();
    if (!active || state.playing) {
      canvas.style.cursor = "default";
      return;
    }
    const box = canvas.getBoundingClientRect();
    const scale = box.width / frame.width;
    const fx = (event.clientX - box.left) / scale;
    const fy = (event.clientY - box.top) / scale;
    const e = active.ellipse;
    const handle = handlePoints(e).find(([hx, hy]) => Math.abs(hx - fx) <= 12 / scale && Math.abs(hy - fy) <= 12 / scale);
    const inside = ((fx - e.x) / e.radius_x) ** 2 + ((fy - e.y) / e.radius_y) ** 2 <= 1;
    canvas.style.cursor = handle ? (handle[2] === "e" || handle[2] === "w" ? "ew-resize" : "ns-resize") : inside ? "move" : "default";
  });

  // --- pointer: the timeline ----------------------------------------------------------
  track.addEventListener("pointerdown", (event) => {
    if (event.button > 0) return;
    pause();
    const box = track.getBoundingClientRect();
    const timeAtX = (clientX) => clamp(((clientX - box.left) / box.width) * duration, 0, duration);
    const regionNode = event.target.closest(".region");
    const edge = event.target.closest(".region-edge");
    if (regionNode && edge && !state.stale) {
      const id = regionNode.dataset.region;
      state.selectedRegion = id;
      const side = edge.dataset.edge;
      let changed = null;
      dragWith(event, {
        onMove: (dx, dy, e) => {
          changed = resizeRegion(id, side, timeAtX(e.clientX));
          overlay.regions = changed;
          const region = changed.find((r) => r.id === id);
          state.time = side === "start" ? region.start_time : Math.max(region.start_time, region.end_time - 1 / fps);
          render();
        },
        onEnd: () => {
          if (changed) editRegions(changed);
          seek(state.time);
        },
      });
      return;
    }
    if (regionNode) state.selectedRegion = regionNode.dataset.region;
    else state.selectedRegion = null;
    const marker = event.target.closest(".ov-kf");
    seek(marker ? Number(marker.dataset.time) : timeAtX(event.clientX));
    dragWith(event, { onMove: (dx, dy, e) => Math.abs(dx) > 2 && seek(timeAtX(e.clientX)) });
  });

  effectGroup.addEventListener("change", (event) => {
    if (state.stale) return;
    overlay.effect_type = event.target.value;
    saver.queue({ effect_type: overlay.effect_type });
    render();
  });
  addButton.addEventListener("click", addRegion);
  toggleButton.addEventListener("click", toggleRegion);
  deleteButton.addEventListener("click", deleteRegion);
  deleteKeyButton.addEventListener("click", deleteKeyframe);
  playButton.addEventListener("click", () => (state.playing ? pause() : play()));
  video.addEventListener("loadeddata", () => draw());

  const onKey = (event) => {
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    if (event.key === " " && !event.target.closest("button")) {
      event.preventDefault();
      if (state.playing) pause();
      else play();
    } else if ((event.key === "Delete" || event.key === "Backspace") && selected()) {
      event.preventDefault();
      deleteRegion();
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && !event.target.closest("button")) {
      event.preventDefault();
      pause();
      seek(state.time + (event.key === "ArrowLeft" ? -1 : 1) / fps);
    }
  };
  document.addEventListener("keydown", onKey);
  const resizeObserver = new ResizeObserver(() => draw());
  resizeObserver.observe(stage);

  render();
  exportPanel.resume();
  root.overlayEditor = { state, overlay, seek: (t) => seek(t), activeEllipse, frame };

  return async () => {
    pause();
    document.removeEventListener("keydown", onKey);
    resizeObserver.disconnect();
    exportPanel.destroy();
    video.removeAttribute("src");
    video.load();
    await saver.flush();
  };
}

function roundEllipse(e) {
  return {
    x: round(e.x, 2),
    y: round(e.y, 2),
    radius_x: round(e.radius_x, 2),
    radius_y: round(e.radius_y, 2),
    opacity: round(e.opacity, 4),
  };
}
