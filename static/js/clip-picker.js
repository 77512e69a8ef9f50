// Choosing clips by game, minimum rating and tags: the filters and the clip rows
// that the new-project page and a project's own page (adding clips) share. The
// ratings, their words and colours, and the tags come from the server's
// vocabulary; matching clips from POST /api/projects/preview-clips.

import { el, clock, length } from "./ui.js";
import { vocabulary, rating, ratingLabel } from "./vocabulary.js";

/** The filter controls. `games` [{id, display_name}]; `gameId` preselects one
 *  ("" for all). `onChange()` runs after any change; `values()` is the body
 *  preview-clips and from-clips take. `prefix` keeps ids unique on a page. */
export function clipFilters({ games, gameId = "", prefix = "filter", onChange = () => {} }) {
  const ids = { game: `${prefix}-game`, rating: `${prefix}-rating` };
  const state = { gameId: String(gameId || ""), minRating: 1, tags: new Set() };

  const gameSelect = el(
    "select",
    { id: ids.game, name: "game" },
    el("option", { value: "", text: "All games" }),
    games.map((g) => el("option", { value: String(g.id), text: g.display_name })),
  );
  gameSelect.value = state.gameId;

  const ratings = [...(vocabulary.ratings || [])].sort((a, b) => a.value - b.value);
  const lowest = ratings.length ? ratings[0].value : 1;
  const ratingSelect = el(
    "select",
    { id: ids.rating, name: "min_rating" },
    ratings.map((r) =>
      el("option", {
        value: String(r.value),
        text: r.value === lowest ? "Any rating" : `${ratingLabel(r.value)} or better`,
      }),
    ),
  );
  ratingSelect.value = String(lowest);
  state.minRating = lowest;

  const tagGroups = el(
    "div",
    { class: "tag-groups" },
    (vocabulary.tags || []).map((group) =>
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

  gameSelect.addEventListener("change", () => {
    state.gameId = gameSelect.value;
    onChange();
  });
  ratingSelect.addEventListener("change", () => {
    state.minRating = Number(ratingSelect.value);
    onChange();
  });
  tagGroups.addEventListener("change", (event) => {
    const box = event.target;
    if (box.checked) state.tags.add(box.value);
    else state.tags.delete(box.value);
    box.closest(".chip").classList.toggle("on", box.checked);
    onChange();
  });

  const node = el(
    "div",
    { class: "clip-filters" },
    el("label", { for: ids.game, text: "Game" }),
    gameSelect,
    el("label", { for: ids.rating, text: "Minimum rating" }),
    ratingSelect,
    el("div", { class: "label-like", text: "Tags (any of)" }),
    tagGroups,
  );
  const values = () => ({
    game_ids: state.gameId ? [Number(state.gameId)] : [],
    min_rating: state.minRating,
    tags: [...state.tags],
  });
  return { node, values };
}

/** Clips matching the filters (and the server's suggested name for them). */
export function matchingClips(api, filters) {
  return api("POST", "/api/projects/preview-clips", filters);
}

/** A rating as a coloured dot whose title says it in words. */
export function ratingDot(value) {
  const { colour } = rating(value);
  return el("span", { class: "rating-dot", style: colour ? `background:${colour}` : null, title: ratingLabel(value) });
}

/** What a row says about a clip: its name, then its game, start and length. */
export function clipSummary(clip, gameName) {
  return [
    el("span", { class: "clip-name", text: clip.name || `Clip at ${clock(clip.start_time)}` }),
    el("span", {
      class: "clip-meta muted",
      text: [ratingLabel(clip.rating), gameName, clock(clip.start_time), length(clip.duration)].filter(Boolean).join(" · "),
    }),
  ];
}
