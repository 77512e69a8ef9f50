// Annotate a game: watch the video, add clips that end at the playhead, rate and
// tag them, keep notes; a timeline shows every clip in its rating's colour.
// Edits carry the clip's version: a stale one (another tab) gets a sentence, never
// a silent overwrite.

import { uploadOf } from "../upload.js";

export const RATING_COLOURS = { 1: "#C62828", 2: "#F9A825", 3: "#1565C0", 4: "#2E7D32", 5: "#66BB6A" };
const ADJECTIVES = { 5: "Brilliant", 4: "Good", 3: "Interesting", 2: "Unfortunate", 1: "Bad" };
const SYMBOLS = { 5: "!!", 4: "!", 3: "!?", 2: "?", 1: "??" };
const STALE = "This clip changed in another tab — reload to see the current version.";
const NOTES_MAX = 280;
const SEEK_STEP = 5;

/** The server's derivation (games/tags.py derived_name), for the live preview. */
export function derivedName(rating, tags) {
  if (!tags.length) return "";
  const joined = tags.length === 1 ? tags[0] : `${tags.slice(0, -1).join(", ")} and ${tags[tags.length - 1]}`;
  return `${ADJECTIVES[rating]} ${joined}`;
}

function clock(seconds, precise = true) {
  if (!Number.isFinite(seconds)) seconds = 0;
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  const whole = Math.floor(s).toString().padStart(2, "0");
  return precise ? `${m}:${whole}.${Math.floor((s % 1) * 100).toString().padStart(2, "0")}` : `${m}:${whole}`;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "style") node.style.cssText = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

const typing = (target) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

