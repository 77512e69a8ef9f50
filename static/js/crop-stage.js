// The framing editor's stage: the clip's game video under the crop box (the
// rectangle the renderer cuts, ./crop.js), locked to the project's shape, moved by
// its body and resized by its corners with mouse, pen or touch; the video zoomed in
// steps (the buttons, ctrl/⌘ + wheel around the pointer, the page's keys) and panned
// by the viewport's scroll; a note when the video cannot be played.
//
//   const stage = cropStage(video, options, disposer)
//   options: source() → the game video's {width, height}, aspect (width / height),
//            boxAt(time) → the crop at a clip time, time() → the playhead,
//            onKeyframe() → whether the playhead is on a keyframe, editable() → false
//            while the page is stale, onGrab() before a drag, onCommit(rect) after a
//            drag that moved, onDraw() after each redraw of the box.
//   stage.wrap (the stage in its zooming viewport), stage.element (the stage the video fills:
//   layers over the video go in it), stage.zoomControls, stage.render(),
//   stage.rect() → the box shown (the one being dragged, else the playhead's),
//   stage.load() on a clip change (the source's shape), stage.zoomBy(±1), stage.lock()

import { moveBox, resizeBox } from "./crop.js";
import { dragWith } from "./editor-kit.js";
import { clamp, el } from "./ui.js";

const ZOOMS = [1, 1.5, 2, 3, 4]; // video zoom steps (a view setting, not a server fact)

export function cropStage(video, { source, aspect, boxAt, time, onKeyframe, editable, onGrab, onCommit, onDraw }, disposer) {
  let zoom = 1;
  let dragRect = null;

  const handles = ["nw", "ne", "sw", "se"].map((corner) =>
    el("span", { class: `crop-handle ${corner}`, dataset: { corner }, "aria-hidden": "true" }),
  );
  const cropBox = el("div", { id: "crop-box", class: "crop-box", title: "Drag to follow the player; corners resize" }, handles);
  const note = el("div", { class: "stage-note", hidden: true, text: "The game video cannot be played here; the crop box still works." });
  const stage = el("div", { id: "framing-stage", class: "stage" }, video, cropBox, note);
  const viewport = el("div", { class: "stage-viewport" }, stage);
  const zoomLabel = el("span", { class: "zoom-label", text: "100%" });
  const zoomOut = el("button", { type: "button", id: "zoom-out", class: "button icon-button", "aria-label": "Zoom the video out", text: "−" });
  const zoomIn = el("button", { type: "button", id: "zoom-in", class: "button icon-button", "aria-label": "Zoom the video in", text: "+" });
  const wrap = el("div", { class: "stage-wrap framing-stage-wrap" }, viewport);
  const zoomControls = el("div", { class: "zoom-controls", role: "group", "aria-label": "Zoom the video" }, zoomOut, zoomLabel, zoomIn);
  disposer.listen(video, "error", () => (note.hidden = false));
  disposer.listen(video, "loadeddata", () => (note.hidden = true));

  const rect = () => dragRect || boxAt(time());

  function render() {
    const { width: W, height: H } = source();
    const box = rect();
    cropBox.style.left = `${(box.x / W) * 100}%`;
    cropBox.style.top = `${(box.y / H) * 100}%`;
    cropBox.style.width = `${(box.width / W) * 100}%`;
    cropBox.style.height = `${(box.height / H) * 100}%`;
    cropBox.classList.toggle("on-keyframe", onKeyframe());
    onDraw();
  }

  function load() {
    const { width: W, height: H } = source();
    stage.style.aspectRatio = `${W} / ${H}`;
    wrap.style.setProperty("--source-ratio", String(W / H));
  }

  // --- the box: moved, or resized by a corner (locked to the project's ratio) ------------
  disposer.listen(cropBox, "pointerdown", (event) => {
    if (!editable() || event.button > 0) return;
    onGrab();
    const { width: W, height: H } = source();
    const start = boxAt(time());
    const scale = stage.getBoundingClientRect().width / W;
    const corner = event.target.dataset.corner;
    const minHeight = Math.max(16, H * 0.08);
    let moved = false;
    dragWith(event, {
      onMove: (dx, dy) => {
        moved = moved || Math.abs(dx) + Math.abs(dy) > 1;
        dragRect = corner
          ? resizeBox(start, corner, dx / scale, dy / scale, W, H, aspect, minHeight)
          : moveBox(start, dx / scale, dy / scale, W, H, aspect);
        render();
      },
      onEnd: () => {
        const box = dragRect;
        dragRect = null;
        if (moved && box) onCommit(box);
        else render();
      },
    });
  });

  // --- zoom: kept around the anchor (the pointer, else the viewport's centre) -------------
  function renderZoom() {
    stage.style.setProperty("--zoom", String(zoom));
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    zoomOut.disabled = zoom === ZOOMS[0];
    zoomIn.disabled = zoom === ZOOMS[ZOOMS.length - 1];
  }

  function zoomBy(direction, anchor = null) {
    const next = ZOOMS[clamp(ZOOMS.indexOf(zoom) + direction, 0, ZOOMS.length - 1)];
    if (next === zoom) return;
    const box = viewport.getBoundingClientRect();
    const focus = anchor || { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    const fx = (viewport.scrollLeft + focus.x - box.left) / zoom;
    const fy = (viewport.scrollTop + focus.y - box.top) / zoom;
    zoom = next;
    renderZoom();
    viewport.scrollLeft = fx * zoom - (focus.x - box.left);
    viewport.scrollTop = fy * zoom - (focus.y - box.top);
  }
  disposer.listen(zoomIn, "click", () => zoomBy(1));
  disposer.listen(zoomOut, "click", () => zoomBy(-1));
  disposer.listen(
    viewport,
    "wheel",
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return; // plain wheel scrolls the page
      event.preventDefault();
      zoomBy(event.deltaY < 0 ? 1 : -1, { x: event.clientX, y: event.clientY });
    },
    { passive: false },
  );
  renderZoom();

  return { wrap, element: stage, zoomControls, render, rect, load, zoomBy, lock: () => cropBox.classList.add("locked") };
}
