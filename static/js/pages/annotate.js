// Annotate a game: watch the video (or, while it uploads in this tab, the file
// itself), add clips that end at the playhead, rate, tag, name and time them, drag
// their edges on the timeline; change or delete the game; replace its video.
// Edits carry the clip's version: a stale one (another tab) gets a sentence, never
// a silent overwrite. Rating words, colours, tags and limits come from the server's
// vocabulary; the frame rate from the probed video.
//
// Timeline gestures: a click or drag seeks; a double-click (a double tap on a
// phone) adds a clip ending there; the selected clip's edges drag its start and end.
// /games/<id>/?t=<seconds>&clip=<id> opens at that moment with that clip selected.

import { bindKeys, Disposer, dragWith, timeAtX, timelineSeek, Transport } from "../editor-kit.js";
import { mountFilmstrip } from "../filmstrip.js";
import { derivedName } from "../names.js";
import { bytes, clamp, clock, el, length } from "../ui.js";
import { onUploadChange, startUpload, uploadOf } from "../upload.js";
import { rating, vocabulary } from "../vocabulary.js";

const STALE = "This clip changed in another tab — reload to see the current version.";
const SEEK_STEP = 5;
const DOUBLE_TAP_MS = 400;
const DOUBLE_TAP_PX = 24;

/** "1:05.5", "65.5", "1:02:03" → seconds; null for anything else. */
export function parseClock(text) {
  const parts = String(text).trim().replace(",", ".").split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) return null;
  const last = parts.pop();
  if (!/^\d+(\.\d*)?$/.test(last) || parts.some((p) => !/^\d+$/.test(p))) return null;
  const seconds = Number(last);
  if (parts.length && seconds >= 60) return null;
  if (parts.length === 2 && Number(parts[1]) >= 60) return null;
  return parts.reduce((total, p, i) => total + Number(p) * 60 ** (parts.length - i), 0) + seconds;
}

const round3 = (value) => Math.round(value * 1000) / 1000;

