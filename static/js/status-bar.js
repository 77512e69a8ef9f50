// The global status bar: every running upload and export of this user, with its
// progress. Exports come from the server (the active list at start and after a
// reconnect, then the socket's progress messages); uploads are reported by the
// upload code running in this tab. Rows are the notification center's progress rows.

import { api } from "./api.js";

export class StatusBar {
  constructor(center, client) {
    this.center = center;
    this.client = client;
    this.uploads = new Set();
  }

  start() {
    this.refreshExports();
    this.client.subscribe("ready", () => this.refreshExports());
    this.client.subscribe("export_complete", (message) => {
      if (message.data && message.data.export_type === "overlay") this.refreshGalleryCount();
    });
  }

  async refreshExports() {
    try {
      for (const job of await api("GET", "/api/exports/active")) {
        this.center.showProgress({
          type: "export_progress",
          title: job.status === "pending" ? "Export queued" : "Exporting",
          message: job.title || job.project_name, // a game review has no project
          progress: job.progress || 0,
          data: { task_id: job.job_id, job_id: job.job_id, project_id: job.project_id },
        });
      }
    } catch (error) {
      console.warn("Could not load running exports", error);
    }
  }

  async refreshGalleryCount() {
    const count = document.getElementById("gallery-count");
    if (!count) return;
    try {
      count.textContent = String((await api("GET", "/api/downloads?limit=1")).count);
    } catch {
      /* the next page load shows it */
    }
  }

  /** Report an upload running in this tab (progress 0-100). */
  upload(taskId, title, message, progress) {
    this.uploads.add(taskId);
    this.center.showProgress({ type: "upload_progress", title, message, progress, data: { task_id: taskId } });
  }

  uploadEnded(taskId) {
    this.uploads.delete(taskId);
    this.center.finishProgress(taskId, 1500);
  }

  busyUploads() {
    return this.uploads.size > 0;
  }
}
