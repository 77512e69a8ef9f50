// New project from clips: filter (game, minimum rating, tags), a live count and
// total duration, a checklist of the matching clips, aspect ratio and name.

import { el, formatDuration, formatTime } from "../editor-kit.js";

const RATIOS = [
  ["9:16", "9:16", "phones"],
  ["16:9", "16:9", "wide"],
  ["1:1", "1:1", "square"],
  ["4:3", "4:3", "classic"],
];
const RATING_COLORS = { 1: "#C62828", 2: "#F9A825", 3: "#1565C0", 4: "#2E7D32", 5: "#66BB6A" };

export async function mount(root, data, shell) {
  const host = root.querySelector("#project-new");
  const [gamesPage, vocabulary] = await Promise.all([
    shell.api("GET", "/api/games?limit=200"),
    shell.api("GET", "/api/tags"),
  ]);
  const games = gamesPage.results || gamesPage;
  const gameNames = Object.fromEntries(games.map((g) => [g.id, g.display_name]));

  const state = {
    gameId: data.game_id && gameNames[data.game_id] ? String(data.game_id) : "",
    minRating: 1,
    tags: new Set(),
    clips: [],
    unchecked: new Set(),
    suggested: "",
    nameEdited: false,
    request: 0,
  };

  const gameSelect = el(
    "select",
    { id: "filter-game", name: "game" },
    el("option", { value: "", text: "All games" }),
    games.map((g) => el("option", { value: String(g.id), text: g.display_name })),
  );
  gameSelect.value = state.gameId;

  const ratingSelect = el(
    "select",
    { id: "filter-rating", name: "min_rating" },
    [...vocabulary.ratings]
      .sort((a, b) => a.rating - b.rating)
      .map((r) =>
        el("option", {
          value: String(r.rating),
          text: r.rating === 1 ? "Any rating" : `${r.rating}★ ${r.adjective} ${r.symbol} or better`,
        }),
      ),
  );
  ratingSelect.value = "1";

  const tagGroups = el(
    "div",
    { class: "tag-groups" },
    vocabulary.positions.map((group) =>
      el(
        "fieldset",
        { class: "tag-group" },
        el("legend", { text: group.position }),
        group.tags.map((tag) =>
          el(
            "label",
            { class: "chip", title: tag.long },
            el("input", { type: "checkbox", value: tag.short, name: "tag" }),
            el("span", { text: tag.short }),
          ),
        ),
      ),
    ),
  );

  const ratioChoices = el(
    "div",
    { class: "ratio-choices", role: "radiogroup", "aria-label": "Aspect ratio" },
    RATIOS.map(([value, label, hint]) =>
      el(
        "label",
        { class: "ratio-choice" },
        el("input", { type: "radio", name: "aspect_ratio", value, checked: value === "9:16" }),
        el("span", { class: "ratio-shape", style: ratioShape(value) }),
        el("span", { class: "ratio-label" }, label, el("small", { class: "muted", text: hint })),
      ),
    ),
  );

  const nameInput = el("input", { id: "project-name", name: "name", type: "text", maxlength: "200", placeholder: "Project name" });
  const count = el("strong", { id: "clip-count", text: "…" });
  const duration = el("span", { id: "clip-duration", class: "muted" });
  const summaryNote = el("span", { id: "clip-summary-note", class: "muted" });
  const list = el("ul", { id: "clip-checklist", class: "clip-checklist" });
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const create = el("button", { type: "submit", id: "create-project", class: "button primary-button", text: "Create project" });
  const toggleAll = el("button", { type: "button", class: "link", text: "Select all" });

  host.replaceChildren(
    el(
      "form",
      { class: "new-project-form", novalidate: true },
      el(
        "section",
        { class: "card filters" },
        el("h2", { text: "Which clips" }),
        el("label", { for: "filter-game", text: "Game" }),
        gameSelect,
        el("label", { for: "filter-rating", text: "Minimum rating" }),
        ratingSelect,
        el("div", { class: "label-like", text: "Tags (any of)" }),
        tagGroups,
      ),
      el(
        "section",
        { class: "card matches" },
        el("div", { class: "summary" }, el("span", {}, count, " "), duration, summaryNote, toggleAll),
        list,
      ),
      el(
        "section",
        { class: "card finish" },
        el("h2", { text: "Shape and name" }),
        ratioChoices,
        el("label", { for: "project-name", text: "Name" }),
        nameInput,
        error,
        create,
      ),
    ),
  );
  host.removeAttribute("aria-busy");
  const form = host.querySelector("form");

  const checkedClips = () => state.clips.filter((c) => !state.unchecked.has(c.id));

  function renderSummary() {
    const chosen = checkedClips();
    const seconds = chosen.reduce((sum, c) => sum + c.duration, 0);
    count.textContent = `${chosen.length} clip${chosen.length === 1 ? "" : "s"}`;
    duration.textContent = chosen.length ? `· ${formatDuration(seconds)}` : "";
    summaryNote.textContent = state.unchecked.size && state.clips.length ? ` (of ${state.clips.length} matching)` : "";
    toggleAll.hidden = state.unchecked.size === 0;
    create.disabled = chosen.length === 0;
  }

  function renderList() {
    if (!state.clips.length) {
      list.replaceChildren(el("li", { class: "empty muted", text: "No clips match; loosen the rating or tags." }));
      return;
    }
    list.replaceChildren(
      ...state.clips.map((clip) => {
        const box = el("input", { type: "checkbox", value: String(clip.id), checked: !state.unchecked.has(clip.id) });
        box.addEventListener("change", () => {
          if (box.checked) state.unchecked.delete(clip.id);
          else state.unchecked.add(clip.id);
          renderSummary();
        });
        return el(
          "li",
          { dataset: { clipId: clip.id } },
          el(
            "label",
            {},
            box,
            el("span", { class: "rating-dot", style: `background:${RATING_COLORS[clip.rating] || "#777"}`, title: `${clip.rating}★` }),
            el("span", { class: "clip-name", text: clip.name || `Clip at ${formatTime(clip.start_time)}` }),
            el("span", { class: "clip-meta muted", text: `${gameNames[clip.game] || ""} · ${formatTime(clip.start_time)} · ${Math.round(clip.duration)} s` }),
          ),
        );
      }),
    );
  }

  function filters() {
    return {
      game_ids: state.gameId ? [Number(state.gameId)] : [],
      min_rating: state.minRating,
      tags: [...state.tags],
    };
  }

  async function preview() {
    const ticket = ++state.request;
    try {
      const result = await shell.api("POST", "/api/projects/preview-clips", filters());
      if (ticket !== state.request) return; // a newer filter is on its way
      state.clips = result.clips;
      const ids = new Set(result.clips.map((c) => c.id));
      state.unchecked = new Set([...state.unchecked].filter((id) => ids.has(id)));
      state.suggested = result.suggested_name;
      if (!state.nameEdited) nameInput.value = state.suggested;
      error.hidden = true;
      renderList();
      renderSummary();
    } catch (e) {
      if (ticket !== state.request) return;
      error.textContent = e.message;
      error.hidden = false;
    }
  }

  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    count.textContent = "…";
    timer = setTimeout(preview, 250);
  };

  gameSelect.addEventListener("change", () => {
    state.gameId = gameSelect.value;
    schedule();
  });
  ratingSelect.addEventListener("change", () => {
    state.minRating = Number(ratingSelect.value);
    schedule();
  });
  tagGroups.addEventListener("change", (event) => {
    const box = event.target;
    if (box.checked) state.tags.add(box.value);
    else state.tags.delete(box.value);
    box.closest(".chip").classList.toggle("on", box.checked);
    schedule();
  });
  nameInput.addEventListener("input", () => {
    state.nameEdited = nameInput.value.trim() !== "";
  });
  nameInput.addEventListener("blur", () => {
    if (!state.nameEdited) nameInput.value = state.suggested;
  });
  toggleAll.addEventListener("click", () => {
    state.unchecked.clear();
    renderList();
    renderSummary();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = checkedClips();
    if (!chosen.length) return;
    create.disabled = true;
    create.textContent = "Creating…";
    try {
      const project = await shell.api("POST", "/api/projects/from-clips", {
        ...filters(),
        clip_ids: chosen.map((c) => c.id),
        name: nameInput.value.trim(),
        aspect_ratio: form.querySelector("input[name=aspect_ratio]:checked").value,
      });
      // navigation.js builds new URL(href) without a base: hand it an absolute address
      shell.navigate(new URL(`/projects/${project.id}/`, window.location.href).href);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      create.disabled = false;
      create.textContent = "Create project";
    }
  });

  await preview();
  return () => clearTimeout(timer);
}

function ratioShape(ratio) {
  const [w, h] = ratio.split(":").map(Number);
  const scale = 26 / Math.max(w, h);
  return `width:${Math.round(w * scale)}px;height:${Math.round(h * scale)}px`;
}