export async function mount(root, data, shell) {
  const { api } = shell;
  const gameId = Number(data.game_id);
  const limits = vocabulary.limits || {};
  const ratings = vocabulary.ratings || [];
  const $ = (selector) => root.querySelector(selector);
  const bag = new Disposer();
  const video = $("#video");
  const timeline = $("#timeline");
  const regions = $("#regions");
  const clipError = $("#clip-error");
  const playerError = $("#player-error");

  let game = await api("GET", `/api/games/${gameId}`);
  let clips = [];
  let selectedId = null;
  let draft = null; // {rating, tags, notes, name} of the selected clip, ahead of the server
  let saving = Promise.resolve();
  let local = null; // {file, url} while this tab's upload of the video runs
  let leaving = false; // this tab deleted the game: its own "deleted" message is no news

  const selected = () => clips.find((clip) => clip.id === selectedId) || null;
  const sortClips = () => clips.sort((a, b) => a.start_time - b.start_time);
  const mediaDuration = () => {
    const file = Number.isFinite(video.duration) && video.duration > 0 ? video.duration : 0;
    // The probed length rules once the server has the video; the local file's until then.
    return (!local && game.video.duration) || file || game.video.duration || 0;
  };
  const clipName = (clip) => clip.name || `${rating(clip.rating).word} clip`;

  // --- the video ----------------------------------------------------------------------------
  const transport = new Transport(video, {
    fps: () => (local ? null : game.video.fps), // the probed rate, of the server's video only
    duration: mediaDuration,
    segments: () => ({ trim_start: 0, trim_end: mediaDuration(), splits: [], speeds: [Number($("#speed").value) || 1] }),
  });
  bag.add(() => transport.destroy());

  const runningUpload = () => {
    const upload = uploadOf(gameId);
    return upload && !["failed", "cancelled"].includes(upload.state) ? upload : null;
  };

  const loadVideo = () => {
    const missing = $("#video-missing");
    const upload = runningUpload();
    if (upload) {
      // The file being uploaded plays here at once (clips are saved as they are made).
      if (!local || local.file !== upload.file) {
        if (local) URL.revokeObjectURL(local.url);
        local = { file: upload.file, url: URL.createObjectURL(upload.file) };
        video.src = local.url;
      }
      $("#local-note").hidden = false;
      missing.hidden = true;
      video.hidden = false;
    } else {
      if (local) {
        URL.revokeObjectURL(local.url);
        local = null;
        video.removeAttribute("src");
      }
      $("#local-note").hidden = true;
      // A replacement uploading elsewhere leaves the current video playable meanwhile.
      if (game.video.url) {
        missing.hidden = true;
        video.hidden = false;
        if (video.getAttribute("src") !== game.video.url) video.src = game.video.url;
      } else {
        video.hidden = true;
        missing.hidden = false;
        const words = {
          uploading: "The video is uploading from another tab or device. This page shows it as soon as it is ready.",
          processing: "The video has arrived and is being checked…",
          invalid: "The uploaded file could not be read as a video. Upload it again.",
          none: "This game has no video yet.",
        };
        missing.replaceChildren(
          el("p", { text: words[game.video.status] || "The video is not ready." }),
          game.video.status === "processing"
            ? null
            : el("a", { href: `/games/new/?game=${gameId}`, class: "button-link", text: game.upload ? "Continue the upload" : "Upload the video" }),
        );
      }
    }
    const stepping = Boolean(transport.fps);
    for (const id of ["#frame-back", "#frame-forward"]) {
      $(id).disabled = !stepping;
      $(id).title = stepping ? $(id).title.replace(/ —.*$/, "") : "Frame steps use the video's measured frame rate, known once the upload is checked";
    }
    $("#replace-label").textContent = game.video.status === "none" && !upload ? "Upload video" : "Replace video";
  };
  bag.listen(video, "error", () => {
    if (!video.getAttribute("src")) return;
    playerError.textContent = "This browser cannot play the video" + (game.video.codec ? ` (${game.video.codec}).` : ".");
  });

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
  bag.add(transport.on("time", () => drawPlayhead()));
  // A seek from outside the transport (the browser's own controls, a test) moves the clock too.
  bag.listen(video, "seeked", () => {
    if (!transport.playing && Math.abs(video.currentTime - transport.time) > 0.02) transport.seek(video.currentTime);
  });
  bag.listen($("#frame-back"), "click", () => transport.step(-1));
  bag.listen($("#frame-forward"), "click", () => transport.step(1));

  // --- fullscreen ---------------------------------------------------------------------------
  const stage = $("#stage");
  const fullscreenButton = $("#fullscreen");
  const toggleFullscreen = () => {
    if (document.fullscreenElement) return document.exitFullscreen().catch(() => {});
    if (!stage.requestFullscreen) {
      playerError.textContent = "This browser cannot show the video full screen.";
      return null;
    }
    return stage.requestFullscreen().catch(() => {
      playerError.textContent = "The browser refused full screen.";
    });
  };
  bag.listen(fullscreenButton, "click", toggleFullscreen);
  bag.listen(document, "fullscreenchange", () => {
    const on = document.fullscreenElement === stage;
    fullscreenButton.setAttribute("aria-pressed", String(on));
    fullscreenButton.textContent = on ? "Exit full screen" : "Full screen";
  });
  bag.add(() => {
    if (document.fullscreenElement === stage) document.exitFullscreen().catch(() => {});
  });

  // --- the timeline -----------------------------------------------------------------------
  const percent = (time) => {
    const total = mediaDuration();
    return total ? clamp((100 * time) / total, 0, 100) : 0;
  };
  const drawPlayhead = () => {
    const total = mediaDuration();
    const at = transport.time || 0;
    $("#playhead").style.left = `${percent(at)}%`;
    timeline.setAttribute("aria-valuenow", at.toFixed(2));
    timeline.setAttribute("aria-valuemax", total.toFixed(2));
    timeline.setAttribute("aria-valuetext", clock(at, { tenths: true }));
    $("#time").textContent = `${clock(at, { tenths: true })} / ${clock(total)}`;
  };
  const place = (node, start, end) => {
    node.style.left = `${percent(start)}%`;
    node.style.width = `${Math.max(0, percent(end) - percent(start))}%`;
  };

  const drawRegions = () => {
    regions.replaceChildren(
      ...clips.map((clip) => {
        const chosen = clip.id === selectedId;
        const node = el(
          "div",
          {
            class: `region${chosen ? " selected" : ""}`,
            dataset: { clipId: clip.id, rating: clip.rating },
            title: `${clipName(clip)} · ${clock(clip.start_time)}–${clock(clip.end_time)}`,
          },
          chosen
            ? [
                el("span", { class: "edge edge-start", dataset: { edge: "start" }, title: "Drag to move the start", "aria-hidden": "true" }),
                el("span", { class: "edge edge-end", dataset: { edge: "end" }, title: "Drag to move the end", "aria-hidden": "true" }),
              ]
            : null,
        );
        node.style.background = rating(clip.rating).colour;
        place(node, clip.start_time, clip.end_time);
        return node;
      }),
    );
  };
  bag.listen(video, "loadedmetadata", () => {
    drawPlayhead();
    drawRegions();
    drawFilmstrip();
    openAtRequestedMoment();
  });

  bag.add(timelineSeek(timeline, { duration: mediaDuration, onSeek: (time) => transport.seek(time), ignore: ".edge" }));
  let lastDown = null;
  bag.listen(timeline, "pointerdown", (event) => {
    if (event.button > 0 || event.target.closest(".edge")) return;
    const region = event.target.closest(".region");
    const now = performance.now();
    const twice = lastDown && now - lastDown.at < DOUBLE_TAP_MS && Math.abs(event.clientX - lastDown.x) < DOUBLE_TAP_PX;
    lastDown = twice ? null : { at: now, x: event.clientX };
    if (region) select(Number(region.dataset.clipId));
    else if (twice) addClipAt(timeAtX(timeline, event.clientX, { start: 0, end: mediaDuration() }));
  });
  bag.listen(timeline, "keydown", (event) => {
    if (event.key === "Home") transport.seek(0);
    else if (event.key === "End") transport.seek(mediaDuration());
    else return;
    event.preventDefault();
  });

  // Dragging the selected clip's edges (mouse, pen or touch), saved when let go.
  bag.listen(timeline, "pointerdown", (event) => {
    const edge = event.target.closest(".edge");
    const clip = selected();
    if (!edge || !clip || event.button > 0) return;
    const which = edge.dataset.edge;
    const region = edge.parentElement;
    const total = mediaDuration();
    const shortest = limits.clip_min_seconds;
    const longest = limits.clip_max_seconds;
    let { start_time: start, end_time: end } = clip;
    region.classList.add("dragging");
    dragWith(event, {
      onMove: (dx, dy, move) => {
        const time = timeAtX(timeline, move.clientX, { start: 0, end: total });
        if (which === "start") start = round3(clamp(time, Math.max(0, end - longest), end - shortest));
        else end = round3(clamp(time, start + shortest, Math.min(total, start + longest)));
        place(region, start, end);
        showTimes(start, end);
        transport.seek(which === "start" ? start : end);
      },
      onEnd: () => {
        region.classList.remove("dragging");
        const changes = which === "start" ? { start_time: start } : { end_time: end };
        if (start !== clip.start_time || end !== clip.end_time) save(changes);
        else render();
      },
    });
  });

  // --- the filmstrip (a sprite sheet the server makes after upload) -------------------------
  let filmstrip = { key: "", stop: () => {} };
  const drawFilmstrip = () => {
    const sheet = local ? null : game.filmstrip; // frames of the server's video, not of a file still uploading
    const key = sheet ? `${sheet.url} ${mediaDuration()}` : "";
    if (key === filmstrip.key) return;
    filmstrip.stop();
    const strip = $("#filmstrip");
    strip.hidden = !sheet;
    filmstrip = { key, stop: sheet ? mountFilmstrip(strip, sheet, { start: 0, end: mediaDuration() }) : () => {} };
  };
  bag.add(() => filmstrip.stop());

  // --- ratings: words first, the symbol as a secondary mark ---------------------------------
  const ratingNodes = (value) => {
    const { word, symbol } = rating(value);
    return [el("span", { class: "rating-word", text: word }), symbol ? el("span", { class: "rating-symbol", text: symbol }) : null];
  };
  const legend = () => {
    $("#rating-legend").replaceChildren(
      ...ratings.map((r) => {
        const count = clips.filter((clip) => clip.rating === r.value).length;
        const swatch = el("span", { class: "swatch" });
        swatch.style.background = r.colour;
        return el("li", { dataset: { rating: r.value } }, swatch, ratingNodes(r.value), el("span", { class: "muted small", text: count ? `· ${count}` : "" }));
      }),
    );
  };
  $("#ratings").replaceChildren(
    ...ratings.map((r) => {
      const button = el(
        "button",
        { type: "button", class: "rating-button", role: "radio", "aria-checked": "false", dataset: { rating: r.value }, title: `${r.word} (key ${r.value})`, onclick: () => setRating(r.value) },
        ratingNodes(r.value),
      );
      button.style.setProperty("--rating-colour", r.colour);
      return button;
    }),
  );

  $("#ann-tags").replaceChildren(
    ...(vocabulary.tags || []).map((group) =>
      el(
        "div",
        { class: "ann-tag-row" },
        el("span", { class: "ann-tag-position", text: group.position }),
        el(
          "div",
          { class: "ann-chips" },
          group.tags.map((tag) =>
            el("button", { type: "button", class: "chip", dataset: { tag: tag.short }, title: tag.long, "aria-pressed": "false", onclick: () => toggleTag(tag.short) }, tag.short),
          ),
        ),
      ),
    ),
  );

  // --- the clip editor -----------------------------------------------------------------------
  const nameInput = $("#clip-name");
  const startInput = $("#clip-start");
  const endInput = $("#clip-end");
  const notes = $("#clip-notes");
  nameInput.maxLength = limits.name_max;
  notes.maxLength = limits.clip_notes_max;

  const showTimes = (start, end, force = true) => {
    if (force || document.activeElement !== startInput) startInput.value = clock(start, { tenths: true });
    if (force || document.activeElement !== endInput) endInput.value = clock(end, { tenths: true });
    $("#clip-length-text").textContent = length(end - start);
  };

  const renderEditor = (fresh = []) => {
    const clip = selected();
    $("#editor").hidden = !clip;
    $("#editor-empty").hidden = Boolean(clip);
    if (!clip) return;
    const value = draft.rating;
    const derived = derivedName(value, draft.tags);
    const typed = document.activeElement === nameInput ? nameInput.value.trim() : draft.name;
    const preview = $("#name-preview");
    preview.textContent = typed || derived || `${rating(value).word} — add tags or a name`;
    preview.classList.toggle("placeholder", !(typed || derived));
    nameInput.placeholder = derived || "Add tags, or type a name";
    if (fresh.includes("name") || document.activeElement !== nameInput) nameInput.value = draft.name;
    $("#editor-swatch").style.background = rating(value).colour;
    const timesFresh = fresh.includes("start_time") || fresh.includes("end_time");
    showTimes(clip.start_time, clip.end_time, timesFresh);
    for (const button of root.querySelectorAll(".rating-button")) {
      button.setAttribute("aria-checked", String(Number(button.dataset.rating) === value));
    }
    for (const chip of root.querySelectorAll(".chip")) {
      chip.setAttribute("aria-pressed", String(draft.tags.includes(chip.dataset.tag)));
    }
    if (document.activeElement !== notes) notes.value = draft.notes;
    countNotes();
  };

  const countNotes = () => {
    const used = notes.value.length;
    const counter = $("#notes-count");
    counter.textContent = `${used} / ${limits.clip_notes_max}`;
    counter.classList.toggle("near-limit", used > limits.clip_notes_max * 0.9);
  };

  const renderList = () => {
    $("#clip-count").textContent = clips.length ? `(${clips.length})` : "";
    const list = $("#clip-list");
    if (!clips.length) {
      list.replaceChildren(el("li", { class: "empty muted", text: "No clips yet." }));
      return;
    }
    list.replaceChildren(
      ...clips.map((clip) => {
        const swatch = el("span", { class: "swatch", title: rating(clip.rating).word });
        swatch.style.background = rating(clip.rating).colour;
        return el(
          "li",
          { class: `clip-item${clip.id === selectedId ? " selected" : ""}`, dataset: { clipId: clip.id, rating: clip.rating } },
          swatch,
          el(
            "button",
            { type: "button", class: "clip-main", onclick: () => select(clip.id, true) },
            el("span", { class: "clip-name", text: clipName(clip) }),
            el(
              "span",
              { class: "clip-meta muted small" },
              el("span", { class: "clip-rating", text: rating(clip.rating).word }),
              ` ${rating(clip.rating).symbol} · ${clock(clip.start_time)}–${clock(clip.end_time)} · ${length(clip.duration)}${clip.notes ? " · notes" : ""}`,
            ),
          ),
          el("button", { type: "button", class: "link edit-clip", text: "Edit", onclick: () => select(clip.id, true) }),
          twoStep(el("button", { type: "button", class: "link delete", text: "Delete" }), "Delete", () => removeClip(clip.id)),
        );
      }),
    );
  };

  const render = (fresh = []) => {
    drawRegions();
    renderList();
    renderEditor(fresh);
    legend();
  };

  /** A button that asks first: the first click arms it ("Confirm delete"), the second acts. */
  function twoStep(button, label, act) {
    let armed = null;
    button.addEventListener("click", async () => {
      if (!armed) {
        button.textContent = "Confirm delete";
        button.classList.add("armed");
        armed = setTimeout(() => {
          armed = null;
          button.textContent = label;
          button.classList.remove("armed");
        }, 4000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      button.textContent = label;
      button.classList.remove("armed");
      await act();
    });
    bag.add(() => clearTimeout(armed));
    return button;
  }

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

  const setRating = (value) => {
    if (!selected()) return;
    draft.rating = value;
    renderEditor();
    save({ rating: value });
  };
  const toggleTag = (tag) => {
    if (!selected()) return;
    const on = new Set(draft.tags);
    if (on.has(tag)) on.delete(tag);
    else on.add(tag);
    const order = (vocabulary.tags || []).flatMap((group) => group.tags.map((t) => t.short));
    draft.tags = order.filter((t) => on.has(t));
    renderEditor();
    save({ tags: draft.tags });
  };
  const saveNotes = () => {
    const clip = selected();
    if (!clip) return;
    draft.notes = notes.value;
    if (draft.notes !== clip.notes) save({ notes: draft.notes });
  };
  bag.listen(notes, "input", countNotes);
  bag.listen(notes, "change", saveNotes);
  bag.listen($("#save-notes"), "click", saveNotes);
  bag.listen(nameInput, "input", () => renderEditor());
  bag.listen(nameInput, "change", () => {
    const clip = selected();
    if (!clip) return;
    draft.name = nameInput.value.trim();
    if (draft.name !== (clip.name_is_derived ? "" : clip.name)) save({ name: draft.name });
  });
  const typedTime = (input, field) => {
    const clip = selected();
    if (!clip) return;
    const seconds = parseClock(input.value);
    if (seconds === null) {
      clipError.textContent = `“${input.value}” is not a time: type minutes and seconds like 1:05.5, or seconds like 65.5.`;
      return;
    }
    if (round3(seconds) !== clip[field]) save({ [field]: round3(seconds) });
  };
  bag.listen(startInput, "change", () => typedTime(startInput, "start_time"));
  bag.listen(endInput, "change", () => typedTime(endInput, "end_time"));
  bag.listen($("#start-here"), "click", () => selected() && save({ start_time: round3(transport.time) }));
  bag.listen($("#end-here"), "click", () => selected() && save({ end_time: round3(transport.time) }));
  twoStep($("#delete-clip"), "Delete clip", () => selectedId && removeClip(selectedId));

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

  const showGame = () => {
    $("#game-title").textContent = game.display_name;
    const crumb = document.getElementById("crumb-game");
    if (crumb) crumb.textContent = game.display_name;
    document.title = document.title.replace(/^[^·]*·/, `${game.display_name} ·`);
  };

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
      loadVideo();
      showGame();
      if (!detailsOpen()) fillDetails();
      // Another tab added or removed clips, or the probe fitted them to the video: re-read them.
      if (game.clips.count !== clips.length || game.video.status !== before.video.status || game.version !== before.version) await reload();
      drawFilmstrip();
    }, 300);
  };
  bag.add(() => clearTimeout(refreshTimer));
  bag.subscribe(
    shell.notifications.subscribe("changed", (message) => {
      if (message.resource !== "game" || Number(message.id) !== gameId) return;
      if (message.action !== "deleted") refreshGame();
      else if (!leaving) {
        transport.pause();
        playerError.replaceChildren("This game was deleted in another tab or on another device. ", el("a", { href: "/", text: "Go home" }));
      }
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

  // --- the game's details, and deleting it ----------------------------------------------------
  const details = $("#game-details");
  const form = $("#details-form");
  const detailsOpen = () => !details.hidden;
  const fillDetails = () => {
    form.elements.name.value = game.name || "";
    form.elements.opponent_name.value = game.opponent_name || "";
    form.elements.game_date.value = game.game_date || "";
    form.elements.tournament_name.value = game.tournament_name || "";
    for (const radio of form.querySelectorAll("input[name=game_type]")) radio.checked = radio.value === game.game_type;
    showTournament();
  };
  const showTournament = () => {
    $("#tournament-field").hidden = form.elements.game_type.value !== "tournament";
  };
  bag.listen(form, "change", (event) => {
    if (event.target.name === "game_type") showTournament();
  });
  bag.listen($("#details-toggle"), "click", () => {
    details.hidden = !details.hidden;
    $("#details-toggle").setAttribute("aria-expanded", String(!details.hidden));
    if (!details.hidden) {
      fillDetails();
      $("#details-saved").textContent = "";
      $("#details-error").textContent = "";
      form.elements.opponent_name.focus();
    }
  });
  bag.listen(form, "submit", async (event) => {
    event.preventDefault();
    const error = $("#details-error");
    error.textContent = "";
    const values = {
      name: form.elements.name.value.trim(),
      opponent_name: form.elements.opponent_name.value.trim(),
      game_date: form.elements.game_date.value || null,
      game_type: form.elements.game_type.value,
      tournament_name: form.elements.tournament_name.value.trim(),
      version: game.version,
    };
    try {
      game = await api("PATCH", `/api/games/${gameId}`, values);
      showGame();
      fillDetails();
      $("#details-saved").textContent = `Saved: ${game.display_name}.`;
    } catch (failure) {
      if (failure.status === 409 && failure.data && failure.data.current) {
        game = failure.data.current;
        fillDetails();
        showGame();
        error.textContent = "These details were changed in another tab; the form shows them now. Make your change again.";
      } else {
        error.textContent = failure.message;
      }
    }
  });

  const deletePanel = $("#delete-panel");
  bag.listen($("#delete-game"), "click", async () => {
    const blocker = $("#delete-blocker");
    blocker.textContent = "";
    try {
      const answer = await api("GET", `/api/games/${gameId}/deletion`);
      $("#delete-effects").replaceChildren(...answer.effects.map((sentence) => el("li", { text: sentence })));
      blocker.textContent = answer.blocker || "";
      $("#delete-confirm").disabled = Boolean(answer.blocker);
      deletePanel.hidden = false;
      $("#delete-game").hidden = true;
    } catch (error) {
      blocker.textContent = error.message;
      deletePanel.hidden = false;
    }
  });
  bag.listen($("#delete-cancel"), "click", () => {
    deletePanel.hidden = true;
    $("#delete-game").hidden = false;
  });
  bag.listen($("#delete-confirm"), "click", async () => {
    leaving = true;
    try {
      await api("DELETE", `/api/games/${gameId}`);
    } catch (error) {
      leaving = false;
      $("#delete-blocker").textContent = error.message;
      return;
    }
    if (shell.navigate) shell.navigate("/");
    else window.location.assign("/");
  });

  // --- replacing the video (the upload engine re-cuts the clips on the server) ---------------
  const replacePanel = $("#replace-panel");
  let chosenFile = null;
  const showUpload = (upload) => {
    if (!upload || upload.gameId !== gameId) return;
    replacePanel.hidden = false;
    $("#replace-confirm").hidden = true;
    $("#replace-progress").hidden = false;
    $("#replace-meter").value = upload.percent;
    const words = upload.state === "done" ? "Uploaded. The clips are being cut again from the new video." : upload.describe();
    $("#replace-question").textContent = upload.state === "done" ? `${upload.file.name} is the game's video now.` : `Uploading ${upload.file.name}…`;
    $("#replace-state").textContent = words;
    $("#replace-error").textContent = upload.state === "failed" ? upload.error : "";
  };
  bag.add(
    onUploadChange((upload) => {
      if (upload.gameId !== gameId) return;
      showUpload(upload);
      if (!local || local.file !== upload.file || upload.finished) loadVideo();
    }),
  );
  bag.listen($("#replace-file"), "change", (event) => {
    chosenFile = event.target.files[0] || null;
    event.target.value = "";
    if (!chosenFile) return;
    const replacing = game.video.status !== "none";
    $("#replace-question").textContent = replacing
      ? `Replace the video with ${chosenFile.name} (${bytes(chosenFile.size)})? Clips will be cut again from the new video.`
      : `Upload ${chosenFile.name} (${bytes(chosenFile.size)}) as this game's video?`;
    $("#replace-go").textContent = replacing ? "Replace and cut again" : "Upload";
    $("#replace-confirm").hidden = false;
    $("#replace-progress").hidden = true;
    $("#replace-error").textContent = "";
    replacePanel.hidden = false;
  });
  bag.listen($("#replace-cancel"), "click", () => {
    chosenFile = null;
    replacePanel.hidden = true;
  });
  bag.listen($("#replace-go"), "click", () => {
    if (!chosenFile) return;
    try {
      const upload = startUpload({
        gameId, gameName: game.display_name, file: chosenFile, shell,
        singleMaxBytes: Number(data.upload_single_max_bytes) || limits.upload_single_max_bytes,
      });
      chosenFile = null;
      showUpload(upload);
      loadVideo();
    } catch (error) {
      $("#replace-error").textContent = error.message;
    }
  });

  // --- TSV import --------------------------------------------------------------------------
  bag.listen($("#tsv-file"), "change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const result = $("#tsv-result");
    result.className = "tsv-result";
    result.textContent = `Importing ${file.name}…`;
    try {
      // The file's bytes, not file.text(): the server checks the encoding line by line.
      const tsvFile = new Blob([file], { type: "text/tab-separated-values" });
      const written = await api("POST", `/api/games/${gameId}/clips.tsv`, tsvFile);
      result.classList.add("ok");
      result.textContent = `${written.length} clip${written.length === 1 ? "" : "s"} written from ${file.name}.`;
      await reload();
    } catch (error) {
      result.classList.add("error");
      const lines = (error.data && error.data.errors) || [];
      result.replaceChildren(
        el("p", { text: error.message }),
        lines.length ? el("ul", {}, lines.map((line) => el("li", { text: `Line ${line.line}: ${line.message}` }))) : null,
      );
    }
  });

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
    f: toggleFullscreen,
    F: toggleFullscreen,
  };
  for (const r of ratings) keys[String(r.value)] = () => setRating(r.value);
  bag.add(bindKeys(document, keys));

  // --- start ---------------------------------------------------------------------------------
  loadVideo();
  fillDetails();
  showGame();
  const running = runningUpload();
  if (running) showUpload(running);
  await reload();
  clipsRead = true;
  drawPlayhead();
  drawFilmstrip();
  openAtRequestedMoment();

  return () => {
    bag.dispose();
    video.pause();
    video.removeAttribute("src");
    video.load();
    if (local) URL.revokeObjectURL(local.url);
  };
}
