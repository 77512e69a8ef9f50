// "The framing changed after this video was exported": the overlay editor's banner
// when a project's framing_changed_since_export is true, with its two ways out.
// "Export again" starts the framing export and reloads the page onto the new framed
// video when it is done; "Discard changes" puts back the exported framing
// (POST /api/projects/{id}/framing/discard, with the project's version).
//
//   framingBanner({ shell, project, beforeExport, onDiscarded }, disposer) → element
//   project: the project detail (its version is kept current here); beforeExport(): saves first.

import { el } from "./ui.js";

const POLL_MS = 3000;

export function framingBanner({ shell, project, beforeExport, onDiscarded }, disposer) {
  const exportAgain = el("button", { type: "button", id: "framing-export-again", class: "button primary-button", text: "Export again" });
  const discard = el("button", { type: "button", id: "framing-discard", class: "button", text: "Discard changes" });
  const status = el("span", { class: "framing-banner-status", role: "status" });
  const banner = el(
    "div",
    { id: "framing-changed", class: "framing-banner", role: "alert", hidden: !project.framing_changed_since_export },
    el("span", {
      class: "framing-banner-text",
      text: "The framing changed after this video was exported: these highlights sit on the old framing. Export it again, or go back to the exported framing.",
    }),
    el("div", { class: "button-row" }, exportAgain, discard),
    status,
  );
  const busy = (on) => {
    exportAgain.disabled = on;
    discard.disabled = on;
  };

  async function watch(jobId) {
    const job = await shell.api("GET", `/api/exports/${jobId}`).catch(() => null);
    if (job && job.status === "complete") {
      window.location.reload();
    } else if (job && (job.status === "error" || job.status === "cancelled")) {
      status.textContent = job.error || "The framing export did not finish.";
      busy(false);
    } else {
      disposer.timeout(() => watch(jobId), POLL_MS);
    }
  }

  disposer.listen(exportAgain, "click", async () => {
    busy(true);
    try {
      await beforeExport();
      const type = project.clips.length > 1 ? "multi_clip" : "framing";
      const job = await shell.api("POST", "/api/exports", { project_id: project.id, type });
      status.textContent = "Exporting the framing… this page reloads the new framed video when it is done.";
      disposer.timeout(() => watch(job.job_id), POLL_MS);
    } catch (error) {
      status.textContent = error.message;
      busy(false);
    }
  });
  disposer.listen(discard, "click", async () => {
    busy(true);
    try {
      Object.assign(project, await shell.api("POST", `/api/projects/${project.id}/framing/discard`, { version: project.version }));
      banner.hidden = true;
      onDiscarded();
    } catch (error) {
      if (error.data && error.data.current) project.version = error.data.current.version;
      status.textContent = error.message;
      busy(false);
    }
  });
  return banner;
}
