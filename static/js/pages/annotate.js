// Annotate a game, as wiring: watch the video (or, while it uploads in this tab, the
// file itself), add clips that end at the playhead, rate, tag, name and time them,
// drag their edges on the timeline; change or delete the game; replace its video.
// Edits carry the clip's version: a stale one (another tab) gets a sentence, never
// a silent overwrite. Rating words, colours, tags and limits come from the server's
// vocabulary; the frame rate from the probed video.
//
// The pieces: the video, full screen and the replace panel (../game-video.js); the
// clips' timeline with its gestures, filmstrip and legend (../clip-timeline.js); the
// selected clip's panel, the clip list and its TSV import (../clip-editor.js); the game's details
// and its deletion (../game-details.js); the shared transport, keys and teardown
// (../editor-kit.js); the "Game review" dialog (../review-maker.js). The page keeps the clips, the selection and the save queue.
// /games/<id>/?t=<seconds>&clip=<id> opens at that moment with that clip selected.

import { clipEditor, round3, tsvImport } from "../clip-editor.js";
import { clipTimeline } from "../clip-timeline.js";
import { bindKeys, Disposer, Transport } from "../editor-kit.js";
import { gameDetails } from "../game-details.js";
import { gameVideo } from "../game-video.js";
import { reviewMaker } from "../review-maker.js";
import { clamp, el, length } from "../ui.js";
import { rating, vocabulary } from "../vocabulary.js";

export { parseClock } from "../clip-editor.js";

const STALE = "This clip changed in another tab — reload to see the current version.";
const SEEK_STEP = 5;

