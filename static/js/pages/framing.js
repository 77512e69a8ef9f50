// The framing editor, as wiring: each clip's game video under a crop box of the
// project's shape, keyframed in time, zoomed and panned (../crop-stage.js, the
// rectangle the renderer cuts by ../crop.js); the clip's timeline of keyframes,
// trims, splits and filmstrip (../framing-timeline.js, the rules of ../segments.js);
// the live preview of the framed result (../framing-preview.js); the side panels
// for the clips and their transition, the segments and the project's slow motion,
// and the keyframes (../framing-panels.js); the shared transport, keys and teardown
// (../editor-kit.js); versioned autosave; the export with its choices; Follow player
// (../follow.js): the proposed crop path outlined on the stage, accepted as the clip's
// crop keyframes (one edit, autosaved) with its highlight added to the clip's highlight,
// undoable until the crop is edited again; a clip tracked before offers its path.

import { aspectValue, cropAt, defaultCrop, fitBox } from "../crop.js";
import { cropStage } from "../crop-stage.js";
import { Autosaver, Disposer, ExportPanel, SaveIndicator, Transport, bindKeys, staleBanner } from "../editor-kit.js";
import { followControl, mergeRegions } from "../follow.js";
import { clipsPanel, keyframesPanel, segmentsPanel } from "../framing-panels.js";
import { framingPreview } from "../framing-preview.js";
import { framingTimeline } from "../framing-timeline.js";
import { keyframeAt, upsertKeyframe } from "../timeline.js";
import { clamp, clock, el } from "../ui.js";
import { vocabulary } from "../vocabulary.js";

