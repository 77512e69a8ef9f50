// The annotate page's selected clip and its list: the panel that names, times
// (typed m:ss.s or seconds, or "at playhead"), rates, tags and notes the selected
// clip and deletes it in two steps; the list of the game's clips, each with Edit
// and a two-step Delete; and the list's TSV import. Ratings (words first, the symbol as a secondary mark),
// tags and limits come from the vocabulary; the derived name from ../names.js.
// The page owns the clips and the draft (the selected clip's edits, ahead of the
// server); this panel edits the draft and asks the page to save.
//
//   const editor = clipEditor(root, options, disposer)
//   editor.render(fresh): the panel and the list (fresh: the fields the server just set);
//   editor.panel(): the panel only; editor.showTimes(start, end); editor.setRating(value)
//   options: clips(), selectedId(), draft() → {rating, tags, notes, name}, name(clip),
//            time() (the playhead), save(changes), remove(id), select(id, seekToIt)
//   tsvImport(root, { api, gameId, onImported }, disposer): #tsv-file writes clips, then onImported()

import { derivedName } from "./names.js";
import { clock, el, length } from "./ui.js";
import { rating, vocabulary } from "./vocabulary.js";

/** A time to the millisecond, as a clip's times are kept. */
export const round3 = (value) => Math.round(value * 1000) / 1000;

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

/** A rating as words first, its symbol as a secondary mark. */
export function ratingNodes(value) {
  const { word, symbol } = rating(value);
  return [el("span", { class: "rating-word", text: word }), symbol ? el("span", { class: "rating-symbol", text: symbol }) : null];
}

/** A button that asks first: the first click arms it ("Confirm delete"), the second acts. */
export function twoStep(button, label, act, disposer) {
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
  disposer.add(() => clearTimeout(armed));
  return button;
}

