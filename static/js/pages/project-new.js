// New project from clips: filter (game, minimum rating, tags), a live count and
// total duration, a checklist of the matching clips, aspect ratio and name; and
// which projects the 5-star rule made by itself.

import { allPages } from "../api.js";
import { el, length } from "../ui.js";
import { vocabulary } from "../vocabulary.js";
import { clipFilters, clipSummary, matchingClips, ratingDot } from "../clip-picker.js";
import { aspectChoices } from "../aspect-choices.js";

export async function mount(root, data, shell) {
  const host = root.querySelector("#project-new");
  const [games, projects] = await Promise.all([allPages("/api/games"), allPages("/api/projects")]);
  const gameNames = Object.fromEntries(games.map((g) => [g.id, g.display_name]));

  const state = {
    clips: [],
    unchecked: new Set(),
    suggested: "",
    nameEdited: false,
    request: 0,
  };

  const picker = clipFilters({
    games,
    gameId: data.game_id && gameNames[data.game_id] ? data.game_id : "",
    onChange: () => schedule(),
  });
  const ratioChoices = aspectChoices({ name: "aspect_ratio", value: vocabulary.default_aspect_ratio });
  const automatic = projects.filter((p) => p.automatic);
  const autoNote = automatic.length
    ? el(
        "p",
        { class: "auto-note card", id: "auto-projects" },
        el("strong", { text: `${automatic.length} project${automatic.length === 1 ? " was" : "s were"} made automatically` }),
        " from your 5★ clips: ",
        automatic.slice(0, 3).flatMap((p, i) => [i ? ", " : "", el("a", { href: `/projects/${p.id}/edit/`, text: p.name })]),
        automatic.length > 3 ? el("a", { href: "/?tab=projects", text: ` and ${automatic.length - 3} more` }) : null,
        ".",
      )
    : null;

  const nameInput = el("input", {
    id: "project-name", name: "name", type: "text", maxlength: String(vocabulary.limits?.project_name_max ?? ""), placeholder: "Project name",
  });
  const count = el("strong", { id: "clip-count", text: "…" });
  const duration = el("span", { id: "clip-duration", class: "muted" });
  const summaryNote = el("span", { id: "clip-summary-note", class: "muted" });
  const list = el("ul", { id: "clip-checklist", class: "clip-checklist" });
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const create = el("button", { type: "submit", id: "create-project", class: "button primary-button", text: "Create project" });
  const toggleAll = el("button", { type: "button", class: "link", text: "Select all" });

  host.replaceChildren(
    autoNote,
    el(
      "form",
      { class: "new-project-form", novalidate: true },
      el(
        "section",
        { class: "card filters" },
        el("h2", { text: "Which clips" }),
        picker.node,
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
    duration.textContent = chosen.length ? `· ${length(seconds)}` : "";
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
            ratingDot(clip.rating),
            clipSummary(clip, gameNames[clip.game]),
          ),
        );
      }),
    );
  }

  async function preview() {
    const ticket = ++state.request;
    try {
      const result = await matchingClips(shell.api, picker.values());
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
        ...picker.values(),
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
