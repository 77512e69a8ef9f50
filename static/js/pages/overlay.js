// The overlay editor, as wiring: the framed (working) video under the highlight
// canvas (../highlight-stage.js: the renderer's effect via ../ellipse.js, and the
// ellipse dragged), the regions' timeline (../regions-track.js), every region edit
// by ../regions.js (the rules of exports/region_edits.py), the shared transport,
// keys and teardown (../editor-kit.js), effects and highlight defaults from the
// vocabulary; versioned autosave; the overlay export; and the banner when the
// framing changed after the framed video was exported (../framing-banner.js); Follow
// player (../follow.js): the box drawn on the framed video is posted in its pixels (the
// server takes it to its clip through the framing that video was rendered from), and the
// proposed highlight, previewed on the stage, is added to the regions as one edit
// (undoable until the regions are edited again); clips tracked before offer their path.

import { Autosaver, Disposer, ExportPanel, SaveIndicator, Transport, bindKeys, staleBanner } from "../editor-kit.js";
import { ellipseAt } from "../ellipse.js";
import { followControl, mergeRegions } from "../follow.js";
import { framingBanner } from "../framing-banner.js";
import { highlightStage } from "../highlight-stage.js";
import * as edits from "../regions.js";
import { regionsTrack } from "../regions-track.js";
import { interpolateKeyframes } from "../timeline.js";
import { clock, el } from "../ui.js";
import { vocabulary } from "../vocabulary.js";

const SIZE_RANGE = { min: 0.02, max: 0.5, step: 0.01 }; // the size slider: radius_y as a share of the frame height

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
  const state = { selected: null, stale: false, sizeBase: null };

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
  const follow = followControl(
    {
      shell, stage,
      editable: () => !state.stale,
      locate: (rect) => ({
        path: `/api/projects/${projectId}/overlay/tracks`,
        time: now(),
        box: { x: rect.x * frame.width, y: rect.y * frame.height, width: rect.width * frame.width, height: rect.height * frame.height },
      }),
      projectClipOf: (clipId) => (project.clips.find((pc) => pc.clip.id === clipId) || {}).id ?? null,
      proposalPath: (pcId) => `/api/projects/${projectId}/clips/${pcId}/follow?target=overlay`,
      onGrab: () => transport.pause(),
      onChange: () => render(),
      onAccept: async (proposal) => {
        const before = regions();
        if (!apply({ regions: mergeRegions(before, proposal.framed_regions) })) throw new Error("Not added: reload first.");
        return async () => {
          if (!apply({ regions: before })) throw new Error("Not put back: reload first.");
        };
      },
      onSeek: (time) => transport.seek(time),
    },
    disposer,
  );
  const controls = el(
    "div",
    { class: "transport" },
    backButton, playButton, forwardButton, timeLabel, el("span", { class: "spacer" }), muteButton,
    el("div", { class: "transport-group follow-group" }, follow.controls),
  );
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

  const banner = framingBanner(
    { shell, project, beforeExport: () => saver.flush(), onDiscarded: () => say("The framing is back as it was exported.") },
    disposer,
  );

  host.replaceChildren(
    indicator.banner,
    banner,
    el(
      "div",
      { class: "editor-grid overlay-grid" },
      el("div", { class: "editor-main" }, stageWrap, controls, follow.status, track, hint),
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
          // Highlights of these clips that this project's trims leave out (they stay on the clip).
          overlay.notes && overlay.notes.length ? el("p", { id: "overlay-notes", class: "hint muted" }, overlay.notes.join(" ")) : null,
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
    follow.edited();
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

  // --- the canvas and the timeline ---------------------------------------------------
  const drawn = (region) => region.enabled && now() >= region.start_time && now() < region.end_time;
  function activeEllipse() {
    const region = regionHere();
    return region ? { region, ellipse: ellipseAt(region, now(), highlight), drawn: drawn(region) } : null;
  }
  const highlightCanvas = highlightStage(
    canvas,
    {
      frame,
      highlight,
      active: activeEllipse,
      effect: () => overlay.effect_type,
      guides: () => !transport.playing,
      onGrab: (region) => {
        if (state.stale) return false;
        transport.pause();
        state.selected = region.id;
        return true;
      },
      onCommit: commitEllipse,
    },
    disposer,
  );
  const draw = () => {
    highlightCanvas.draw();
    drawFollow();
  };
  const timeline = regionsTrack(
    track,
    {
      duration,
      fps,
      rules,
      regions,
      selected: () => state.selected,
      editable: () => !state.stale,
      onSelect: (id) => {
        transport.pause();
        state.selected = id;
      },
      onSeek: (time) => transport.seek(time),
      onPreview: (list) => (overlay.regions = list),
      onCommit: (result) => apply(result),
      onAdd: (time) => addRegion(time),
      lostSpans: () => follow.lost(null, "framed_lost_spans"),
      onLost: (span) => follow.armResume(span, span.start_time),
    },
    disposer,
  );

  // --- following the player ---------------------------------------------------------------
  /** The proposed ellipse at the playhead, outlined on the stage. */
  function drawFollow() {
    const proposal = follow.proposal(null);
    const t = now();
    const region = proposal && proposal.framed_regions.find((r) => t >= r.start_time && t < r.end_time);
    if (!region) return follow.showPreview(null);
    const e = interpolateKeyframes(region.keyframes, ["x", "y", "radius_x", "radius_y"], [t]);
    const [x, y, rx, ry] = [e.x[0], e.y[0], e.radius_x[0], e.radius_y[0]];
    follow.showPreview({ x: (x - rx) / frame.width, y: (y - ry) / frame.height, width: (2 * rx) / frame.width, height: (2 * ry) / frame.height }, "ellipse");
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
    timeline.render(now());
    renderSide();
    renderTime();
  }

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
      timeline.playhead(now());
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

  render();
  exportPanel.resume();
  follow.offer(project.clips.map((pc) => ({ projectClipId: pc.id, clipId: pc.clip.id })));
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