export function clipEditor(root, options, disposer) {
  const { clips, selectedId, draft, name, time, save, remove, select } = options;
  const limits = vocabulary.limits || {};
  const tagOrder = (vocabulary.tags || []).flatMap((group) => group.tags.map((t) => t.short));
  const $ = (selector) => root.querySelector(selector);
  const selected = () => clips().find((clip) => clip.id === selectedId()) || null;
  const clipError = $("#clip-error");
  const nameInput = $("#clip-name");
  const startInput = $("#clip-start");
  const endInput = $("#clip-end");
  const notes = $("#clip-notes");
  nameInput.maxLength = limits.name_max;
  notes.maxLength = limits.clip_notes_max;

  // --- editing the draft --------------------------------------------------------------------
  function setRating(value) {
    if (!selected()) return;
    draft().rating = value;
    panel();
    save({ rating: value });
  }
  function toggleTag(tag) {
    if (!selected()) return;
    const on = new Set(draft().tags);
    if (on.has(tag)) on.delete(tag);
    else on.add(tag);
    draft().tags = tagOrder.filter((t) => on.has(t));
    panel();
    save({ tags: draft().tags });
  }
  function saveNotes() {
    const clip = selected();
    if (!clip) return;
    draft().notes = notes.value;
    if (draft().notes !== clip.notes) save({ notes: draft().notes });
  }
  function typedTime(input, field) {
    const clip = selected();
    if (!clip) return;
    const seconds = parseClock(input.value);
    if (seconds === null) {
      clipError.textContent = `“${input.value}” is not a time: type minutes and seconds like 1:05.5, or seconds like 65.5.`;
      return;
    }
    if (round3(seconds) !== clip[field]) save({ [field]: round3(seconds) });
  }

  $("#ratings").replaceChildren(
    ...(vocabulary.ratings || []).map((r) => {
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

  disposer.listen(notes, "input", countNotes);
  disposer.listen(notes, "change", saveNotes);
  disposer.listen($("#save-notes"), "click", saveNotes);
  disposer.listen(nameInput, "input", () => panel());
  disposer.listen(nameInput, "change", () => {
    const clip = selected();
    if (!clip) return;
    draft().name = nameInput.value.trim();
    if (draft().name !== (clip.name_is_derived ? "" : clip.name)) save({ name: draft().name });
  });
  disposer.listen(startInput, "change", () => typedTime(startInput, "start_time"));
  disposer.listen(endInput, "change", () => typedTime(endInput, "end_time"));
  disposer.listen($("#start-here"), "click", () => selected() && save({ start_time: round3(time()) }));
  disposer.listen($("#end-here"), "click", () => selected() && save({ end_time: round3(time()) }));
  twoStep($("#delete-clip"), "Delete clip", () => selectedId() && remove(selectedId()), disposer);

  // --- drawing ------------------------------------------------------------------------------
  function showTimes(start, end, force = true) {
    if (force || document.activeElement !== startInput) startInput.value = clock(start, { tenths: true });
    if (force || document.activeElement !== endInput) endInput.value = clock(end, { tenths: true });
    $("#clip-length-text").textContent = length(end - start);
  }

  function countNotes() {
    const used = notes.value.length;
    const counter = $("#notes-count");
    counter.textContent = `${used} / ${limits.clip_notes_max}`;
    counter.classList.toggle("near-limit", used > limits.clip_notes_max * 0.9);
  }

  function panel(fresh = []) {
    const clip = selected();
    $("#editor").hidden = !clip;
    $("#editor-empty").hidden = Boolean(clip);
    if (!clip) return;
    const { rating: value, tags, name: typedName, notes: typedNotes } = draft();
    const derived = derivedName(value, tags);
    const typed = document.activeElement === nameInput ? nameInput.value.trim() : typedName;
    const preview = $("#name-preview");
    preview.textContent = typed || derived || `${rating(value).word} — add tags or a name`;
    preview.classList.toggle("placeholder", !(typed || derived));
    nameInput.placeholder = derived || "Add tags, or type a name";
    if (fresh.includes("name") || document.activeElement !== nameInput) nameInput.value = typedName;
    $("#editor-swatch").style.background = rating(value).colour;
    const timesFresh = fresh.includes("start_time") || fresh.includes("end_time");
    showTimes(clip.start_time, clip.end_time, timesFresh);
    for (const button of root.querySelectorAll(".rating-button")) {
      button.setAttribute("aria-checked", String(Number(button.dataset.rating) === value));
    }
    for (const chip of root.querySelectorAll(".chip")) {
      chip.setAttribute("aria-pressed", String(tags.includes(chip.dataset.tag)));
    }
    if (document.activeElement !== notes) notes.value = typedNotes;
    countNotes();
  }

  function list() {
    const all = clips();
    $("#clip-count").textContent = all.length ? `(${all.length})` : "";
    const node = $("#clip-list");
    if (!all.length) {
      node.replaceChildren(el("li", { class: "empty muted", text: "No clips yet." }));
      return;
    }
    node.replaceChildren(
      ...all.map((clip) => {
        const swatch = el("span", { class: "swatch", title: rating(clip.rating).word });
        swatch.style.background = rating(clip.rating).colour;
        return el(
          "li",
          { class: `clip-item${clip.id === selectedId() ? " selected" : ""}`, dataset: { clipId: clip.id, rating: clip.rating } },
          swatch,
          el(
            "button",
            { type: "button", class: "clip-main", onclick: () => select(clip.id, true) },
            el("span", { class: "clip-name", text: name(clip) }),
            el(
              "span",
              { class: "clip-meta muted small" },
              el("span", { class: "clip-rating", text: rating(clip.rating).word }),
              ` ${rating(clip.rating).symbol} · ${clock(clip.start_time)}–${clock(clip.end_time)} · ${length(clip.duration)}${clip.notes ? " · notes" : ""}`,
            ),
          ),
          el("button", { type: "button", class: "link edit-clip", text: "Edit", onclick: () => select(clip.id, true) }),
          twoStep(el("button", { type: "button", class: "link delete", text: "Delete" }), "Delete", () => remove(clip.id), disposer),
        );
      }),
    );
  }

  return {
    render(fresh = []) {
      list();
      panel(fresh);
    },
    panel,
    showTimes,
    setRating,
  };
}

/** The clip list from a TSV file: each clip written, or the server's sentence for each bad line. */
export function tsvImport(root, { api, gameId, onImported }, disposer) {
  disposer.listen(root.querySelector("#tsv-file"), "change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const result = root.querySelector("#tsv-result");
    result.className = "tsv-result";
    result.textContent = `Importing ${file.name}…`;
    try {
      // The file's bytes, not file.text(): the server checks the encoding line by line.
      const tsvFile = new Blob([file], { type: "text/tab-separated-values" });
      const written = await api("POST", `/api/games/${gameId}/clips.tsv`, tsvFile);
      result.classList.add("ok");
      result.textContent = `${written.length} clip${written.length === 1 ? "" : "s"} written from ${file.name}.`;
      await onImported();
    } catch (error) {
      result.classList.add("error");
      const lines = (error.data && error.data.errors) || [];
      result.replaceChildren(
        el("p", { text: error.message }),
        lines.length ? el("ul", {}, lines.map((line) => el("li", { text: `Line ${line.line}: ${line.message}` }))) : null,
      );
    }
  });
}
