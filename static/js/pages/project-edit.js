// A project's own page: its clips in order (drag a row by its handle, with mouse,
// pen or touch, or move it with the up/down buttons), remove one, add clips from
// any game through the same filters as a new project, rename it, change its shape
// (the crops start again: a warning to confirm) and delete it in two steps.
// Every change goes straight to the API; the page then shows what it answered.

import { allPages } from "../api.js";
import { el } from "../ui.js";
import { vocabulary } from "../vocabulary.js";
import { aspectChoices } from "../aspect-choices.js";
import { clipFilters, clipSummary, matchingClips, ratingDot } from "../clip-picker.js";

export async function mount(root, data, shell) {
  const host = root.querySelector("#project-edit");
  const base = `/api/projects/${data.project_id}`;
  const [first, games] = await Promise.all([shell.api("GET", base), allPages("/api/games")]);
  const gameNames = Object.fromEntries(games.map((g) => [g.id, g.display_name]));
  const state = { project: first, candidates: [], picked: new Set(), request: 0 };
  const cleanups = [];
  // What a change did, said beside the page's title (a toast would cover the panels).
  const status = el("p", { id: "edit-status", class: "edit-status", role: "status", "aria-live": "polite" });
  root.querySelector(".editor-head").after(status);
  cleanups.push(() => status.remove());
  const tell = (text, failed = false) => {
    status.textContent = text;
    status.classList.toggle("error", failed);
  };
  const say = (error) => tell(`Not changed: ${error.message}`, true);

  // --- the clips, in order ----------------------------------------------------------------
  const clipList = el("ol", { id: "project-clips", class: "project-clips" });
  const clipCount = el("span", { class: "muted", id: "project-clip-count" });

  function clipRow(pc, index, total) {
    const handle = el("button", {
      type: "button", class: "drag-handle", title: "Drag to reorder", "aria-label": `Drag ${pc.clip.name} to reorder`,
    }, "⠿"); // prettier-ignore
    handle.addEventListener("pointerdown", (event) => startDrag(event, row));
    const row = el(
      "li",
      { class: "project-clip", dataset: { projectClipId: pc.id } },
      handle,
      el("span", { class: "clip-number", text: String(index + 1) }),
      ratingDot(pc.clip.rating),
      el("span", { class: "clip-text" }, clipSummary(pc.clip, gameNames[pc.clip.game])),
      el(
        "span",
        { class: "row-actions" },
        el("a", { class: "button small", href: `/projects/${state.project.id}/?clip=${pc.id}`, text: "Frame" }),
        el("a", {
          class: "button small in-game", href: `/games/${pc.clip.game}/?t=${pc.clip.start_time}&clip=${pc.clip.id}`,
          title: "Open this moment in its game", text: "In game",
        }), // prettier-ignore
        el("button", {
          type: "button", class: "button small icon-button move-up", "aria-label": `Move ${pc.clip.name} up`,
          disabled: index === 0, onclick: () => move(index, index - 1),
        }, "↑"), // prettier-ignore
        el("button", {
          type: "button", class: "button small icon-button move-down", "aria-label": `Move ${pc.clip.name} down`,
          disabled: index === total - 1, onclick: () => move(index, index + 1),
        }, "↓"), // prettier-ignore
        el("button", {
          type: "button", class: "button small danger remove-clip", "aria-label": `Remove ${pc.clip.name}`,
          onclick: () => remove(pc),
        }, "Remove"), // prettier-ignore
      ),
    );
    return row;
  }

  function renderClips() {
    const clips = state.project.clips;
    clipCount.textContent = `${clips.length} clip${clips.length === 1 ? "" : "s"}`;
    clipList.replaceChildren(
      ...(clips.length
        ? clips.map((pc, i) => clipRow(pc, i, clips.length))
        : [el("li", { class: "empty muted", text: "No clips yet: add some below." })]),
    );
  }

  async function reload() {
    state.project = await shell.api("GET", base);
    render();
  }

  async function saveOrder(ids) {
    try {
      const ordered = await shell.api("PUT", `${base}/clips/order`, { project_clip_ids: ids });
      state.project.clips = ordered;
    } catch (error) {
      say(error);
      await reload();
      return;
    }
    renderClips();
  }

  function move(from, to) {
    const ids = state.project.clips.map((pc) => pc.id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id);
    saveOrder(ids).then(() => {
      // keep the keyboard where it was: on the moved clip's same button
      const row = clipList.querySelector(`[data-project-clip-id="${id}"]`);
      const button = row?.querySelector(to < from ? ".move-up" : ".move-down");
      (button && !button.disabled ? button : row?.querySelector(".drag-handle"))?.focus();
    });
  }

  async function remove(pc) {
    try {
      await shell.api("DELETE", `${base}/clips/${pc.id}`);
      tell(`Removed ${pc.clip.name}.`);
    } catch (error) {
      say(error);
    }
    await reload();
  }

  // Drag a row by its handle: pointer events, so a finger or pen drags as a mouse
  // does. Moves are heard on the window: moving the row in the list would drop a
  // pointer capture on its handle.
  function startDrag(event, row) {
    if (event.button !== 0) return;
    event.preventDefault();
    const pointer = event.pointerId;
    row.classList.add("dragging");
    state.dragging = true;
    const onMove = (e) => {
      if (e.pointerId !== pointer) return;
      const rows = [...clipList.children].filter((r) => r !== row);
      const after = rows.find((r) => {
        const box = r.getBoundingClientRect();
        return e.clientY < box.top + box.height / 2;
      });
      if (after) {
        if (row.nextElementSibling !== after) clipList.insertBefore(row, after);
      } else if (clipList.lastElementChild !== row) clipList.append(row);
    };
    const onEnd = (e) => {
      if (e.pointerId !== pointer) return;
      stop();
      row.classList.remove("dragging");
      state.dragging = false;
      const ids = [...clipList.children].map((r) => Number(r.dataset.projectClipId));
      if (ids.some((id, i) => id !== state.project.clips[i].id)) saveOrder(ids);
    };
    const stop = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onEnd);
      window.removeEventListener("pointercancel", onEnd);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onEnd);
    window.addEventListener("pointercancel", onEnd);
    cleanups.push(stop);
  }

  // --- adding clips ---------------------------------------------------------------------------
  const gameOfProject = state.project.games.length === 1 ? state.project.games[0].id : "";
  let timer = null;
  const picker = clipFilters({
    games,
    gameId: gameOfProject,
    prefix: "add",
    onChange: () => {
      clearTimeout(timer);
      timer = setTimeout(findCandidates, 200);
    },
  });
  cleanups.push(() => clearTimeout(timer));
  const candidateList = el("ul", { id: "add-candidates", class: "clip-checklist" });
  const addButton = el("button", { type: "button", id: "add-clips", class: "button primary-button", disabled: true, text: "Add clips" });

  async function findCandidates() {
    const ticket = ++state.request;
    try {
      const result = await matchingClips(shell.api, picker.values());
      if (ticket !== state.request) return;
      const inProject = new Set(state.project.clips.map((pc) => pc.clip.id));
      state.candidates = result.clips.filter((c) => !inProject.has(c.id));
      const ids = new Set(state.candidates.map((c) => c.id));
      state.picked = new Set([...state.picked].filter((id) => ids.has(id)));
      renderCandidates();
    } catch (error) {
      if (ticket === state.request) say(error);
    }
  }

  function renderCandidates() {
    candidateList.replaceChildren(
      ...(state.candidates.length
        ? state.candidates.map((clip) => {
            const box = el("input", { type: "checkbox", value: String(clip.id), checked: state.picked.has(clip.id) });
            box.addEventListener("change", () => {
              if (box.checked) state.picked.add(clip.id);
              else state.picked.delete(clip.id);
              renderAddButton();
            });
            return el("li", { dataset: { clipId: clip.id } }, el("label", {}, box, ratingDot(clip.rating), clipSummary(clip, gameNames[clip.game])));
          })
        : [el("li", { class: "empty muted", text: "No other clips match; choose another game or loosen the rating or tags." })]),
    );
    renderAddButton();
  }

  function renderAddButton() {
    const n = state.picked.size;
    addButton.disabled = n === 0;
    addButton.textContent = n ? `Add ${n} clip${n === 1 ? "" : "s"}` : "Add clips";
  }

  addButton.addEventListener("click", async () => {
    // in the order they are listed (by game date, then time)
    const ids = state.candidates.filter((c) => state.picked.has(c.id)).map((c) => c.id);
    addButton.disabled = true;
    try {
      await shell.api("POST", `${base}/clips`, { clip_ids: ids });
      state.picked.clear();
      tell(`Added ${ids.length} clip${ids.length === 1 ? "" : "s"} at the end.`);
    } catch (error) {
      say(error);
    }
    await reload();
    await findCandidates();
  });

  // --- name, shape, delete ----------------------------------------------------------------------
  const nameInput = el("input", {
    id: "project-name", type: "text", required: true,
    maxlength: vocabulary.limits?.project_name_max ? String(vocabulary.limits.project_name_max) : null,
  }); // prettier-ignore
  const nameError = el("p", { class: "error", role: "alert", id: "name-error", hidden: true });
  const nameForm = el(
    "form",
    { class: "rename-form", novalidate: true },
    el("label", { for: "project-name", text: "Name" }),
    el("div", { class: "inline-row" }, nameInput, el("button", { type: "submit", id: "rename", class: "button", text: "Rename" })),
    nameError,
  );
  nameInput.addEventListener("input", () => {
    nameError.hidden = true;
  });
  nameForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    nameError.hidden = true;
    try {
      state.project = await shell.api("PATCH", base, { version: state.project.version, name: nameInput.value });
      render();
      tell(`Renamed “${state.project.name}”.`);
    } catch (error) {
      nameError.textContent = error.message;
      nameError.hidden = false;
      if (error.status === 409) await reload();
    }
  });

  const shape = aspectChoices({ name: "project-aspect", value: first.aspect_ratio });
  const shapeWarning = el(
    "div",
    { class: "shape-warning", id: "shape-warning", role: "alertdialog", "aria-labelledby": "shape-warning-text", hidden: true },
    el("p", { id: "shape-warning-text" }),
    el(
      "div",
      { class: "button-row" },
      el("button", { type: "button", id: "confirm-aspect", class: "button primary-button", onclick: () => changeShape() }),
      el("button", { type: "button", id: "cancel-aspect", class: "button", text: "Keep the shape", onclick: () => cancelShape() }),
    ),
  );
  shape.addEventListener("change", () => {
    if (shape.value === state.project.aspect_ratio) return cancelShape();
    const n = state.project.clips.length;
    shapeWarning.querySelector("p").textContent =
      `Changing the shape to ${shape.value} starts the framing of ${n === 1 ? "its clip" : `all ${n} clips`} again: ` +
      "the crops go back to the centre. Exported videos stay as they are.";
    shapeWarning.querySelector("#confirm-aspect").textContent = `Change to ${shape.value}`;
    shapeWarning.hidden = false;
  });
  function cancelShape() {
    shape.value = state.project.aspect_ratio;
    shapeWarning.hidden = true;
  }
  async function changeShape() {
    try {
      state.project = await shell.api("PATCH", base, { version: state.project.version, aspect_ratio: shape.value });
      tell(`Now ${state.project.aspect_ratio}: the crops start again from the centre.`);
    } catch (error) {
      say(error);
      await reload();
    }
    shapeWarning.hidden = true;
    render();
  }

  const deleteButton = el("button", { type: "button", id: "delete-project", class: "button danger", text: "Delete project" });
  const cancelDelete = el("button", { type: "button", id: "cancel-delete", class: "button", text: "Cancel", hidden: true });
  let armed = false;
  const disarm = () => {
    armed = false;
    deleteButton.textContent = "Delete project";
    deleteButton.classList.remove("armed");
    cancelDelete.hidden = true;
  };
  cancelDelete.addEventListener("click", disarm);
  deleteButton.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      deleteButton.textContent = "Really delete?";
      deleteButton.classList.add("armed");
      cancelDelete.hidden = false;
      return;
    }
    deleteButton.disabled = true;
    try {
      await shell.api("DELETE", base);
      shell.navigate(new URL("/?tab=projects", window.location.href).href);
    } catch (error) {
      say(error);
      deleteButton.disabled = false;
      disarm();
    }
  });

  // --- the page ---------------------------------------------------------------------------------
  host.replaceChildren(
    el(
      "div",
      { class: "project-edit-grid" },
      el(
        "section",
        { class: "card clips-card", "aria-labelledby": "clips-heading" },
        el("div", { class: "card-head" }, el("h2", { id: "clips-heading", text: "Clips, in order" }), clipCount),
        clipList,
        el("p", { class: "hint muted", text: "Drag a clip by its handle, or move it with the arrows." }),
      ),
      el(
        "section",
        { class: "card add-card", "aria-labelledby": "add-heading" },
        el("h2", { id: "add-heading", text: "Add clips" }),
        picker.node,
        candidateList,
        addButton,
      ),
      el(
        "section",
        { class: "card settings-card", "aria-labelledby": "settings-heading" },
        el("h2", { id: "settings-heading", text: "Name and shape" }),
        nameForm,
        el("div", { class: "label-like", text: "Shape" }),
        shape,
        shapeWarning,
        el("div", { class: "danger-zone" }, el("h2", { text: "Delete" }), el("div", { class: "button-row" }, deleteButton, cancelDelete)),
      ),
    ),
  );
  host.removeAttribute("aria-busy");

  function render() {
    const { project } = state;
    root.querySelector("#project-title").textContent = project.name;
    const crumb = document.getElementById("crumb-name");
    if (crumb) crumb.textContent = project.name;
    document.title = document.title.replace(/^[^·]*·/, `${project.name} ·`);
    if (document.activeElement !== nameInput) {
      if (nameInput.value !== project.name) nameError.hidden = true; // the saved name is shown again
      nameInput.value = project.name;
    }
    if (shapeWarning.hidden) shape.value = project.aspect_ratio;
    renderClips();
  }

  // Changes made elsewhere (another tab, the 5-star rule) show here too.
  const unsubscribe = shell.notifications.subscribe("changed", (message) => {
    if (message.resource !== "project" || message.id !== state.project.id) return;
    if (message.action === "deleted") shell.navigate(new URL("/?tab=projects", window.location.href).href);
    else if (!state.dragging) reload().catch(() => {});
  });
  cleanups.push(unsubscribe);

  render();
  await findCandidates();
  return () => cleanups.forEach((stop) => stop());
}
