// Gallery: the finished videos, one card per project with its latest version (its
// older versions one click away), a poster, the date, the clips' ratings in words,
// and a download saved under the project's name. Filters (name, shape, type,
// rating, dates) live in the address, so a reload or a shared link keeps them.
// Everything it names (shapes, types, rating words and colours) comes from the
// vocabulary; the API does the filtering (GET /api/downloads, exports/gallery.py).
// Below them, the reviews (game reviews and before / after videos, GET /api/reviews).
// Every video plays in its card, its chapters listed as buttons that seek; each can be
// shared by a link (../share-dialog.js); a final video can start its before / after.

import { openShareDialog } from "../share-dialog.js";
import { bytes, clock, dateLabel, el } from "../ui.js";
import { rating, vocabulary } from "../vocabulary.js";

const FILTERS = ["q", "aspect", "type", "min_rating", "since", "until"];
// Links from other pages narrow the gallery to one game's or one project's videos.
const SOURCES = ["game", "project"];

const options = (items, none) => [
  el("option", { value: "" }, none),
  ...items.map((item) => el("option", { value: item.value }, item.label)),
];

/** "2 Brilliant, 1 Good": the project's clips by rating, words first, each in its colour. */
function ratingCounts(byRating) {
  const parts = Object.entries(byRating || {})
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => Number(b) - Number(a))
    .map(([value, count]) => {
      const { word, symbol, colour } = rating(value);
      return el("span", { class: "gallery-rating", style: colour ? `--rating-colour:${colour}` : null,
        title: symbol ? `${word} (${symbol})` : word }, `${count} ${word}`);
    });
  return parts.length ? el("p", { class: "gallery-ratings" }, parts) : null;
}

/** The player of a card: the video in its own shape, its poster until it plays. */
function player(src, poster, label, width, height) {
  const video = el("video", { src, poster, controls: true, preload: "metadata", playsinline: true, "aria-label": label });
  return { video, frame: el("div", { class: "gallery-frame", style: `aspect-ratio:${width} / ${height}` }, video) };
}

/** The video's chapters as buttons: each seeks its player to the chapter and plays. */
function chapterList(chapters, video) {
  if (!chapters || !chapters.length) return null;
  const seek = (start) => {
    video.currentTime = start;
    video.play().catch(() => {}); // a browser that refuses to autoplay still shows the frame
  };
  return el("details", { class: "gallery-chapters-panel", open: chapters.length <= 6 },
    el("summary", {}, `${chapters.length} chapter${chapters.length === 1 ? "" : "s"}`),
    el("ol", { class: "gallery-chapters", "aria-label": "Chapters" },
      chapters.map((chapter) => el("li", {},
        el("button", { type: "button", class: "gallery-chapter", dataset: { start: String(chapter.start) }, onclick: () => seek(chapter.start) },
          el("span", { class: "gallery-chapter-time" }, clock(chapter.start)),
          el("span", { class: "gallery-chapter-title" }, chapter.title))))));
}

/** "All clips" / "Good (!) or better · Goal, Pass": what a game review was made of. */
function reviewFilters(filters) {
  if (!filters) return "";
  const parts = [];
  const lowest = Math.min(...(vocabulary.ratings || []).map((r) => r.value));
  if (filters.min_rating && filters.min_rating > lowest) {
    const { word, symbol } = rating(filters.min_rating);
    parts.push(`${word}${symbol ? ` (${symbol})` : ""} or better`);
  }
  if (filters.tags && filters.tags.length) parts.push(`tagged ${filters.tags.join(", ")}`);
  return parts.length ? parts.join(" · ") : "All clips";
}

/** A button that asks once more before it acts ("Really delete?"). */
function confirmed(button, question) {
  if (button.classList.contains("confirming")) return true;
  button.classList.add("confirming");
  button.textContent = question;
  return false;
}