export async function mount(root, data, shell) {
  const { api } = shell;
  const gameId = Number(data.game_id);
  const $ = (selector) => root.querySelector(selector);
  const video = $("#video");
  const timeline = $("#timeline");
  const regions = $("#regions");
  const playhead = $("#playhead");
  const clipError = $("#clip-error");
  const playerError = $("#player-error");
  const cleanups = [];

  let game = await api("GET", `/api/games/${gameId}`);
  let clips = [];
  let selectedId = null;
  let draft = null; // {rating, tags, notes} of the selected clip, ahead of the server
  let saving = Promise.resolve();
  let vocabulary = [];
  let frame = 0;

  const fps = () => game.video.fps || 25;
  const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : game.video.duration || 0);
  const selected = () => clips.find((clip) => clip.id === selectedId) || null;
  const sortClips = () => clips.sort((a, b) => a.start_time - b.start_time);

  // --- the video ----------------------------------------------------------------------------
  const loadVideo = () => {
    const missing = $("#video-missing");
    if (game.video.status === "ready" && game.video.url) {
      missing.hidden = true;
      video.hidden = false;
      if (!video.getAttribute("src")) video.src = game.video.url;
      return;
    }
    video.hidden = true;
    missing.hidden = false;
    const local = uploadOf(gameId);
    const words = {
      uploading: local && !local.finished ? "The video is uploading (see the bar at the top). This page shows it as soon as it is ready." : "The video's upload has not finished.",
      processing: "The video has arrived and is being checked…",
      invalid: "The uploaded file could not be read as a video. Upload it again.",
      none: "This game has no video yet.",
    };
    missing.replaceChildren(el("p", {}, words[game.video.status] || "The video is not ready."));
    if (!(local && !local.finished) && game.video.status !== "processing") {
      missing.append(el("a", { href: `/games/new/?game=${gameId}`, class: "button-link" }, game.upload ? "Continue the upload" : "Upload the video"));
    }
  };
  video.addEventListener("error", () => {
    playerError.textContent = "This browser cannot play the video" + (game.video.codec ? ` (${game.video.codec}).` : ".");
  });
  loadVideo();

  const playButton = $("#play");
  const showPlaying = () => {
    playButton.textContent = video.paused ? "▶" : "❚❚";
    playButton.setAttribute("aria-label", video.paused ? "Play" : "Pause");
  };
  const togglePlay = () => {
    if (video.hidden) return;
    if (video.paused) video.play().catch(() => {});
    else video.pause();
  };
  playButton.addEventListener("click", togglePlay);
  video.addEventListener("click", togglePlay);
  for (const type of ["play", "pause", "ended"]) video.addEventListener(type, showPlaying);

  const seek = (time) => {
    video.currentTime = Math.max(0, Math.min(duration() || 0, time));
    drawPlayhead();
  };
  const stepFrames = (count) => {
    video.pause();
    const current = Math.round(video.currentTime * fps());
    seek((current + count) / fps() + 1e-4);
  };
  $("#frame-back").addEventListener("click", () => stepFrames(-1));
  $("#frame-forward").addEventListener("click", () => stepFrames(1));
  $("#speed").addEventListener("change", (event) => {
    video.playbackRate = Number(event.target.value);
  });
  video.addEventListener("ratechange", () => {
    $("#speed").value = String(video.playbackRate);
  });

  // --- the timeline -----------------------------------------------------------------------
  const drawPlayhead = () => {
    const total = duration();
    const at = video.currentTime || 0;
    playhead.style.left = `${total ? (100 * at) / total : 0}%`;
    timeline.setAttribute("aria-valuenow", at.toFixed(2));
    timeline.setAttribute("aria-valuemax", total.toFixed(2));
    $("#time").textContent = `${clock(at)} / ${clock(total, false)}`;
  };
  const tick = () => {
    drawPlayhead();
    frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);
  video.addEventListener("loadedmetadata", () => {
    drawPlayhead();
    drawRegions();
  });

  const drawRegions = () => {
    const total = duration();
    regions.replaceChildren(
      ...clips.map((clip) => {
        const name = clip.name || `${ADJECTIVES[clip.rating]} clip`;
        return el("div", {
          class: `region${clip.id === selectedId ? " selected" : ""}`,
          "data-clip-id": clip.id,
          "data-rating": clip.rating,
          title: `${name} · ${clock(clip.start_time, false)}–${clock(clip.end_time, false)}`,
          style: `left:${total ? (100 * clip.start_time) / total : 0}%;width:${total ? (100 * (clip.end_time - clip.start_time)) / total : 0}%;background:${RATING_COLOURS[clip.rating]}`,
        });
      }),
    );
  };

  let dragging = false;
  const timeAt = (event) => {
    const box = timeline.getBoundingClientRect();
    return (Math.max(0, Math.min(1, (event.clientX - box.left) / box.width)) || 0) * duration();
  };
  timeline.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const region = event.target.closest(".region");
    if (region) select(Number(region.dataset.clipId));
    dragging = true;
    timeline.setPointerCapture(event.pointerId);
    seek(timeAt(event));
  });
  timeline.addEventListener("pointermove", (event) => dragging && seek(timeAt(event)));
  const stopDrag = () => (dragging = false);
  timeline.addEventListener("pointerup", stopDrag);
  timeline.addEventListener("pointercancel", stopDrag);
  timeline.addEventListener("keydown", (event) => {
    if (event.key === "Home") seek(0);
    else if (event.key === "End") seek(duration());
    else return;
    event.preventDefault();
  });

  // --- the clip editor -----------------------------------------------------------------------
  const stars = $("#stars");
  for (let rating = 1; rating <= 5; rating++) {
    stars.append(
      el("button", {
        type: "button", class: "star", role: "radio", "data-rating": rating,
        "aria-label": `${rating}: ${ADJECTIVES[rating]} ${SYMBOLS[rating]}`, title: `${ADJECTIVES[rating]} ${SYMBOLS[rating]} (${rating})`,
        onclick: () => setRating(rating),
      }, "★"),
    );
  }
  stars.append(el("span", { id: "rating-label", class: "rating-label muted" }));

  const renderTags = () => {
    $("#ann-tags").replaceChildren(
      ...vocabulary.map((group) =>
        el(
          "div",
          { class: "ann-tag-row" },
          el("span", { class: "ann-tag-position" }, group.position),
          el(
            "div",
            { class: "ann-chips" },
            ...group.tags.map((tag) =>
              el("button", { type: "button", class: "chip", "data-tag": tag.short, title: tag.long, "aria-pressed": "false", onclick: () => toggleTag(tag.short) }, tag.short),
            ),
          ),
        ),
      ),
    );
  };

  const renderEditor = () => {
    const clip = selected();
    $("#editor").hidden = !clip;
    $("#editor-empty").hidden = Boolean(clip);
    if (!clip) return;
    const rating = draft.rating;
    const name = clip.name_is_derived ? derivedName(rating, draft.tags) : clip.name;
    const preview = $("#name-preview");
    preview.textContent = name || `${ADJECTIVES[rating]} ${SYMBOLS[rating]} — add tags to name it`;
    preview.classList.toggle("placeholder", !name);
    $("#editor-swatch").style.background = RATING_COLOURS[rating];
    $("#editor-times").textContent = `${clock(clip.start_time)} – ${clock(clip.end_time)} · ${(clip.end_time - clip.start_time).toFixed(1)} s`;
    for (const star of stars.querySelectorAll(".star")) {
      const value = Number(star.dataset.rating);
      star.classList.toggle("on", value <= rating);
      star.setAttribute("aria-checked", String(value === rating));
      star.style.color = value <= rating ? RATING_COLOURS[rating] : "";
    }
    $("#rating-label").textContent = `${ADJECTIVES[rating]} ${SYMBOLS[rating]}`;
    for (const chip of root.querySelectorAll(".chip")) {
      chip.setAttribute("aria-pressed", String(draft.tags.includes(chip.dataset.tag)));
    }
    const length = $("#clip-length");
    if (document.activeElement !== length) length.value = String(+(clip.end_time - clip.start_time).toFixed(2));
    const notes = $("#clip-notes");
    if (document.activeElement !== notes) notes.value = draft.notes;
    countNotes();
  };

  const countNotes = () => {
    const used = $("#clip-notes").value.length;
    const counter = $("#notes-count");
    counter.textContent = `${used} / ${NOTES_MAX}`;
    counter.classList.toggle("near-limit", used > NOTES_MAX - 20);
  };

  const renderList = () => {
    $("#clip-count").textContent = clips.length ? `(${clips.length})` : "";
    const list = $("#clip-list");
    if (!clips.length) {
      list.replaceChildren(el("li", { class: "empty muted" }, "No clips yet."));
      return;
    }
    list.replaceChildren(
      ...clips.map((clip) =>
        el(
          "li",
          { class: `clip-item${clip.id === selectedId ? " selected" : ""}`, "data-clip-id": clip.id, "data-rating": clip.rating },
          el("span", { class: "swatch", style: `background:${RATING_COLOURS[clip.rating]}`, title: `${clip.rating} of 5` }),
          el(
            "button",
            { type: "button", class: "clip-main", onclick: () => select(clip.id, true) },
            el("span", { class: "clip-name" }, clip.name || `${ADJECTIVES[clip.rating]} clip`),
            el("span", { class: "clip-meta muted small" }, `${clock(clip.start_time, false)}–${clock(clip.end_time, false)} · ${(clip.end_time - clip.start_time).toFixed(0)} s · ${SYMBOLS[clip.rating]}${clip.notes ? " · notes" : ""}`),
          ),
          el("button", { type: "button", class: "link edit-clip", onclick: () => select(clip.id, true) }, "Edit"),
          deleteButton(clip.id, "link delete"),
        ),
      ),
    );
  };

  const render = () => {
    drawRegions();
    renderList();
    renderEditor();
  };

  function deleteButton(clipId, className) {
    let armed = null;
    const button = el("button", { type: "button", class: className }, "Delete");
    button.addEventListener("click", async () => {
      if (!armed) {
        button.textContent = "Confirm delete";
        button.classList.add("armed");
        armed = setTimeout(() => {
          armed = null;
          button.textContent = "Delete";
          button.classList.remove("armed");
        }, 4000);
        return;
      }
      clearTimeout(armed);
      await removeClip(clipId);
    });
    return button;
  }

  const select = (clipId, seekToIt = false) => {
    if (selectedId !== clipId) {
      const clip = clips.find((c) => c.id === clipId);
      if (!clip) return;
      selectedId = clipId;
      draft = { rating: clip.rating, tags: [...clip.tags], notes: clip.notes };
      clipError.replaceChildren();
      if (seekToIt) seek(clip.start_time);
    }
    render();
  };

  const showError = (error) => {
    if (error.status === 409) {
      clipError.replaceChildren(
        el("span", {}, STALE + " "),
        el("button", { type: "button", class: "link", onclick: () => reload() }, "Reload"),
      );
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
          // What the server kept wins (it may have normalised the tags).
          draft = { ...draft, rating: fresh.rating, tags: [...fresh.tags], notes: "notes" in changes ? fresh.notes : draft.notes };
        }
      } catch (error) {
        if (clipId === selectedId) {
          showError(error);
          draft = { rating: clip.rating, tags: [...clip.tags], notes: draft.notes };
        }
      }
      render();
    });
    return saving;
  };

  const setRating = (rating) => {
    if (!selected()) return;
    draft.rating = rating;
    renderEditor();
    save({ rating });
  };
  const toggleTag = (tag) => {
    if (!selected()) return;
    const on = new Set(draft.tags);
    if (on.has(tag)) on.delete(tag);
    else on.add(tag);
    const order = vocabulary.flatMap((group) => group.tags.map((t) => t.short));
    draft.tags = order.filter((t) => on.has(t));
    renderEditor();
    save({ tags: draft.tags });
  };
  const saveNotes = () => {
    const clip = selected();
    if (!clip) return;
    draft.notes = $("#clip-notes").value;
    if (draft.notes !== clip.notes) save({ notes: draft.notes });
  };
  $("#clip-notes").addEventListener("input", countNotes);
  $("#clip-notes").addEventListener("change", saveNotes);
  $("#save-notes").addEventListener("click", saveNotes);
  $("#clip-length").addEventListener("change", (event) => {
    const clip = selected();
    const length = Number(event.target.value);
    if (!clip || !Number.isFinite(length)) return;
    if (length < 1 || length > 60) {
      clipError.textContent = "A clip is 1 to 60 seconds long.";
      return;
    }
    save({ start_time: Math.max(0, +(clip.end_time - length).toFixed(3)) });
  });
  $("#end-here").addEventListener("click", () => {
    const clip = selected();
    if (!clip) return;
    const end = +video.currentTime.toFixed(3);
    const length = clip.end_time - clip.start_time;
    save({ end_time: end, start_time: Math.max(0, +(end - length).toFixed(3)) });
  });
  {
    const button = $("#delete-clip");
    let armed = null;
    button.addEventListener("click", async () => {
      if (!selectedId) return;
      if (!armed) {
        button.textContent = "Confirm delete";
        armed = setTimeout(() => {
          armed = null;
          button.textContent = "Delete clip";
        }, 4000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      button.textContent = "Delete clip";
      await removeClip(selectedId);
    });
  }

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
  };

  // --- adding clips ----------------------------------------------------------------------
  const addClip = async () => {
    if (video.hidden) {
      playerError.textContent = "Clips can be added once the video is ready.";
      return;
    }
    playerError.textContent = "";
    const length = Math.min(60, Math.max(1, Number($("#add-length").value) || 15));
    const end = +video.currentTime.toFixed(3);
    const start = Math.max(0, +(end - length).toFixed(3));
    if (end - start < 1) {
      playerError.textContent = "Move the playhead at least 1 s into the video: a clip ends at the playhead.";
      return;
    }
    try {
      const clip = await api("POST", `/api/games/${gameId}/clips`, { start_time: start, end_time: end, rating: 3, tags: [] });
      clips.push(clip);
      sortClips();
      selectedId = null;
      select(clip.id);
    } catch (error) {
      playerError.textContent = error.message;
    }
  };
  $("#add-clip").addEventListener("click", addClip);
  $("#add-length").addEventListener("change", (event) => {
    const value = Number(event.target.value);
    event.target.value = String(Math.min(60, Math.max(1, Number.isFinite(value) ? value : 15)));
  });

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
    if (clip) draft = { rating: clip.rating, tags: [...clip.tags], notes: clip.notes };
    else selectedId = null;
    clipError.replaceChildren();
    render();
  };
  const [tagAnswer] = await Promise.all([api("GET", "/api/tags"), reload()]);
  vocabulary = tagAnswer.positions;
  renderTags();
  render();

  let refreshTimer = null;
  const refreshGame = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      try {
        game = await api("GET", `/api/games/${gameId}`);
      } catch {
        return;
      }
      loadVideo();
      // Another tab added or removed clips: re-read them (edits there show up as 409s here).
      if (game.clips.count !== clips.length) await reload();
    }, 300);
  };
  cleanups.push(
    shell.notifications.subscribe("changed", (message) => {
      if (message.resource === "game" && Number(message.id) === gameId) refreshGame();
    }),
    shell.notifications.subscribe("upload_complete", (message) => {
      if (message.data && Number(message.data.game_id) === gameId) refreshGame();
    }),
    shell.notifications.subscribe("extraction_complete", () => reload()),
  );

  // --- TSV import --------------------------------------------------------------------------
  $("#tsv-file").addEventListener("change", async (event) => {
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
        el("p", {}, error.message),
        lines.length ? el("ul", {}, ...lines.map((line) => el("li", {}, `Line ${line.line}: ${line.message}`))) : null,
      );
    }
  });

  // --- keyboard ---------------------------------------------------------------------------
  const onKeyDown = (event) => {
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === " ") {
      togglePlay();
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      const direction = key === "ArrowLeft" ? -1 : 1;
      if (event.shiftKey || !video.paused) seek(video.currentTime + direction * SEEK_STEP);
      else stepFrames(direction);
    } else if (key === "a" || key === "A") {
      addClip();
    } else if (/^[1-5]$/.test(key)) {
      setRating(Number(key));
    } else {
      return;
    }
    event.preventDefault();
  };
  // A focused button would also "click" on the space bar's keyup.
  const onKeyUp = (event) => {
    if (event.key === " " && !typing(event.target)) event.preventDefault();
  };
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", onKeyUp);

  return () => {
    document.removeEventListener("keydown", onKeyDown);
    document.removeEventListener("keyup", onKeyUp);
    cancelAnimationFrame(frame);
    clearTimeout(refreshTimer);
    for (const stop of cleanups) stop();
    video.pause();
    video.removeAttribute("src");
    video.load();
  };
}
