// Gallery: the finished videos, one card per project with its latest version (its
// older versions one click away), a poster, the date, the clips' ratings in words,
// and a download saved under the project's name. Filters (name, shape, type,
// rating, dates) live in the address, so a reload or a shared link keeps them.
// Everything it names (shapes, types, rating words and colours) comes from the
// vocabulary; the API does the filtering (GET /api/downloads, exports/gallery.py).

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
    if (!button.classList.contains("confirming")) {
      button.classList.add("confirming");
      button.textContent = "Really delete?";
      return;
    }
    try {
      await api("DELETE", `/api/downloads/${video.id}`);
      notificationCenter.say("success", "Video deleted", `${video.project.name} v${video.version}`);
      shell.status.refreshGalleryCount();
      await load({ fresh: true });
    } catch (error) {
      notificationCenter.say("error", "Could not delete the video", error.message);
    }
  };

  const actions = (video) => el("div", { class: "gallery-actions" },
    el("a", { class: "button primary", href: `${video.download_url}?download=1`, download: video.filename }, "Download"),
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

  const card = (video) => el("li", { class: "card gallery-item", dataset: { videoId: String(video.id), projectId: String(video.project.id) } },
    el("div", { class: "gallery-frame", style: `aspect-ratio:${video.width} / ${video.height}` },
      el("video", { src: video.download_url, poster: video.poster_url, controls: true, preload: "metadata", playsinline: true,
        "aria-label": `${video.project.name} v${video.version}` })),
    el("div", { class: "gallery-body" },
      el("h2", { class: "gallery-title" }, el("a", { href: `/projects/${video.project.id}/overlay/` }, video.project.name)),
      el("p", { class: "muted small" },
        `v${video.version} · ${dateLabel(video.created_at)} · ${clock(video.duration)} · ${video.width}×${video.height} · ${bytes(video.size)}`),
      ratingCounts(video.clips_by_rating),
      actions(video),
      older(video)));

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
    if (message.data && message.data.export_type === "overlay") load({ fresh: true });
  });
  await load();
  return () => {
    stop();
    clearTimeout(typing);
    loading += 1; // an answer still on its way is dropped
    for (const video of grid.querySelectorAll("video")) video.pause();
  };
}
