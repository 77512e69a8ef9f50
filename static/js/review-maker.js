// The annotate page's "Game review" dialog: which of the game's clips go into one
// captioned review video (a minimum rating, and tags of which any one will do),
// how many clips and how long that is (counted from the clips the page already
// holds, by the server's rule in exports/reviews.py), then POST
// /api/games/{id}/reviews. The job's progress is the status bar's (export_progress);
// a refusal (409: no clip matches, no video yet, a review already running) is said
// in the dialog. Ratings, their symbols and colours, tags and qualities come from
// the vocabulary.
//
//   const maker = reviewMaker({ api, gameId, clips: () => clips, onQueued: (job) => ... });
//   maker.open(opener); maker.destroy();
//   matchingClips(clips, { minRating, tags }), reviewSize(clips): the pure parts (tests/js).

import { el, length } from "./ui.js";
import { modal } from "./share-dialog.js";
import { rating, vocabulary } from "./vocabulary.js";

/** The clips a review with these filters shows: rated at least minRating and, when
 *  tags are chosen, carrying any one of them; in game order (start time). */
export function matchingClips(clips, { minRating = 1, tags = [] } = {}) {
  const wanted = new Set(tags);
  return clips
    .filter((clip) => clip.rating >= minRating && (!wanted.size || clip.tags.some((tag) => wanted.has(tag))))
    .sort((a, b) => a.start_time - b.start_time || a.id - b.id); // as the server orders them
}

/** "12 clips, 3 min 20 s" (their lengths added); "No clips match" for none. */
export function reviewSize(clips) {
  if (!clips.length) return "No clips match";
  const seconds = clips.reduce((sum, clip) => sum + Math.max(0, clip.end_time - clip.start_time), 0);
  return `${clips.length} clip${clips.length === 1 ? "" : "s"}, ${length(seconds)}`;
}

/** The tags the game's clips use, in the vocabulary's order (unknown ones after). */
export function usedTags(clips, order = (vocabulary.tags || []).flatMap((group) => group.tags)) {
  const used = new Set(clips.flatMap((clip) => clip.tags));
  const known = order.filter((tag) => used.has(tag.short));
  const knownNames = new Set(known.map((tag) => tag.short));
  const others = [...used].filter((name) => !knownNames.has(name)).sort().map((name) => ({ short: name, long: name }));
  return [...known, ...others];
}

/** The minimum-rating choices: every clip, then "2+" … up to the best rating only. */
function ratingChoices() {
  const values = (vocabulary.ratings || []).map((r) => r.value).sort((a, b) => a - b);
  const best = values[values.length - 1];
  return values.map((value, index) => {
    const { word, symbol, colour } = rating(value);
    if (index === 0) return { value, short: "All", long: "All clips, whatever their rating", colour: "" };
    const only = value === best;
    return {
      value,
      short: only ? `${value} only` : `${value}+`,
      symbol,
      long: only ? `${word} (${symbol}) only` : `${word} (${symbol}) or better`,
      colour,
    };
  });
}

export function reviewMaker({ api, gameId, clips, onQueued }) {
  const choices = ratingChoices();
  const qualities = vocabulary.qualities || [];
  const count = el("p", { class: "review-count", id: "review-count", "aria-live": "polite" });
  const hint = el("p", { class: "muted small review-rating-hint", id: "review-rating-hint" });
  const error = el("p", { class: "error review-error", role: "alert" });
  const tagBox = el("div", { class: "review-tags", role: "group", "aria-labelledby": "review-tags-label" });
  const make = el("button", { type: "submit", class: "accent", id: "review-make" }, "Make review");
  const quality = el("select", { id: "review-quality", name: "quality" },
    qualities.map((q) => el("option", { value: q.value }, q.label)));
  const audio = el("input", { type: "checkbox", id: "review-audio", name: "audio", checked: true });
  let chosenTags = new Set();

  const ratingGroup = el("div", { class: "review-ratings", role: "radiogroup", "aria-labelledby": "review-rating-label" },
    choices.map((choice) =>
      el("label", { class: "review-rating", style: choice.colour ? `--rating-colour:${choice.colour}` : null, title: choice.long },
        el("input", { type: "radio", name: "min_rating", value: String(choice.value), checked: choice.value === choices[0].value, "aria-label": choice.long }),
        choice.colour ? el("span", { class: "swatch", "aria-hidden": "true" }) : null,
        el("span", { class: "review-rating-short" }, choice.short),
        choice.symbol ? el("span", { class: "rating-symbol", "aria-hidden": "true" }, choice.symbol) : null)));

  const form = el("form", { class: "review-form", novalidate: true },
    el("h2", { id: "review-title" }, "Game review"),
    el("p", { class: "muted small" }, "One video of this game's clips in game order, each with its rating, name and notes on screen."),
    el("fieldset", { class: "plain" },
      el("legend", { class: "label-like", id: "review-rating-label" }, "Minimum rating"),
      ratingGroup, hint),
    el("fieldset", { class: "plain" },
      el("legend", { class: "label-like", id: "review-tags-label" }, "Tags ", el("span", { class: "muted small" }, "(any of; none chosen: every tag)")),
      tagBox),
    el("div", { class: "review-settings" },
      el("label", { class: "inline-field", for: "review-quality" }, "Quality ", quality),
      el("label", { class: "inline-field", for: "review-audio" }, audio, " Sound")),
    count,
    error,
    el("div", { class: "button-row" },
      make,
      el("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel")));

  const dialog = modal("review-maker", "review-title", form);

  const minRating = () => Number(form.elements.min_rating.value) || choices[0].value;
  const filters = () => ({ minRating: minRating(), tags: [...chosenTags] });

  const update = () => {
    const matched = matchingClips(clips(), filters());
    count.textContent = reviewSize(matched);
    count.classList.toggle("none", !matched.length);
    make.disabled = !matched.length;
    const choice = choices.find((c) => c.value === minRating());
    hint.textContent = choice ? choice.long : "";
    error.textContent = "";
  };

  const drawTags = () => {
    const tags = usedTags(clips());
    chosenTags = new Set([...chosenTags].filter((name) => tags.some((tag) => tag.short === name)));
    tagBox.replaceChildren(...(tags.length
      ? tags.map((tag) => el("button", {
        type: "button", class: "chip", title: tag.long, dataset: { tag: tag.short }, "aria-pressed": String(chosenTags.has(tag.short)),
        onclick: (event) => {
          if (chosenTags.has(tag.short)) chosenTags.delete(tag.short);
          else chosenTags.add(tag.short);
          event.currentTarget.setAttribute("aria-pressed", String(chosenTags.has(tag.short)));
          update();
        },
      }, tag.short))
      : [el("span", { class: "muted small" }, "None of this game's clips has a tag yet.")]));
  };

  form.addEventListener("change", update);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { minRating: min, tags } = filters();
    make.disabled = true;
    make.textContent = "Starting…";
    try {
      const job = await api("POST", `/api/games/${gameId}/reviews`, {
        min_rating: min, tags, quality: quality.value, audio: audio.checked,
      });
      dialog.close();
      if (onQueued) onQueued(job);
    } catch (problem) {
      error.textContent = problem.message;
      make.disabled = false;
    } finally {
      make.textContent = "Make review";
    }
  });

  return {
    dialog,
    open(opener) {
      drawTags();
      update();
      dialog.open(opener);
    },
    destroy: () => dialog.remove(),
  };
}
