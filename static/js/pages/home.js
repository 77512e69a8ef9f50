// Home: continue where you left off, and the Games | Projects tabs. The lists come
// from the REST API and refresh themselves when the socket says something changed
// (a game or project created, changed or deleted here, in another tab or by a
// worker; clips cut; exports progressing). Projects can be narrowed by status,
// shape and who made them (the choices come from the server's vocabulary), and
// their groups fold away (remembered in this browser).

import { allPages } from "../api.js";
import { el, clock, dateLabel } from "../ui.js";
import { vocabulary, rating, ratingLabel } from "../vocabulary.js";
import { aspectStyle } from "../aspect-choices.js";

const STAGE_LABELS = {
  done: "exported", exporting: "exporting", editing: "editing", ready: "ready to edit",
  extracting: "cutting", pending: "waiting",
};
const REFRESH_ON = [
  "changed", "upload_complete", "upload_failed", "extraction_complete", "extraction_failed",
  "export_started", "export_complete", "export_failed",
];
const FOLDED_KEY = "home.folded-groups";
const FILTERS_KEY = "home.project-filters";

const labelOf = (list, value) => (list || []).find((item) => item.value === value)?.label ?? value;
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function remembered(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}
const remember = (key, value) => {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // private mode: forget it
  }
};

/** Where a project card opens: the editor last used (the highlight editor only
 *  once there is a framed video to draw on). */
const editorUrl = (project) =>
  project.mode === "overlay" && project.has_working_video ? `/projects/${project.id}/overlay/` : `/projects/${project.id}/`;

/** What the server says about a game's video, in words; an upload shows as
 *  running only while the server holds an active upload session for it. */
function videoState(game) {
  const status = game.video.status;
  if (game.upload) return ["uploading", "Uploading…"];
  if (status === "uploading") return ["stopped", "Upload stopped: open the game to resume it"];
  if (status === "processing") return ["processing", "Processing…"];
  if (status === "failed") return ["failed", "Upload failed"];
  if (status === "none") return ["none", "No video yet"];
  return [status, ""];
}

function poster(url, aspect) {
  return url ? el("img", { class: "poster", src: url, alt: "", loading: "lazy", style: aspect }) : null;
}