const round = (value, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

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
  const minSegment = (vocabulary.limits || {}).min_segment_seconds;

  const disposer = new Disposer();
  const state = {
    index: Math.max(0, project.clips.findIndex((pc) => pc.id === data.clip || pc.clip.id === data.clip)),
    selected: null, // index of the selected crop keyframe
    stale: false,
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
    stage.lock();
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
  const halfFrame = () => 0.5 / (fps() || 1000);
  const editable = () => !state.stale;

  // --- the pieces -----------------------------------------------------------------------
  const video = el("video", { class: "source-video", playsinline: true, preload: "auto" });
  const transport = new Transport(video, { fps, duration, offset: () => current().clip.start_time, segments: () => current().segments });
  disposer.add(() => transport.destroy());
  const seek = (time) => transport.seek(time); // its "time" event redraws

  const preview = framingPreview(video, { aspectRatio: project.aspect_ratio, aspect, source, rect: () => stage.rect() }, disposer);
  const stage = cropStage(
    video,
    {
      source, aspect, boxAt, editable,
      time: () => transport.time,
      onKeyframe: () => keyframeAt(current().crop_keyframes, transport.time, halfFrame()) >= 0,
      onGrab: () => transport.pause(),
      onCommit: (rect) => commitRect(rect),
      onDraw: () => {
        preview.draw();
        drawFollow();
      },
    },
    disposer,
  );
  const follow = followControl(
    {
      shell, editable,
      stage: stage.element,
      locate: (rect) => {
        const { width: W, height: H } = source();
        const pc = current();
        const box = { x: rect.x * W, y: rect.y * H, width: rect.width * W, height: rect.height * H };
        return { path: `/api/clips/${pc.clip.id}/tracks`, projectClipId: pc.id, time: transport.time, box };
      },
      projectClipOf: (clipId) => (project.clips.find((pc) => pc.clip.id === clipId) || {}).id ?? null,
      proposalPath: (pcId) => `/api/projects/${projectId}/clips/${pcId}/follow?target=framing`,
      onGrab: () => transport.pause(),
      onChange: () => render(),
      onAccept: (proposal) => acceptFollow(proposal),
      onSeek: seek,
    },
    disposer,
  );
  const timeline = framingTimeline(
    {
      clip: current, game, duration, fps, minSegment, editable,
      time: () => transport.time,
      selected: () => state.selected,
      onGrab: () => transport.pause(),
      onSelect: (index) => (state.selected = index),
      onSeek: seek,
      onPreview: (changes) => Object.assign(current(), changes),
      onCommit: (changes) => editClip(changes),
      onCancel: () => render(),
      lostSpans: () => follow.lost(current().id, "lost_spans"),
      onLost: (span) => follow.armResume(span, span.start_time),
    },
    disposer,
  );
  const clips = clipsPanel(
    {
      clips: project.clips,
      index: () => state.index,
      transition: () => project.transition,
      onPick: async (index) => {
        const previous = current();
        state.index = index;
        loadClip();
        await saverFor(previous).flush();
      },
      onTransition: (transition) => {
        project.transition = transition;
        projectSaver.queue({ transition });
      },
    },
    disposer,
  );
  const segmentsSide = segmentsPanel(
    {
      segments: () => current().segments, time: () => transport.time, minSegment, editable,
      onChange: (segments) => editSegments(segments),
      // the project's, for every clip: saved like the transition
      slowMotion: () => project.slow_motion,
      onSlowMotion: (value) => {
        if (state.stale) return;
        project.slow_motion = value;
        projectSaver.queue({ slow_motion: value });
      },
    },
    disposer,
  );
  const keyframesSide = keyframesPanel(
    {
      keyframes: () => current().crop_keyframes,
      selected: () => state.selected,
      editable,
      onAdd: () => commitRect(boxAt(transport.time)),
      onDelete: () => deleteSelected(),
      onClear: () => {
        state.selected = null;
        editClip({ crop_keyframes: defaultCrop(source().width, source().height, project.aspect_ratio) });
      },
    },
    disposer,
  );

  // --- the transport and the edit buttons ------------------------------------------------
  const button = (id, text, attrs = {}) => el("button", { type: "button", id, class: "button", text, ...attrs });
  const playButton = button("play", "▶", { class: "button icon-button", "aria-label": "Play" });
  const backButton = button("frame-back", "❘◀", { class: "button icon-button", "aria-label": "One frame back" });
  const forwardButton = button("frame-forward", "▶❘", { class: "button icon-button", "aria-label": "One frame forward" });
  const muteButton = button("mute", "Sound on", { "aria-pressed": "false", title: "Mute or unmute the sound" });
  const timeLabel = el("span", { id: "time-label", class: "time-label", text: "0:00.0" });
  const controls = el(
    "div",
    { class: "transport framing-transport" },
    el("div", { class: "transport-group" }, backButton, playButton, forwardButton, timeLabel, muteButton, stage.zoomControls),
    el("div", { class: "transport-group" }, segmentsSide.controls, keyframesSide.controls),
    el("div", { class: "transport-group follow-group" }, follow.controls),
  );
  const fpsNote = el("p", { class: "hint muted", hidden: true, text: "This game's frame rate is not known yet, so frame steps are off." });

  // --- the export -----------------------------------------------------------------------
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
      el("div", { class: "editor-main" }, stage.wrap, controls, follow.status, fpsNote, timeline.parts),
      el(
        "aside",
        { class: "editor-side" },
        clips.root,
        segmentsSide.root,
        keyframesSide.root,
        preview.panel,
        el("section", { class: "panel export-section" }, el("h2", { text: "Export" }), exportPanel.root, overlayLink),
      ),
    ),
  );
  host.removeAttribute("aria-busy");

  // --- drawing ------------------------------------------------------------------------
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

  function render() {
    stage.render();
    timeline.render();
    segmentsSide.render();
    keyframesSide.render();
    renderTime();
  }

  // While playing: the box, the preview, the playhead and the clock follow each frame.
  disposer.subscribe(
    transport.on("time", () => {
      if (!transport.playing) return;
      stage.render();
      timeline.follow();
      renderTime();
    }),
  );
  disposer.subscribe(transport.on("pause", () => render()));
  disposer.subscribe(transport.on("play", () => {
    state.selected = null;
    render();
  }));

  function loadClip() {
    const pc = current();
    transport.pause();
    state.selected = null;
    keyframesSide.reset();
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
    stage.load();
    preview.load();
    render();
    follow.offer([{ projectClipId: pc.id, clipId: pc.clip.id }]);
  }

  // --- following the player ---------------------------------------------------------------
  /** The proposed crop outlined on the stage at the playhead, for the clip it was made for. */
  function drawFollow() {
    const proposal = follow && follow.proposal(current().id);
    if (!proposal) return follow && follow.showPreview(null);
    const { width: W, height: H } = source();
    const box = cropAt(proposal.crop_keyframes, transport.time, W, H, aspect);
    follow.showPreview({ x: box.x / W, y: box.y / H, width: box.width / W, height: box.height / H });
  }

  /** The crop keyframes replaced by the proposal (one edit, autosaved), and its highlight
   *  put on the clip's highlight, replacing the regions it overlaps in time. Returns the
   *  undo: both put back as they were, through the same saves. */
  async function acceptFollow(proposal) {
    const pc = project.clips.find((c) => c.id === proposal.projectClipId);
    if (!pc || state.stale) return null;
    const previousCrop = pc.crop_keyframes;
    setCrop(pc, proposal.crop_keyframes);
    const path = `/api/clips/${pc.clip.id}/highlight`;
    let previous = await shell.api("GET", path);
    const put = (held) => shell.api("PUT", path, { version: held.version, regions: mergeRegions(held.regions, proposal.regions) });
    let saved;
    try {
      saved = await put(previous);
    } catch (error) {
      // another tab wrote the highlight meanwhile: merge into what it holds now, once
      if (error.status !== 409 || !error.data || !error.data.current) throw error;
      previous = error.data.current;
      saved = await put(previous);
    }
    return async () => {
      if (state.stale) throw new Error("Not put back: reload first.");
      setCrop(pc, previousCrop);
      try {
        await shell.api("PUT", path, { version: saved.version, regions: previous.regions });
      } catch (error) {
        if (error.status !== 409) throw error;
        indicator.showStale();
        stopAll();
        throw new Error("The clip's highlight changed in another tab, so it was not put back: reload to see it.");
      }
    };
  }

  /** A clip's crop keyframes replaced as one autosaved edit (Accept and its undo). */
  function setCrop(pc, keyframes) {
    if (pc === current()) state.selected = null;
    Object.assign(pc, { crop_keyframes: keyframes });
    saverFor(pc).queue({ crop_keyframes: keyframes });
    render();
  }

  // --- edits --------------------------------------------------------------------------
  function editClip(changes) {
    if (state.stale) return;
    const pc = current();
    Object.assign(pc, changes);
    saverFor(pc).queue(changes);
    if ("crop_keyframes" in changes) follow.edited(); // Accept's undo would drop this edit
    render();
  }

  const editSegments = (segments) => segments && editClip({ segments });

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

  // --- buttons and keys -------------------------------------------------------------------
  disposer.listen(playButton, "click", () => transport.toggle());
  disposer.listen(backButton, "click", () => transport.step(-1));
  disposer.listen(forwardButton, "click", () => transport.step(1));
  disposer.listen(muteButton, "click", () => {
    transport.muted = !transport.muted;
    renderTime();
  });

  disposer.add(
    bindKeys(document, {
      " ": () => transport.toggle(),
      ArrowLeft: () => (fps() ? transport.step(-1) : false),
      ArrowRight: () => (fps() ? transport.step(1) : false),
      Delete: () => deleteSelected(),
      Backspace: () => deleteSelected(),
      "+": () => stage.zoomBy(1),
      "-": () => stage.zoomBy(-1),
    }),
  );
  // frame steps and seeks redraw everything
  disposer.subscribe(transport.on("time", () => {
    if (!transport.playing) render();
  }));

  clips.render();
  renderOverlayLink();
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