function filterBar(form, params) {
  const field = (label, control) => el("label", { class: "gallery-filter" }, el("span", {}, label), control);
  const ratings = (vocabulary.ratings || []).map((r, index) => ({
    value: String(r.value), label: index === 0 ? `Has a ${r.word} clip` : `${r.word} or better`,
  }));
  form.replaceChildren(
    field("Project", el("input", { type: "search", name: "q", placeholder: "Name", autocomplete: "off" })),
    field("Shape", el("select", { name: "aspect" }, options((vocabulary.aspect_ratios || []).map((a) => ({
      value: a.value, label: a.hint ? `${a.label} (${a.hint})` : a.label })), "Any shape"))),
    field("Type", el("select", { name: "type" }, options(vocabulary.gallery_types || [], "Any type"))),
    field("Rating", el("select", { name: "min_rating" }, options(ratings, "Any rating"))),
    field("From", el("input", { type: "date", name: "since" })),
    field("To", el("input", { type: "date", name: "until" })),
    el("button", { type: "reset", class: "button gallery-clear" }, "Clear filters"),
  );
  for (const name of FILTERS) form.elements[name].value = params.get(name) || "";
}

export async function mount(root, data, shell) {
  const { api, notifications, notificationCenter } = shell;
  const grid = root.querySelector("#gallery-grid");
  const form = root.querySelector("#gallery-filters");
  const summary = root.querySelector("#gallery-summary");
  const more = root.querySelector("#gallery-more");
  const params = new URLSearchParams(window.location.search);
  let next = null;
  let loading = 0;

  const query = () => {
    const wanted = new URLSearchParams();
    for (const name of SOURCES) if (params.get(name)) wanted.set(name, params.get(name));
    for (const name of FILTERS) if (form.elements[name].value) wanted.set(name, form.elements[name].value);
    return wanted;
  };

  const remove = async (video, button) => {
    if (!confirmed(button, "Really delete?")) return;
    try {
      await api("DELETE", `/api/downloads/${video.id}`);
      notificationCenter.say("success", "Video deleted", `${video.project.name} v${video.version}`);
      shell.status.refreshGalleryCount();
      await load({ fresh: true });
    } catch (error) {
      notificationCenter.say("error", "Could not delete the video", error.message);
    }
  };

  const share = (kind, video, title) => (event) =>
    openShareDialog({ api, video: { kind, id: video.id, title }, opener: event.currentTarget });

  const beforeAfter = async (video, button) => {
    button.disabled = true;
    try {
      await api("POST", `/api/downloads/${video.id}/before-after`, {});
      shell.status.refreshExports(); // its row shows at once, then follows the socket
    } catch (error) {
      notificationCenter.say("error", "Could not start the before / after video", error.message);
    } finally {
      button.disabled = false;
    }
  };

  const actions = (video, { latest = false } = {}) => el("div", { class: "gallery-actions" },
    el("a", { class: "button primary", href: `${video.download_url}?download=1`, download: video.filename }, "Download"),
    latest ? el("button", { type: "button", class: "button gallery-before-after", title: "Each clip as filmed, then this video",
      onclick: (event) => beforeAfter(video, event.currentTarget) }, "Before / after") : null,
    el("button", { type: "button", class: "button gallery-share", "aria-haspopup": "dialog",
      onclick: share("final_video", video, `${video.project.name} v${video.version}`) }, "Share"),
    el("button", { type: "button", class: "button danger", onclick: (event) => remove(video, event.currentTarget) }, "Delete"));

  const olderRow = (video) => el("li", { class: "gallery-version", dataset: { videoId: String(video.id) } },
    el("a", { href: video.download_url, target: "_blank", rel: "noopener", class: "gallery-version-name" },
      `v${video.version}`),
    el("span", { class: "muted small" }, `${dateLabel(video.created_at)} · ${clock(video.duration)} · ${bytes(video.size)}`),
    actions(video));

  const older = (video) => {
    const count = video.versions - 1;
    if (count < 1) return null;
    const list = el("ul", { class: "gallery-versions" }, el("li", { class: "muted small" }, "Loading…"));
    const details = el("details", { class: "gallery-older" },
      el("summary", {}, `${count} older version${count === 1 ? "" : "s"}`), list);
    details.addEventListener("toggle", async () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = "true";
      try {
        const all = (await api("GET", `/api/downloads?project=${video.project.id}&limit=100`)).results;
        list.replaceChildren(...all.filter((v) => v.id !== video.id).map(olderRow));
      } catch (error) {
        delete details.dataset.loaded;
        list.replaceChildren(el("li", { class: "error small" }, error.message));
      }
    });
    return details;
  };

  const card = (video) => {
    const shown = player(video.download_url, video.poster_url, `${video.project.name} v${video.version}`, video.width, video.height);
    return el("li", { class: "card gallery-item", dataset: { videoId: String(video.id), projectId: String(video.project.id) } },
      shown.frame,
      el("div", { class: "gallery-body" },
        el("h2", { class: "gallery-title" }, el("a", { href: `/projects/${video.project.id}/overlay/` }, video.project.name)),
        el("p", { class: "muted small" },
          `v${video.version} · ${dateLabel(video.created_at)} · ${clock(video.duration)} · ${video.width}×${video.height} · ${bytes(video.size)}`),
        ratingCounts(video.clips_by_rating),
        chapterList(video.chapters, shown.video),
        actions(video, { latest: true }),
        older(video)));
  };

  const show = (page, append) => {
    grid.removeAttribute("aria-busy");
    next = page.next;
    more.hidden = !next;
    const cards = page.results.map(card);
    if (append) grid.append(...cards);
    else grid.replaceChildren(...(cards.length ? cards : [el("li", { class: "empty card" }, query().toString()
      ? "No finished videos match these filters."
      : "No finished videos yet: export a project's overlay to see it here.")]));
    const shown = grid.querySelectorAll(".gallery-item").length;
    summary.textContent = page.count ? `${page.count} project${page.count === 1 ? "" : "s"}${shown < page.count ? `, ${shown} shown` : ""}` : "";
  };

  // Reloads only when the filters say something new, unless `fresh` (a video came or went).
  let loadedQuery = null;
  const load = async ({ fresh = false } = {}) => {
    const wanted = query();
    if (!fresh && wanted.toString() === loadedQuery) return;
    loadedQuery = wanted.toString();
    history.replaceState(history.state, "", `/gallery/${wanted.toString() ? `?${wanted}` : ""}`);
    wanted.set("latest", "1");
    wanted.set("limit", "24");
    const ticket = ++loading;
    try {
      const page = await api("GET", `/api/downloads?${wanted}`);
      if (ticket === loading) show(page, false);
    } catch (error) {
      if (ticket !== loading) return;
      if (error.status !== 400) {
        notificationCenter.say("error", "Could not load the gallery", error.message);
        return;
      }
      // A filter the server refuses (an end date before the start): say why, in place.
      more.hidden = true;
      summary.textContent = "";
      grid.replaceChildren(el("li", { class: "empty card error", role: "alert" }, error.message));
    }
  };

  // --- the reviews: game reviews and before / after videos, newest first -------------------
  const reviewsGrid = root.querySelector("#reviews-grid");
  const reviewsMore = root.querySelector("#reviews-more");
  const reviewsSummary = root.querySelector("#reviews-summary");
  let reviewsNext = null;
  let reviewsLoading = 0;

  const removeReview = async (review, button) => {
    if (!confirmed(button, "Really delete?")) return;
    try {
      await api("DELETE", `/api/reviews/${review.id}`);
      notificationCenter.say("success", "Video deleted", `${review.title} v${review.version}`);
      await loadReviews();
    } catch (error) {
      notificationCenter.say("error", "Could not delete the video", error.message);
    }
  };

  const reviewCard = (review) => {
    const label = `${review.title} v${review.version}`;
    const shown = player(review.download_url, review.poster_url, label, review.width, review.height);
    const summary = review.summary || {};
    const clips = Number.isFinite(summary.clips) ? `${summary.clips} clip${summary.clips === 1 ? "" : "s"} · ` : "";
    const game = review.kind === "game_review" && review.game_id;
    return el("li", { class: "card review-item gallery-review", dataset: { reviewId: String(review.id), kind: review.kind } },
      shown.frame,
      el("div", { class: "gallery-body" },
        el("h3", { class: "gallery-title" }, game ? el("a", { href: `/games/${review.game_id}/` }, review.title) : review.title),
        el("p", { class: "muted small" },
          `v${review.version} · ${dateLabel(review.created_at)} · ${clips}${clock(review.duration)} · ${review.width}×${review.height} · ${bytes(review.size)}`),
        review.kind === "game_review" ? ratingCounts(summary.by_rating) : null,
        review.kind === "game_review" ? el("p", { class: "muted small gallery-review-filters" }, reviewFilters(summary.filters)) : null,
        chapterList(review.chapters, shown.video),
        el("div", { class: "gallery-actions" },
          el("a", { class: "button primary", href: `${review.download_url}?download=1`, download: review.filename }, "Download"),
          el("button", { type: "button", class: "button gallery-share", "aria-haspopup": "dialog", onclick: share("review_video", review, label) }, "Share"),
          el("button", { type: "button", class: "button danger", onclick: (event) => removeReview(review, event.currentTarget) }, "Delete"))));
  };

  const showReviews = (page, append) => {
    reviewsGrid.removeAttribute("aria-busy");
    reviewsNext = page.next;
    reviewsMore.hidden = !reviewsNext;
    const cards = page.results.map(reviewCard);
    if (append) reviewsGrid.append(...cards);
    else reviewsGrid.replaceChildren(...(cards.length ? cards : [el("li", { class: "empty card" },
      "No reviews yet: make a game review from a game's page (Game review), or a before / after from a final video above.")]));
    const shown = reviewsGrid.querySelectorAll(".gallery-review").length;
    reviewsSummary.textContent = page.count ? `${page.count} video${page.count === 1 ? "" : "s"}${shown < page.count ? `, ${shown} shown` : ""}` : "";
  };

  const loadReviews = async () => {
    const wanted = new URLSearchParams({ limit: "12" });
    if (params.get("game")) wanted.set("game", params.get("game")); // a game's link narrows these too
    const ticket = ++reviewsLoading;
    try {
      const page = await api("GET", `/api/reviews?${wanted}`);
      if (ticket === reviewsLoading) showReviews(page, false);
    } catch (error) {
      if (ticket !== reviewsLoading) return;
      reviewsGrid.removeAttribute("aria-busy");
      reviewsGrid.replaceChildren(el("li", { class: "empty card error", role: "alert" }, `Could not load the reviews: ${error.message}`));
    }
  };
  reviewsMore.addEventListener("click", async () => {
    if (!reviewsNext) return;
    try {
      showReviews(await api("GET", reviewsNext), true);
    } catch (error) {
      notificationCenter.say("error", "Could not load more reviews", error.message);
    }
  });

  filterBar(form, params);
  // On a phone the filters fold away (the videos come first) unless some are set.
  const panel = root.querySelector("#gallery-filter-panel");
  const panelLabel = panel.querySelector("summary");
  const active = () => FILTERS.filter((name) => form.elements[name].value).length;
  const labelPanel = () => { panelLabel.textContent = active() ? `Filters (${active()})` : "Filters"; };
  panel.open = !window.matchMedia("(max-width: 600px)").matches || active() > 0;
  labelPanel();
  let typing = null;
  const changed = () => { labelPanel(); clearTimeout(typing); typing = setTimeout(load, 250); };
  form.addEventListener("input", changed); // selects and date fields send input events too
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(typing); load(); });
  form.addEventListener("reset", () => {
    for (const name of SOURCES) params.delete(name);
    clearTimeout(typing);
    setTimeout(() => { labelPanel(); load(); }, 0); // once the form holds its cleared values
  });
  more.addEventListener("click", async () => {
    if (!next) return;
    try {
      show(await api("GET", next), true);
    } catch (error) {
      notificationCenter.say("error", "Could not load more videos", error.message);
    }
  });
  const stop = notifications.subscribe("export_complete", (message) => {
    const type = message.data && message.data.export_type;
    if (type === "overlay") load({ fresh: true });
    if (type === "game_review" || type === "before_after") loadReviews();
  });
  // To the reviews without touching the address (a #hash would be a navigation here).
  const toReviews = () => root.querySelector("#reviews").scrollIntoView({ block: "start" });
  root.querySelector("#reviews-jump").addEventListener("click", (event) => {
    event.preventDefault();
    toReviews();
  });
  await Promise.all([load(), loadReviews()]);
  if (window.location.hash === "#reviews") toReviews(); // a link to the gallery's reviews
  return () => {
    stop();
    clearTimeout(typing);
    loading += 1; // an answer still on its way is dropped
    reviewsLoading += 1;
    for (const video of root.querySelectorAll("video")) video.pause();
    for (const dialog of document.querySelectorAll("dialog.share-dialog")) dialog.remove();
  };
}
