// The overlay editor, as wiring: the framed (working) video with the highlight drawn
// over it as the renderer draws it (../ellipse.js: the effect's layers, the ellipse
// at a time), regions edited by ../regions.js (the rules of exports/region_edits.py),
// the shared transport, keys and teardown (../editor-kit.js), effects and highlight
// defaults from the vocabulary; versioned autosave; the overlay export; and, when
// the framing changed after the framed video was exported, a banner with "Export
// again" and "Discard changes".

import { Autosaver, Disposer, ExportPanel, SaveIndicator, Transport, bindKeys, dragWith, staleBanner, timeAtX } from "../editor-kit.js";
import { ellipseAt, previewLayers } from "../ellipse.js";
import * as edits from "../regions.js";
import { clamp, clock, el } from "../ui.js";
import { vocabulary } from "../vocabulary.js";

const SIZE_RANGE = { min: 0.02, max: 0.5, step: 0.01 }; // the size slider: radius_y as a share of the frame height
const GRAB_PX = 14; // how near (screen pixels) a handle or a region's edge can be grabbed

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

  const highlight = vocabulary.highlight;
  const rules = vocabulary.limits;
  const frame = overlay.frame; // the framed video's size: the regions' coordinates
  const duration = project.working_video.duration;
  const fps = project.working_video.fps; // probed by the export
  const tolerance = fps ? 0.5 / fps : 0; // "at the playhead": within half a frame
  const disposer = new Disposer();
  const state = { selected: null, dragEllipse: null, stale: false, sizeBase: null };

  // --- saving -------------------------------------------------------------------------
  const indicator = new SaveIndicator(root.querySelector("#save-state"), staleBanner());
  const saver = new Autosaver({
    indicator,
    onStale: () => {
      state.stale = true;
      render();
      exportPanel.refresh();
    },
    onError: (error) => say(error.message, "error"),
    send: async (changes) => {
      const fresh = await shell.api("PUT", `/api/projects/${projectId}/overlay`, { version: overlay.version, ...changes });
      overlay.version = fresh.version;
    },
  });

  // --- the DOM ------------------------------------------------------------------------
  const video = el("video", {
    class: "working-video", playsinline: true, preload: "auto",
    src: `/api/projects/${projectId}/working-video/file?v=${project.working_video.version}`,
  });
  const transport = new Transport(video, { fps, duration });
  disposer.add(() => transport.destroy());
  const canvas = el("canvas", { id: "overlay-canvas", class: "overlay-canvas", "aria-label": "Highlight ellipse: drag it onto the player" });
  const stage = el("div", { id: "overlay-stage", class: "stage framed" }, video, canvas);
  stage.style.aspectRatio = `${frame.width} / ${frame.height}`;
  const stageWrap = el("div", { class: "stage-wrap" }, stage);
  stageWrap.style.setProperty("--source-ratio", String(frame.width / frame.height));

  const button = (id, text, attrs = {}) => el("button", { type: "button", id, class: "button", text, ...attrs });
  const playButton = button("play", "▶", { class: "button icon-button", "aria-label": "Play" });
  const backButton = button("frame-back", "‹", { class: "button icon-button", "aria-label": "One frame back", disabled: !fps });
  const forwardButton = button("frame-forward", "›", { class: "button icon-button", "aria-label": "One frame forward", disabled: !fps });
  const muteButton = button("mute", "Sound on", { "aria-pressed": "false", title: "Mute or unmute the sound" });
  const timeLabel = el("span", { id: "time-label", class: "time-label" });
  const controls = el("div", { class: "transport" }, backButton, playButton, forwardButton, timeLabel, el("span", { class: "spacer" }), muteButton);
  const track = el("div", { id: "overlay-track", class: "track regions-track", role: "slider", tabindex: "0", "aria-label": "Highlight regions" });
  const hint = el("p", { class: "hint muted" });

  const effectGroup = el(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": "Effect" },
    vocabulary.effects.map(({ value, label }) =>
      el(
        "label",
        { class: "segment-choice" },
        el("input", { type: "radio", name: "effect", value, id: `effect-${value}`, checked: overlay.effect_type === value }),
        el("span", { text: label }),
      ),
    ),
  );
  const addButton = button("add-region", "Add region at playhead");
  const toggleButton = button("toggle-region", "Disable region");
  const deleteButton = button("delete-region", "Delete region", { class: "button danger-button" });
  const deleteKeyButton = button("delete-keyframe", "Delete keyframe");
  const regionInfo = el("p", { id: "region-info", class: "muted" });
  const message = el("p", { id: "overlay-message", class: "overlay-message", role: "status" });
  const colourInput = el("input", { type: "color", id: "highlight-colour", value: highlight.color.toLowerCase() });
  const opacityInput = el("input", { type: "range", id: "highlight-opacity", min: "0", max: "1", step: "0.05" });
  const opacityLabel = el("output", { for: "highlight-opacity", class: "style-value" });
  const sizeInput = el("input", { type: "range", id: "highlight-size", min: String(SIZE_RANGE.min), max: String(SIZE_RANGE.max), step: String(SIZE_RANGE.step) });
  const sizeLabel = el("output", { for: "highlight-size", class: "style-value" });
  const styleRows = el(
    "div",
    { class: "style-rows" },
    el("label", { class: "style-row", for: "highlight-colour" }, el("span", { text: "Colour" }), colourInput),
    el("label", { class: "style-row", for: "highlight-opacity" }, el("span", { text: "Strength" }), opacityInput, opacityLabel),
    el("label", { class: "style-row", for: "highlight-size" }, el("span", { text: "Size" }), sizeInput, sizeLabel),
  );

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
  disposer.add(() => exportPanel.destroy());

  const framingBanner = framingChangedBanner();

  host.replaceChildren(
    indicator.banner,
    framingBanner,
    el(
      "div",
      { class: "editor-grid overlay-grid" },
      el("div", { class: "editor-main" }, stageWrap, controls, track, hint),
      el(
        "aside",
        { class: "editor-side" },
        el(
          "section",
          { class: "panel regions-panel" },
          el("h2", { text: "Highlight" }),
          regionInfo,
          el("div", { class: "button-row" }, addButton, toggleButton, deleteButton, deleteKeyButton),
          styleRows,
          message,
        ),
        el("section", { class: "panel effect-panel" }, el("h2", { text: "Effect" }), effectGroup),
        el(
          "section",
          { class: "panel export-side" },
          el("h2", { text: "Export" }),
          exportPanel.root,
          el("a", { href: `/projects/${projectId}/`, class: "muted-link", text: "← Back to framing" }),
        ),
      ),
    ),
  );
  host.removeAttribute("aria-busy");

  // --- what the page says (refusals, results): in the panel, never over it ---------------
  function say(text, kind = "info") {
    message.textContent = text;
    message.dataset.kind = kind;
  }

  // --- framing changed since its export ------------------------------------------------
  function framingChangedBanner() {
    const text = el("span", {
      class: "framing-banner-text",
      text: "The framing changed after this video was exported: these highlights sit on the old framing. Export it again, or go back to the exported framing.",
    });
    const exportAgain = button("framing-export-again", "Export again", { class: "button primary-button" });
    const discard = button("framing-discard", "Discard changes");
    const status = el("span", { class: "framing-banner-status", role: "status" });
    const banner = el(
      "div",
      { id: "framing-changed", class: "framing-banner", role: "alert", hidden: !project.framing_changed_since_export },
      text,
      el("div", { class: "button-row" }, exportAgain, discard),
      status,
    );
    exportAgain.addEventListener("click", async () => {
      exportAgain.disabled = discard.disabled = true;
      try {
        await saver.flush();
        const type = project.clips.length > 1 ? "multi_clip" : "framing";
        const job = await shell.api("POST", "/api/exports", { project_id: projectId, type });
        status.textContent = "Exporting the framing… this page reloads the new framed video when it is done.";
        const finish = async () => {
          const fresh = await shell.api("GET", `/api/exports/${job.job_id}`);
          if (fresh.status === "complete") window.location.reload();
          else if (fresh.status === "error" || fresh.status === "cancelled") {
            status.textContent = fresh.error || "The framing export did not finish.";
            exportAgain.disabled = discard.disabled = false;
          } else disposer.timeout(finish, 3000);
        };
        disposer.timeout(finish, 3000);
      } catch (error) {
        status.textContent = error.message;
        exportAgain.disabled = discard.disabled = false;
      }
    });
    discard.addEventListener("click", async () => {
      exportAgain.disabled = discard.disabled = true;
      try {
        const fresh = await shell.api("POST", `/api/projects/${projectId}/framing/discard`, { version: project.version });
        Object.assign(project, fresh);
        banner.hidden = true;
        say("The framing is back as it was exported.");
      } catch (error) {
        if (error.data && error.data.current) project.version = error.data.current.version;
        status.textContent = error.message;
        exportAgain.disabled = discard.disabled = false;
      }
    });
    return banner;
  }

  // --- regions ------------------------------------------------------------------------
  const regions = () => overlay.regions;
  const selected = () => regions().find((r) => r.id === state.selected) || null;
  const now = () => transport.time;
  /** The region under the playhead for editing (its end counts too, so its last keyframe can be edited). */
  const regionHere = () => {
    const index = edits.regionAt(regions(), now(), tolerance);
    return index >= 0 ? regions()[index] : null;
  };

  /** Apply an edit's result: new regions are saved; a refusal is said. */
  function apply(result, { select } = {}) {
    if (state.stale) return false;
    if (result.error) {
      say(result.error, "error");
      return false;
    }
    say("");
    overlay.regions = result.regions;
    if (select !== undefined) state.selected = select;
    saver.queue({ regions: overlay.regions });
    render();
    return true;
  }

  function addRegion(at = now()) {
    const before = regions().filter((r) => r.end_time <= at).pop();
    const look = before ? ellipseAt(before, before.end_time, highlight) : edits.defaultEllipse(frame.width, frame.height, highlight);
    const id = `region-${Date.now().toString(36)}`;
    const result = edits.addRegion(regions(), at, { duration, ellipse: rounded(look), id, rules });
    if (result.error) {
      const hit = edits.regionAt(regions(), at);
      if (hit >= 0) state.selected = regions()[hit].id;
      render();
    }
    if (apply(result, { select: id })) transport.seek(result.regions.find((r) => r.id === id).start_time);
  }

  function toggleRegion() {
    const region = selected();
    if (region) apply(edits.setEnabled(regions(), region.id, !region.enabled));
  }

  function deleteRegion() {
    const region = selected();
    if (region) apply(edits.deleteRegion(regions(), region.id), { select: null });
  }

  function deleteKeyframe() {
    const region = regionHere();
    if (region) apply(edits.dropKeyframe(regions(), region.id, now(), { tolerance }));
  }

  function commitEllipse(region, ellipse) {
    apply(edits.putEllipse(regions(), region.id, now(), rounded(ellipse), { tolerance }), { select: region.id });
  }

  // --- style: colour, strength, size of the selected region -------------------------------
  const styled = () => selected() || regionHere();
  function restyle(style, base = regions()) {
    const region = styled();
    if (region) apply(edits.restyleRegion(base, region.id, style), { select: region.id });
  }
  disposer.listen(colourInput, "input", () => restyle({ color: colourInput.value }));
  disposer.listen(opacityInput, "input", () => restyle({ opacity: Number(opacityInput.value) }));
  disposer.listen(sizeInput, "input", () => {
    const region = styled();
    if (!region) return;
    // scale from where this slide started, so rounding does not compound
    if (!state.sizeBase) state.sizeBase = { regions: regions(), size: sizeOf(region) };
    restyle({ scale: Number(sizeInput.value) / state.sizeBase.size }, state.sizeBase.regions);
  });
  disposer.listen(sizeInput, "change", () => (state.sizeBase = null));
  const sizeOf = (region) => ellipseAt(region, now(), highlight).radius_y / frame.height;

  // --- drawing: the render's effect, then the editing guides ----------------------------
  function activeEllipse() {
    const region = regionHere();
    if (!region) return null;
    return { region, ellipse: state.dragEllipse || ellipseAt(region, now(), highlight) };
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
    const path = () => context.ellipse(ellipse.x, ellipse.y, ellipse.radius_x, ellipse.radius_y, 0, 0, Math.PI * 2);
    // The render draws an enabled region only while start <= t < end.
    if (region.enabled && now() >= region.start_time && now() < region.end_time) {
      const { inside, outside } = previewLayers(overlay.effect_type, ellipse, highlight);
      context.save();
      if (inside) {
        context.beginPath();
        path();
        context.globalAlpha = clamp(inside.alpha, 0, 1);
        context.fillStyle = inside.colour;
        context.fill();
      }
      if (outside) {
        context.beginPath();
        context.rect(0, 0, frame.width, frame.height);
        path();
        context.globalAlpha = clamp(outside.alpha, 0, 1);
        context.fillStyle = outside.colour;
        context.fill("evenodd");
      }
      context.restore();
    }
    if (transport.playing) return;
    // guides (the editor's only, never rendered): a dashed outline and four handles
    const px = 1 / scale;
    context.save();
    context.lineWidth = 1.5 * px;
    context.setLineDash([5 * px, 4 * px]);
    context.strokeStyle = region.enabled ? "rgba(255,255,255,0.9)" : "rgba(255,255,255,0.45)";
    context.beginPath();
    path();
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = "#ffffff";
    context.strokeStyle = "#1b1f27";
    const half = (window.matchMedia("(pointer: coarse)").matches ? 9 : 5) * px;
    for (const [hx, hy] of handlePoints(ellipse)) {
      context.beginPath();
      context.rect(hx - half, hy - half, 2 * half, 2 * half);
      context.fill();
      context.stroke();
    }
    context.restore();
  }

  const handlePoints = (e) => [
    [e.x + e.radius_x, e.y, "e"],
    [e.x - e.radius_x, e.y, "w"],
    [e.x, e.y + e.radius_y, "s"],
    [e.x, e.y - e.radius_y, "n"],
  ];

  const pct = (time) => `${(time / duration) * 100}%`;

  function renderTrack() {
    const parts = regions().map((r) =>
      el(
        "div",
        {
          class: `region${r.id === state.selected ? " selected" : ""}${r.enabled ? "" : " disabled"}`,
          dataset: { region: r.id },
          style: `left:${pct(r.start_time)};width:${pct(r.end_time - r.start_time)}`,
          title: `${clock(r.start_time, { tenths: true })}–${clock(r.end_time, { tenths: true })}${r.enabled ? "" : " (disabled)"}`,
        },
        el("span", { class: "region-edge start", dataset: { edge: "start" }, "aria-label": "Region start: drag to resize" }),
        r.keyframes.map((k) =>
          el("span", {
            class: "ov-kf",
            style: `left:${((k.time - r.start_time) / (r.end_time - r.start_time)) * 100}%`,
            title: `Keyframe at ${clock(k.time, { tenths: true })}`,
            dataset: { time: k.time },
          }),
        ),
        el("span", { class: "region-edge end", dataset: { edge: "end" }, "aria-label": "Region end: drag to resize" }),
      ),
    );
    parts.push(el("div", { class: "playhead", style: `left:${pct(now())}` }));
    track.replaceChildren(...parts);
  }

  function renderSide() {
    const region = selected();
    const list = regions();
    const span = (r) => `${clock(r.start_time, { tenths: true })}–${clock(r.end_time, { tenths: true })}`;
    regionInfo.textContent = region
      ? `${span(region)} · ${region.keyframes.length} keyframe${region.keyframes.length === 1 ? "" : "s"}${region.enabled ? "" : " · disabled"}`
      : `${list.length} region${list.length === 1 ? "" : "s"}${list.length ? " · click one on the timeline to select it" : ""}`;
    toggleButton.textContent = region && !region.enabled ? "Enable region" : "Disable region";
    toggleButton.disabled = !region || state.stale;
    deleteButton.disabled = !region || state.stale;
    addButton.disabled = state.stale;
    const here = regionHere();
    const onKeyframe = here && here.keyframes.some((k) => Math.abs(k.time - now()) <= tolerance);
    deleteKeyButton.disabled = !here || here.keyframes.length < 2 || !onKeyframe || state.stale;
    hint.textContent = here
      ? "Drag the ellipse onto the player; the handles set its width and height. Each change is a keyframe at the playhead."
      : "Move the playhead to where the player should stand out, then “Add region at playhead” (or double-click the timeline).";
    const styledRegion = styled();
    styleRows.hidden = !styledRegion; // the look of a region: shown once there is one to change
    for (const input of [colourInput, opacityInput, sizeInput]) input.disabled = !styledRegion || state.stale;
    const look = styledRegion ? ellipseAt(styledRegion, now(), highlight) : { ...edits.defaultEllipse(frame.width, frame.height, highlight) };
    if (document.activeElement !== colourInput) colourInput.value = look.color.toLowerCase();
    if (document.activeElement !== opacityInput) opacityInput.value = String(look.opacity);
    opacityLabel.textContent = `${Math.round(look.opacity * 100)} %`;
    if (!state.sizeBase) sizeInput.value = String(look.radius_y / frame.height);
    sizeLabel.textContent = `${Math.round((look.radius_y / frame.height) * 100)} %`;
    effectGroup.querySelectorAll("input").forEach((input) => {
      input.checked = input.value === overlay.effect_type;
      input.disabled = state.stale;
    });
  }

  function renderTime() {
    timeLabel.textContent = `${clock(now(), { tenths: true })} / ${clock(duration, { tenths: true })}`;
    playButton.textContent = transport.playing ? "❚❚" : "▶";
    playButton.setAttribute("aria-label", transport.playing ? "Pause" : "Play");
  }

  function render() {
    draw();
    renderTrack();
    renderSide();
    renderTime();
  }

  // --- pointer: the ellipse (mouse, pen, touch) ----------------------------------------
  function framePoint(event) {
    const box = canvas.getBoundingClientRect();
    const scale = box.width / frame.width;
    return { x: (event.clientX - box.left) / scale, y: (event.clientY - box.top) / scale, scale };
  }

  function ellipseTarget(ellipse, point) {
    const grab = GRAB_PX / point.scale;
    const handle = handlePoints(ellipse).find(([hx, hy]) => Math.abs(hx - point.x) <= grab && Math.abs(hy - point.y) <= grab);
    const inside = ((point.x - ellipse.x) / ellipse.radius_x) ** 2 + ((point.y - ellipse.y) / ellipse.radius_y) ** 2 <= 1;
    return handle ? handle[2] : inside ? "move" : null;
  }

  disposer.listen(canvas, "pointerdown", (event) => {
    if (state.stale || event.button > 0) return;
    transport.pause();
    const active = activeEllipse();
    if (!active) return;
    const point = framePoint(event);
    const start = { ...active.ellipse };
    const target = ellipseTarget(start, point);
    if (!target) return;
    state.selected = active.region.id;
    let moved = false;
    dragWith(event, {
      onMove: (dx, dy) => {
        moved = moved || Math.abs(dx) + Math.abs(dy) > 1;
        const mx = dx / point.scale;
        const my = dy / point.scale;
        const next = { ...start };
        const minimum = frame.height * 0.01;
        if (target === "move") {
          next.x = clamp(start.x + mx, 0, frame.width);
          next.y = clamp(start.y + my, 0, frame.height);
        } else if (target === "e") next.radius_x = clamp(start.radius_x + mx, minimum, frame.width);
        else if (target === "w") next.radius_x = clamp(start.radius_x - mx, minimum, frame.width);
        else if (target === "s") next.radius_y = clamp(start.radius_y + my, minimum, frame.height);
        else if (target === "n") next.radius_y = clamp(start.radius_y - my, minimum, frame.height);
        state.dragEllipse = next;
        draw();
      },
      onEnd: () => {
        const ellipse = state.dragEllipse;
        state.dragEllipse = null;
        if (moved && ellipse) commitEllipse(active.region, ellipse);
        else render();
      },
    });
  });
  disposer.listen(canvas, "pointermove", (event) => {
    if (event.buttons) return;
    const active = transport.playing ? null : activeEllipse();
    const target = active ? ellipseTarget(active.ellipse, framePoint(event)) : null;
    canvas.style.cursor = { e: "ew-resize", w: "ew-resize", n: "ns-resize", s: "ns-resize", move: "move" }[target] || "default";
  });

  // --- pointer: the timeline ------------------------------------------------------------
  const span = { start: 0, end: duration };
  const timeAt = (clientX) => timeAtX(track, clientX, span);
  const secondsPerPixel = () => duration / Math.max(1, track.getBoundingClientRect().width);

  disposer.listen(track, "pointerdown", (event) => {
    if (event.button > 0) return;
    transport.pause();
    const regionNode = event.target.closest(".region");
    const edge = event.target.closest(".region-edge");
    const marker = event.target.closest(".ov-kf");
    const clicked = timeAt(event.clientX);
    if (regionNode && (edge || !marker) && !state.stale) {
      // an edge resizes, the body moves; a click without a drag selects the region
      const id = regionNode.dataset.region;
      const base = regions();
      const region = base.find((r) => r.id === id);
      const side = edge ? edge.dataset.edge : null;
      state.selected = id;
      let moved = false;
      let result = null;
      dragWith(event, {
        onMove: (dx, dy, e) => {
          moved = moved || Math.abs(dx) > 3;
          if (!moved) return;
          result = side
            ? edits.resizeRegion(base, id, side, timeAt(e.clientX), { duration, rules })
            : edits.moveRegion(base, id, region.start_time + (timeAt(e.clientX) - clicked), { duration });
          if (result.error) return;
          overlay.regions = result.regions;
          const moving = result.regions.find((r) => r.id === id);
          transport.seek(side === "end" ? Math.max(moving.start_time, moving.end_time - (fps ? 1 / fps : 0)) : moving.start_time);
        },
        onEnd: () => {
          if (moved && result) apply(result, { select: id });
          else transport.seek(side === "end" ? region.end_time - (fps ? 1 / fps : 0) : side === "start" ? region.start_time : clicked);
          render();
        },
      });
      return;
    }
    // the empty track (or a keyframe marker): seek; a click at a region's start selects that region
    const index = edits.regionAt(regions(), clicked, GRAB_PX * secondsPerPixel());
    state.selected = index >= 0 ? regions()[index].id : null;
    const near = index >= 0 ? regions()[index] : null;
    const snapped = near && Math.abs(near.start_time - clicked) <= GRAB_PX * secondsPerPixel() ? near.start_time : clicked;
    transport.seek(marker ? Number(marker.dataset.time) : snapped);
    dragWith(event, { onMove: (dx, dy, e) => Math.abs(dx) > 2 && transport.seek(timeAt(e.clientX)) });
  });
  disposer.listen(track, "dblclick", (event) => {
    if (event.target.closest(".region")) return;
    addRegion(timeAt(event.clientX));
  });

  disposer.listen(effectGroup, "change", (event) => {
    if (state.stale) return;
    overlay.effect_type = event.target.value;
    saver.queue({ effect_type: overlay.effect_type });
    render();
  });
  disposer.listen(addButton, "click", () => addRegion());
  disposer.listen(toggleButton, "click", toggleRegion);
  disposer.listen(deleteButton, "click", deleteRegion);
  disposer.listen(deleteKeyButton, "click", deleteKeyframe);
  disposer.listen(playButton, "click", () => transport.toggle());
  disposer.listen(backButton, "click", () => transport.step(-1));
  disposer.listen(forwardButton, "click", () => transport.step(1));
  disposer.listen(muteButton, "click", () => {
    transport.muted = !transport.muted;
    muteButton.textContent = transport.muted ? "Sound off" : "Sound on";
    muteButton.setAttribute("aria-pressed", String(transport.muted));
  });
  disposer.listen(video, "loadeddata", () => draw());
  disposer.listen(video, "seeked", () => draw());
  disposer.subscribe(transport.on("time", () => {
    if (transport.playing) {
      draw();
      const head = track.querySelector(".playhead");
      if (head) head.style.left = pct(now());
      renderTime();
    } else render();
  }));
  disposer.subscribe(transport.on("pause", () => render()));
  disposer.subscribe(
    bindKeys(document, {
      " ": () => transport.toggle(),
      ArrowLeft: () => (fps ? transport.step(-1) : false),
      ArrowRight: () => (fps ? transport.step(1) : false),
      Delete: () => (selected() ? deleteRegion() : false),
      Backspace: () => (selected() ? deleteRegion() : false),
    }),
  );
  const resizeObserver = new ResizeObserver(() => draw());
  resizeObserver.observe(stage);
  disposer.add(() => resizeObserver.disconnect());

  render();
  exportPanel.resume();
  root.overlayEditor = { state, overlay, project, transport, seek: (t) => transport.seek(t), activeEllipse, frame, flush: () => saver.flush() };

  return async () => {
    disposer.dispose();
    video.removeAttribute("src");
    video.load();
    await saver.flush();
  };
}

/** An ellipse as stored: pixels to the hundredth, opacity to four places. */
function rounded(e) {
  return {
    x: edits.rounded(e.x, 2),
    y: edits.rounded(e.y, 2),
    radius_x: edits.rounded(e.radius_x, 2),
    radius_y: edits.rounded(e.radius_y, 2),
    opacity: edits.rounded(e.opacity, 4),
    color: e.color,
  };
}