export async function mount(root, data, shell) {
  const { api } = shell;
  const gameId = Number(data.game_id);
  const limits = vocabulary.limits || {};
  const $ = (selector) => root.querySelector(selector);
  const bag = new Disposer();
  const video = $("#video");
  const clipError = $("#clip-error");
  const playerError = $("#player-error");

  let game = await api("GET", `/api/games/${gameId}`);
  let clips = [];
  let selectedId = null;
  let draft = null; // {rating, tags, notes, name} of the selected clip, ahead of the server
  let saving = Promise.resolve();

  const selected = () => clips.find((clip) => clip.id === selectedId) || null;
  const sortClips = () => clips.sort((a, b) => a.start_time - b.start_time);
  const mediaDuration = () => {
    const file = Number.isFinite(video.duration) && video.duration > 0 ? video.duration : 0;
    // The probed length rules once the server has the video; the local file's until then.
    return (!player.local() && game.video.duration) || file || game.video.duration || 0;
  };
  const clipName = (clip) => clip.name || `${rating(clip.rating).word} clip`;

  // --- the video ----------------------------------------------------------------------------
  const transport = new Transport(video, {
    fps: () => (player.local() ? null : game.video.fps), // the probed rate, of the server's video only
    duration: mediaDuration,
    segments: () => ({ trim_start: 0, trim_end: mediaDuration(), splits: [], speeds: [Number($("#speed").value) || 1] }),
  });
  bag.add(() => transport.destroy());
  const player = gameVideo(
    root,
    { shell, gameId, game: () => game, transport, singleMaxBytes: Number(data.upload_single_max_bytes) || limits.upload_single_max_bytes },
    bag,
  );

  const playButton = $("#play");
  const showPlaying = () => {
    playButton.textContent = transport.playing ? "❚❚" : "▶";
    playButton.setAttribute("aria-label", transport.playing ? "Pause" : "Play");
  };
  const togglePlay = () => {
    if (!video.hidden) transport.toggle();
  };
  bag.listen(playButton, "click", togglePlay);
  bag.listen(video, "click", togglePlay);
  bag.add(transport.on("play", showPlaying));
  bag.add(transport.on("pause", showPlaying));
  bag.add(transport.on("time", () => track.playhead()));
  // A seek from outside the transport (the browser's own controls, a test) moves the clock too.
  bag.listen(video, "seeked", () => {
    if (!transport.playing && Math.abs(video.currentTime - transport.time) > 0.02) transport.seek(video.currentTime);
  });
  bag.listen($("#frame-back"), "click", () => transport.step(-1));
  bag.listen($("#frame-forward"), "click", () => transport.step(1));

  // --- the timeline and the clip panel --------------------------------------------------------
  const track = clipTimeline(
    root,
    {
      duration: mediaDuration,
      time: () => transport.time,
      clips: () => clips,
      selected,
      rules: limits,
      name: clipName,
      sheet: () => (player.local() ? null : game.filmstrip), // frames of the server's video, not of a file still uploading
      onSeek: (time) => transport.seek(time),
      onSelect: (clipId) => select(clipId),
      onAdd: (time) => addClipAt(time),
      onDragTimes: (start, end) => editor.showTimes(start, end),
      onCommit: (changes) => save(changes),
      onCancel: () => render(),
    },
    bag,
  );
  const editor = clipEditor(
    root,
    {
      clips: () => clips,
      selectedId: () => selectedId,
      draft: () => draft,
      name: clipName,
      time: () => transport.time,
      save: (changes) => save(changes),
      remove: (clipId) => removeClip(clipId),
      select: (clipId, seekToIt) => select(clipId, seekToIt),
    },
    bag,
  );
  const render = (fresh = []) => {
    track.draw();
    editor.render(fresh);
  };
  bag.listen(video, "loadedmetadata", () => {
    track.playhead();
    track.draw();
    track.filmstrip();
    openAtRequestedMoment();
  });

  const draftOf = (clip) => ({ rating: clip.rating, tags: [...clip.tags], notes: clip.notes, name: clip.name_is_derived ? "" : clip.name });

  const select = (clipId, seekToIt = false) => {
    if (selectedId !== clipId) {
      const clip = clips.find((c) => c.id === clipId);
      if (!clip) return;
      selectedId = clipId;
      draft = draftOf(clip);
      clipError.replaceChildren();
      if (seekToIt) transport.seek(clip.start_time);
    }
    render(["name", "start_time"]);
  };

  const showError = (error) => {
    if (error.status === 409) {
      clipError.replaceChildren(el("span", { text: `${STALE} ` }), el("button", { type: "button", class: "link", text: "Reload", onclick: () => reload() }));
    } else {
      clipError.textContent = error.message;
    }
  };

  /** PATCH the selected clip, one request at a time, each with the latest version. */
  const save = (changes) => {
    const clipId = selectedId;
    saving = saving.then(async () => {
      const clip = clips.find((c) => c.id === clipId);
      if (!clip) return;
      try {
        const fresh = await api("PATCH", `/api/clips/${clipId}`, { ...changes, version: clip.version });
        clips = clips.map((c) => (c.id === clipId ? fresh : c));
        sortClips();
        if (clipId === selectedId) {
          clipError.replaceChildren();
          // What the server kept wins (it may have normalised the tags or the name).
          const kept = draftOf(fresh);
          draft = { ...draft, rating: kept.rating, tags: kept.tags, notes: "notes" in changes ? kept.notes : draft.notes, name: "name" in changes ? kept.name : draft.name };
        }
      } catch (error) {
        if (clipId === selectedId) {
          showError(error);
          draft = { ...draftOf(clip), notes: draft.notes };
        }
      }
      render(Object.keys(changes));
    });
    return saving;
  };

  const removeClip = async (clipId) => {
    await saving;
    try {
      await api("DELETE", `/api/clips/${clipId}`);
      clips = clips.filter((c) => c.id !== clipId);
      if (selectedId === clipId) {
        selectedId = null;
        draft = null;
      }
      render();
    } catch (error) {
      if (error.status === 404) return reload();
      showError(error);
    }
    return null;
  };

  // --- adding clips ----------------------------------------------------------------------
  const addLength = $("#add-length");
  addLength.min = limits.clip_min_seconds;
  addLength.max = limits.clip_max_seconds;
  addLength.value = limits.clip_default_seconds;
  bag.listen(addLength, "change", () => {
    const value = Number(addLength.value);
    addLength.value = clamp(Number.isFinite(value) && value > 0 ? value : limits.clip_default_seconds, limits.clip_min_seconds, limits.clip_max_seconds);
  });

  const addClipAt = async (time) => {
    if (video.hidden) {
      playerError.textContent = "Clips can be added once the video plays here.";
      return;
    }
    playerError.textContent = "";
    transport.seek(time);
    const span = clamp(Number(addLength.value) || limits.clip_default_seconds, limits.clip_min_seconds, limits.clip_max_seconds);
    const end = round3(transport.time);
    const start = round3(Math.max(0, end - span));
    if (end - start < limits.clip_min_seconds) {
      playerError.textContent = `Move the playhead at least ${length(limits.clip_min_seconds)} into the video: a clip ends at the playhead.`;
      return;
    }
    try {
      const clip = await api("POST", `/api/games/${gameId}/clips`, { start_time: start, end_time: end, tags: [] });
      clips.push(clip);
      sortClips();
      selectedId = null;
      select(clip.id);
    } catch (error) {
      playerError.textContent = error.message;
    }
  };
  // The frame on screen: a seek made outside the transport may not have reached it yet.
  const shownTime = () =>
    !transport.playing && video.readyState >= 1 && Math.abs(video.currentTime - transport.time) > 0.02 ? video.currentTime : transport.time;
  const addClip = () => addClipAt(shownTime());
  bag.listen($("#add-clip"), "click", addClip);

  // --- loading and refreshing ----------------------------------------------------------------
  const reload = async () => {
    try {
      clips = await api("GET", `/api/games/${gameId}/clips`);
    } catch (error) {
      playerError.textContent = error.message;
      return;
    }
    sortClips();
    const clip = selected();
    if (clip) draft = draftOf(clip);
    else selectedId = null;
    clipError.replaceChildren();
    render(["name", "start_time"]);
  };

  const details = gameDetails(root, { shell, gameId, game: () => game, setGame: (fresh) => (game = fresh) }, bag);

  let refreshTimer = null;
  const refreshGame = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      const before = game;
      try {
        game = await api("GET", `/api/games/${gameId}`);
      } catch {
        return;
      }
      player.load();
      details.refresh();
      // Another tab added or removed clips, or the probe fitted them to the video: re-read them.
      if (game.clips.count !== clips.length || game.video.status !== before.video.status || game.version !== before.version) await reload();
      track.filmstrip();
    }, 300);
  };
  bag.add(() => clearTimeout(refreshTimer));
  bag.subscribe(
    shell.notifications.subscribe("changed", (message) => {
      if (message.resource !== "game" || Number(message.id) !== gameId) return;
      if (message.action !== "deleted") refreshGame();
      else if (!details.leaving) player.gone("This game was deleted in another tab or on another device. ", el("a", { href: "/", text: "Go home" }));
    }),
  );
  bag.subscribe(
    shell.notifications.subscribe("upload_complete", (message) => {
      if (message.data && Number(message.data.game_id) === gameId) refreshGame();
    }),
  );
  bag.subscribe(shell.notifications.subscribe("extraction_complete", () => reload()));

  // --- opening at a moment (/games/<id>/?t=<seconds>&clip=<id>) -----------------------------
  const params = new URLSearchParams(window.location.search);
  let clipsRead = false;
  let requested = { time: params.has("t") ? Number(params.get("t")) : null, clip: Number(params.get("clip")) || null };
  const openAtRequestedMoment = () => {
    if (!requested || video.readyState < 1 || !clipsRead) return; // both the video and the clips
    const { time, clip } = requested;
    requested = null;
    if (clip && clips.some((c) => c.id === clip)) select(clip);
    const chosen = clips.find((c) => c.id === clip);
    const at = Number.isFinite(time) && time >= 0 ? time : chosen ? chosen.start_time : null;
    if (at !== null) transport.seek(at);
  };

  tsvImport(root, { api, gameId, onImported: reload }, bag);

  // --- the game review (one captioned video of the clips; a job the status bar follows) ------
  const maker = reviewMaker({ api, gameId, clips: () => clips, onQueued: () => shell.status.refreshExports() });
  bag.add(() => maker.destroy());
  bag.listen($("#review-open"), "click", (event) => maker.open(event.currentTarget));

  // --- keyboard ---------------------------------------------------------------------------
  const arrow = (direction) => (event) => {
    if (event.shiftKey || transport.playing || !transport.fps) transport.seek(transport.time + direction * SEEK_STEP);
    else transport.step(direction);
  };
  const keys = {
    " ": togglePlay,
    ArrowLeft: arrow(-1),
    ArrowRight: arrow(1),
    a: addClip,
    A: addClip,
    f: player.toggleFullscreen,
    F: player.toggleFullscreen,
  };
  for (const r of vocabulary.ratings || []) keys[String(r.value)] = () => editor.setRating(r.value);
  bag.add(bindKeys(document, keys));

  // --- start ---------------------------------------------------------------------------------
  player.start();
  details.fill();
  details.show();
  await reload();
  clipsRead = true;
  track.playhead();
  track.filmstrip();
  openAtRequestedMoment();

  return () => {
    bag.dispose();
    video.pause();
    video.removeAttribute("src");
    video.load();
  };
}
