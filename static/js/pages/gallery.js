// Gallery: the finished videos (final exports), to play, download or delete,
// filtered by the game or project they came from.

import { el, formatBytes, formatDuration } from "../ui.js";

export async function mount(root, data, shell) {
  const { api, notifications, notificationCenter } = shell;
  const grid = root.querySelector("#gallery-grid");
  const source = root.querySelector("#gallery-source");
  let videos = [];

  const fillSources = async () => {
    const [games, projects] = await Promise.all([api("GET", "/api/games?limit=200"), api("GET", "/api/projects?limit=200")]);
    const group = (label, items, prefix, name) => el("optgroup", { label },
      ...items.map((item) => el("option", { value: `${prefix}=${item.id}` }, name(item))));
    source.append(
      group("Games", games.results, "game", (g) => g.display_name),
      group("Projects", projects.results.filter((p) => p.has_final_video || p.final_video), "project", (p) => p.name),
    );
    const wanted = new URLSearchParams(window.location.search);
    for (const key of ["game", "project"]) if (wanted.get(key)) source.value = `${key}=${wanted.get(key)}`;
  };

  const card = (video) => el("li", { class: "card gallery-item", "data-video-id": video.id },
    el("video", { src: `${video.download_url}`, controls: true, preload: "metadata", playsinline: true }),
    el("strong", {}, `${video.project.name} · v${video.version}`),
    el("span", { class: "muted small" }, `${formatDuration(video.duration)} · ${video.width}×${video.height} · ${formatBytes(video.size)}`),
    el("div", { class: "row" },
      el("a", { class: "button", href: `${video.download_url}?download=1`, download: `${video.project.name} v${video.version}.mp4` }, "Download"),
      el("a", { class: "button", href: `/projects/${video.project.id}/overlay/` }, "Open project"),
      el("button", { class: "button danger", type: "button", onclick: () => remove(video) }, "Delete")),
  );

  const render = () => {
    grid.removeAttribute("aria-busy");
    grid.replaceChildren(...(videos.length ? videos.map(card)
      : [el("li", { class: "empty card" }, source.value ? "No finished videos from this source." : "No finished videos yet: export a project's overlay to see it here.")]));
  };

  const load = async () => {
    try {
      const query = source.value ? `&${source.value}` : "";
      videos = (await api("GET", `/api/downloads?limit=200${query}`)).results;
      render();
    } catch (error) {
      notificationCenter.say("error", "Could not load the gallery", error.message);
    }
  };

  const remove = async (video) => {
    if (!window.confirm(`Delete ${video.project.name} v${video.version}? This cannot be undone.`)) return;
    try {
      await api("DELETE", `/api/downloads/${video.id}`);
      notificationCenter.say("success", "Video deleted", `${video.project.name} v${video.version}`);
      await load();
      shell.status.refreshGalleryCount();
    } catch (error) {
      notificationCenter.say("error", "Could not delete the video", error.message);
    }
  };

  source.addEventListener("change", () => {
    history.replaceState(history.state, "", source.value ? `/gallery/?${source.value}` : "/gallery/");
    load();
  });
  const stop = notifications.subscribe("export_complete", (message) => {
    if (message.data && message.data.export_type === "overlay") load();
  });
  await fillSources().catch(() => {});
  await load();
  return () => {
    stop();
    for (const video of grid.querySelectorAll("video")) video.pause();
  };
}
