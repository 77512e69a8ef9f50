// Home: continue where you left off, and the Games | Projects tabs. The lists come
// from the REST API and refresh themselves when the socket says something changed
// (a game created, uploaded, edited or deleted here, in another tab or by a worker;
// clips cut; exports progressing).

import { el, formatDuration, formatDate } from "../ui.js";

const STAGE_LABELS = {
  done: "exported", exporting: "exporting", editing: "editing", ready: "ready to edit",
  extracting: "cutting", pending: "waiting",
};
const VIDEO_STATES = {
  none: "No video yet", uploading: "Uploading…", processing: "Processing…", ready: "", failed: "Upload failed",
};
const REFRESH_ON = [
  "changed", "upload_complete", "upload_failed", "extraction_complete", "extraction_failed",
  "export_started", "export_complete", "export_failed",
];

export async function mount(root, data, shell) {
  const { api, notifications } = shell;
  const state = { games: [], projects: [] };
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

  const gameCard = (game) => {
    const video = game.video;
    const facts = [
      game.game_date ? formatDate(game.game_date) : null,
      game.game_type === "tournament" && game.tournament_name ? game.tournament_name : game.game_type,
      video.duration ? formatDuration(video.duration) : null,
      video.width ? `${video.width}×${video.height}` : null,
      `${game.clips.count} clip${game.clips.count === 1 ? "" : "s"}`,
    ].filter(Boolean);
    const stateText = game.upload ? "Uploading…" : VIDEO_STATES[video.status] ?? video.status;
    return el("li", { class: "card game-card", "data-game-id": game.id },
      el("a", { class: "card-link", href: `/games/${game.id}/` }, el("strong", {}, game.display_name)),
      el("span", { class: "muted" }, facts.join(" · ")),
      stateText ? el("span", { class: `state state-${video.status}` }, stateText) : null,
      el("span", { class: "ratings", title: "clips by rating" },
        ...[5, 4, 3, 2, 1].map((r) => (game.clips.by_rating?.[r] ? el("span", { class: `rating r${r}` }, `${r}★ ${game.clips.by_rating[r]}`) : null))),
    );
  };

  const projectCard = (project) => el("li", { class: "card project-card", "data-project-id": project.id },
    el("a", { class: "card-link", href: `/projects/${project.id}/` }, el("strong", {}, project.name)),
    el("span", { class: "muted" }, [
      `${project.clip_count} clip${project.clip_count === 1 ? "" : "s"}`, project.aspect_ratio,
      project.has_final_video ? "final video ready" : project.has_working_video ? "framed" : project.edited ? "in progress" : "not started",
      project.automatic ? "5★ auto" : null,
    ].filter(Boolean).join(" · ")),
    el("div", { class: "strip", role: "img", "aria-label": stripLabel(project.stages) },
      ...project.stages.map((stage, i) => el("span", {
        class: `segment ${stage}`, title: `${i === project.stages.length - 1 ? "Overlay" : `Clip ${i + 1}`}: ${STAGE_LABELS[stage]}`,
      }))),
  );

  const stripLabel = (stages) => stages.map((s, i) => `${i === stages.length - 1 ? "overlay" : `clip ${i + 1}`} ${STAGE_LABELS[s]}`).join(", ");

  const render = () => {
    root.querySelector('[data-count="games"]').textContent = String(state.games.length);
    root.querySelector('[data-count="projects"]').textContent = String(state.projects.length);
    const gameList = root.querySelector("#game-list");
    gameList.removeAttribute("aria-busy");
    gameList.replaceChildren(...(state.games.length ? state.games.map(gameCard)
      : [el("li", { class: "empty card" }, "No games yet. ", el("a", { href: "/games/new/" }, "Upload your first match"), ".")]));
    const groups = new Map();
    for (const project of state.projects) {
      const label = project.group_label || "Other projects";
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push(project);
    }
    const container = root.querySelector("#project-groups");
    container.removeAttribute("aria-busy");
    container.replaceChildren(...(state.projects.length ? [...groups].map(([label, projects]) => el("section", { class: "project-group" },
      el("h3", {}, label), el("ul", { class: "project-list" }, ...projects.map(projectCard))))
      : [el("p", { class: "empty card" }, "No projects yet. Rate a clip 5★ or ", el("a", { href: "/projects/new/" }, "make one from your clips"), ".")]));
    renderContinue();
  };

  const renderContinue = () => {
    const box = root.querySelector("#continue");
    const latestProject = [...state.projects].sort((a, b) => (b.last_opened_at || b.created_at).localeCompare(a.last_opened_at || a.created_at))[0];
    const latestGame = state.games[0];
    const cards = [];
    if (latestProject) cards.push(el("a", { class: "card continue-card", href: `/projects/${latestProject.id}/` }, el("span", { class: "muted" }, "Project"), el("strong", {}, latestProject.name)));
    if (latestGame) cards.push(el("a", { class: "card continue-card", href: `/games/${latestGame.id}/` }, el("span", { class: "muted" }, "Game"), el("strong", {}, latestGame.display_name)));
    box.querySelector(".continue-cards").replaceChildren(...cards);
    box.hidden = cards.length === 0;
  };

  const all = async (path) => {
    const items = [];
    let next = path;
    while (next) {
      const page = await api("GET", next);
      items.push(...page.results);
      next = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
    }
    return items;
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
        [state.games, state.projects] = await Promise.all([all("/api/games?limit=200"), all("/api/projects?limit=200")]);
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