export async function mount(root, data, shell) {
  const { api, notifications } = shell;
  const state = {
    games: [],
    projects: [],
    filters: { status: "", aspect: "", origin: "", ...remembered(FILTERS_KEY, {}) },
    folded: new Set(remembered(FOLDED_KEY, [])),
  };
  const tabs = { games: root.querySelector("#tab-games"), projects: root.querySelector("#tab-projects") };
  const panels = { games: root.querySelector("#games-panel"), projects: root.querySelector("#projects-panel") };

  const select = (name, remember = true) => {
    for (const key of Object.keys(tabs)) {
      tabs[key].setAttribute("aria-selected", String(key === name));
      panels[key].hidden = key !== name;
    }
    if (remember) history.replaceState(history.state, "", name === "games" ? "/" : "/?tab=projects");
  };
  tabs.games.addEventListener("click", () => select("games"));
  tabs.projects.addEventListener("click", () => select("projects"));
  select(data.tab === "projects" ? "projects" : "games", false);

  // --- filters ------------------------------------------------------------------------------
  const filterSelect = (key, label, anyText, options) => {
    const node = el(
      "select",
      { id: `filter-${key}`, "aria-label": label, dataset: { filter: key } },
      el("option", { value: "", text: anyText }),
      options.map((o) => el("option", { value: o.value, text: o.label })),
    );
    node.value = state.filters[key] || "";
    node.addEventListener("change", () => {
      state.filters[key] = node.value;
      remember(FILTERS_KEY, state.filters);
      renderProjects();
    });
    return node;
  };
  const filterBar = root.querySelector("#project-filters");
  filterBar.replaceChildren(
    filterSelect("status", "Status", "Any status", vocabulary.project_statuses || []),
    filterSelect("aspect", "Shape", "Any shape", (vocabulary.aspect_ratios || []).map((r) => ({ value: r.value, label: r.label }))),
    filterSelect("origin", "Made by", "Anyone", vocabulary.project_origins || []),
  );
  const matches = (project) => {
    const { status, aspect, origin } = state.filters;
    return (
      (!status || project.status === status) &&
      (!aspect || project.aspect_ratio === aspect) &&
      (!origin || (origin === "automatic") === Boolean(project.automatic))
    );
  };

  // --- cards --------------------------------------------------------------------------------
  const gameCard = (game) => {
    const video = game.video;
    const facts = [
      game.game_date ? dateLabel(game.game_date) : null,
      game.game_type === "tournament" && game.tournament_name ? game.tournament_name : game.game_type,
      video.duration ? clock(video.duration) : null,
      video.width ? `${video.width}×${video.height}` : null,
      plural(game.clips.count, "clip"),
    ].filter(Boolean);
    const [stateName, stateText] = videoState(game);
    return el(
      "li",
      { class: "card game-card", "data-game-id": game.id },
      poster(game.poster_url, video.width && video.height ? `aspect-ratio:${video.width}/${video.height}` : null),
      el("a", { class: "card-link", href: `/games/${game.id}/` }, el("strong", {}, game.display_name)),
      el("span", { class: "muted" }, facts.join(" · ")),
      stateText ? el("span", { class: `state state-${stateName}`, dataset: { videoState: stateName } }, stateText) : null,
      el(
        "span",
        { class: "ratings", title: "clips by rating" },
        (vocabulary.ratings || []).map(({ value }) =>
          game.clips.by_rating?.[value]
            ? el("span", { class: "rating-count", title: ratingLabel(value) },
                el("span", { class: "rating-dot", style: `background:${rating(value).colour}` }),
                `${rating(value).word} ${game.clips.by_rating[value]}`) // prettier-ignore
            : null,
        ),
      ),
    );
  };

  const stripLabel = (stages) => stages.map((s, i) => `${i === stages.length - 1 ? "overlay" : `clip ${i + 1}`} ${STAGE_LABELS[s]}`).join(", ");

  const stageStrip = (project) =>
    el(
      "div",
      { class: "strip", role: "group", "aria-label": stripLabel(project.stages) },
      project.stages.map((stage, i) => {
        const overlay = i === project.stages.length - 1;
        const clipId = project.clip_ids?.[i];
        const title = `${overlay ? "Highlight" : `Clip ${i + 1}`}: ${STAGE_LABELS[stage]}`;
        const href = overlay ? `/projects/${project.id}/overlay/` : `/projects/${project.id}/?clip=${clipId}`;
        return el("a", { class: `segment ${stage}`, href, title, "aria-label": title });
      }),
    );

  const projectCard = (project) => {
    const status = labelOf(vocabulary.project_statuses, project.status);
    const framingChanged = project.framing_changed_since_export;
    return el(
      "li",
      { class: "card project-card", "data-project-id": project.id, dataset: { status: project.status } },
      poster(project.poster_url, aspectStyle(project.aspect_ratio)),
      el(
        "div",
        { class: "project-card-head" },
        el("a", { class: "card-link", href: editorUrl(project), title: `Open in ${project.mode === "overlay" ? "the highlight editor" : "framing"}` },
          el("strong", {}, project.name)), // prettier-ignore
        el("a", { class: "project-settings-link", href: `/projects/${project.id}/edit/`, "aria-label": `Clips and settings of ${project.name}`, text: "Edit" }),
      ),
      el("span", { class: "muted" }, [plural(project.clip_count, "clip"), project.aspect_ratio, status].join(" · ")),
      el(
        "span",
        { class: "badges" },
        project.automatic ? el("span", { class: "pill auto-badge", title: "A 5★ clip made it" }, "made automatically") : null,
        framingChanged
          ? el("a", { class: "pill changed-badge", href: `/projects/${project.id}/overlay/` }, "Framing changed — export again")
          : null,
      ),
      stageStrip(project),
    );
  };

  // --- rendering ----------------------------------------------------------------------------
  const renderGames = () => {
    root.querySelector('[data-count="games"]').textContent = String(state.games.length);
    const gameList = root.querySelector("#game-list");
    gameList.removeAttribute("aria-busy");
    gameList.replaceChildren(
      ...(state.games.length
        ? state.games.map(gameCard)
        : [el("li", { class: "empty card" }, "No games yet. ", el("a", { href: "/games/new/" }, "Upload your first match"), ".")]),
    );
  };

  const toggleGroup = (label) => {
    if (state.folded.has(label)) state.folded.delete(label);
    else state.folded.add(label);
    remember(FOLDED_KEY, [...state.folded]);
    renderProjects();
  };

  const renderProjects = () => {
    root.querySelector('[data-count="projects"]').textContent = String(state.projects.length);
    const shown = state.projects.filter(matches);
    const groups = new Map();
    for (const project of shown) {
      const label = project.group_label || "Other projects";
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push(project);
    }
    const container = root.querySelector("#project-groups");
    container.removeAttribute("aria-busy");
    const filtered = shown.length !== state.projects.length;
    root.querySelector("#filter-summary").textContent = filtered ? `${shown.length} of ${state.projects.length} shown` : "";
    if (!state.projects.length) {
      container.replaceChildren(el("p", { class: "empty card" }, "No projects yet. Rate a clip 5★ or ", el("a", { href: "/projects/new/" }, "make one from your clips"), "."));
      return;
    }
    if (!shown.length) {
      const clear = () => {
        state.filters = { status: "", aspect: "", origin: "" };
        remember(FILTERS_KEY, state.filters);
        filterBar.querySelectorAll("select").forEach((select) => (select.value = ""));
        renderProjects();
      };
      container.replaceChildren(
        el("p", { class: "empty card" }, "No project matches these filters. ",
          el("button", { type: "button", class: "link", id: "clear-filters", onclick: clear }, "Show all projects")), // prettier-ignore
      );
      return;
    }
    container.replaceChildren(
      ...[...groups].map(([label, projects]) => {
        const folded = state.folded.has(label);
        return el(
          "section",
          { class: `project-group${folded ? " folded" : ""}`, dataset: { group: label } },
          el(
            "h3",
            {},
            el("button", { type: "button", class: "group-toggle", "aria-expanded": String(!folded), onclick: () => toggleGroup(label) },
              el("span", { class: "chevron", "aria-hidden": "true" }), label, el("span", { class: "count", text: String(projects.length) })), // prettier-ignore
          ),
          folded ? null : el("ul", { class: "project-list" }, projects.map(projectCard)),
        );
      }),
    );
  };

  const renderContinue = () => {
    const box = root.querySelector("#continue");
    const latestProject = [...state.projects].sort((a, b) => (b.last_opened_at || b.created_at).localeCompare(a.last_opened_at || a.created_at))[0];
    const latestGame = state.games[0];
    const cards = [];
    if (latestProject) cards.push(el("a", { class: "card continue-card", href: editorUrl(latestProject) }, el("span", { class: "muted" }, "Project"), el("strong", {}, latestProject.name)));
    if (latestGame) cards.push(el("a", { class: "card continue-card", href: `/games/${latestGame.id}/` }, el("span", { class: "muted" }, "Game"), el("strong", {}, latestGame.display_name)));
    box.querySelector(".continue-cards").replaceChildren(...cards);
    box.hidden = cards.length === 0;
  };

  const render = () => {
    renderGames();
    renderProjects();
    renderContinue();
  };

  let loading = null;
  let again = false;
  const load = async () => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        [state.games, state.projects] = await Promise.all([allPages("/api/games"), allPages("/api/projects")]);
        render();
      } catch (error) {
        shell.notificationCenter.say("error", "Could not load your games and projects", error.message);
      }
    })();
    await loading;
    loading = null;
    if (again) {
      again = false;
      load();
    }
  };

  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 250); // a burst of changes makes one reload
  };
  const unsubscribe = REFRESH_ON.map((type) => notifications.subscribe(type, soon));
  await load();
  return () => {
    clearTimeout(timer);
    unsubscribe.forEach((stop) => stop());
  };
}
