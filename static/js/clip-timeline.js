// The annotate page's timeline of clips, by mouse, pen or touch: a click or drag
// seeks; a click on a clip selects it; a double-click (a double tap on a phone) adds
// a clip ending there; the selected clip's edges drag its start and end (between the
// vocabulary's clip_min_seconds and clip_max_seconds), saved when let go; Home and
// End go to the ends. Also the playhead and time label, the filmstrip under the
// timeline, and the rating legend with each rating's count.
//
//   const track = clipTimeline(root, options, disposer)
//   track.draw(): the clips and the legend;  track.playhead(): the playhead and the time label;
//   track.filmstrip(): (re)mounts the filmstrip when its sheet or the length changed
//   options: duration(), time() (the playhead), clips(), selected() → the selected clip or null,
//            rules (the vocabulary's limits), name(clip), sheet() → the filmstrip sprite sheet or null,
//            onSeek(time), onSelect(id), onAdd(time) on a double-click or double tap,
//            onDragTimes(start, end) during an edge drag, onCommit(changes) after one that moved,
//            onCancel() after one that did not.

import { dragWith, timeAtX, timelineSeek } from "./editor-kit.js";
import { mountFilmstrip } from "./filmstrip.js";
import { ratingNodes, round3 } from "./clip-editor.js";
import { clamp, clock, el } from "./ui.js";
import { rating, vocabulary } from "./vocabulary.js";

const DOUBLE_TAP_MS = 400;
const DOUBLE_TAP_PX = 24;

export function clipTimeline(root, options, disposer) {
  const { duration, time, clips, selected, rules, name, sheet, onSeek, onSelect, onAdd, onDragTimes, onCommit, onCancel } = options;
  const $ = (selector) => root.querySelector(selector);
  const timeline = $("#timeline");
  const regions = $("#regions");

  const percent = (at) => {
    const total = duration();
    return total ? clamp((100 * at) / total, 0, 100) : 0;
  };
  function place(node, start, end) {
    node.style.left = `${percent(start)}%`;
    node.style.width = `${Math.max(0, percent(end) - percent(start))}%`;
  }

  function playhead() {
    const total = duration();
    const at = time() || 0;
    $("#playhead").style.left = `${percent(at)}%`;
    timeline.setAttribute("aria-valuenow", at.toFixed(2));
    timeline.setAttribute("aria-valuemax", total.toFixed(2));
    timeline.setAttribute("aria-valuetext", clock(at, { tenths: true }));
    $("#time").textContent = `${clock(at, { tenths: true })} / ${clock(total)}`;
  }

  function drawRegions() {
    const chosenClip = selected();
    regions.replaceChildren(
      ...clips().map((clip) => {
        const chosen = chosenClip !== null && clip.id === chosenClip.id;
        const node = el(
          "div",
          {
            class: `region${chosen ? " selected" : ""}`,
            dataset: { clipId: clip.id, rating: clip.rating },
            title: `${name(clip)} · ${clock(clip.start_time)}–${clock(clip.end_time)}`,
          },
          chosen
            ? [
                el("span", { class: "edge edge-start", dataset: { edge: "start" }, title: "Drag to move the start", "aria-hidden": "true" }),
                el("span", { class: "edge edge-end", dataset: { edge: "end" }, title: "Drag to move the end", "aria-hidden": "true" }),
              ]
            : null,
        );
        node.style.background = rating(clip.rating).colour;
        place(node, clip.start_time, clip.end_time);
        return node;
      }),
    );
  }

  function legend() {
    $("#rating-legend").replaceChildren(
      ...(vocabulary.ratings || []).map((r) => {
        const count = clips().filter((clip) => clip.rating === r.value).length;
        const swatch = el("span", { class: "swatch" });
        swatch.style.background = r.colour;
        return el("li", { dataset: { rating: r.value } }, swatch, ratingNodes(r.value), el("span", { class: "muted small", text: count ? `· ${count}` : "" }));
      }),
    );
  }

  // --- the filmstrip (a sprite sheet the server makes after upload) -------------------------
  let strip = { key: "", stop: () => {} };
  function filmstrip() {
    const current = sheet();
    const key = current ? `${current.url} ${duration()}` : "";
    if (key === strip.key) return;
    strip.stop();
    const node = $("#filmstrip");
    node.hidden = !current;
    strip = { key, stop: current ? mountFilmstrip(node, current, { start: 0, end: duration() }) : () => {} };
  }
  disposer.add(() => strip.stop());

  // --- gestures ------------------------------------------------------------------------------
  disposer.add(timelineSeek(timeline, { duration, onSeek, ignore: ".edge" }));
  let lastDown = null;
  disposer.listen(timeline, "pointerdown", (event) => {
    if (event.button > 0 || event.target.closest(".edge")) return;
    const region = event.target.closest(".region");
    const now = performance.now();
    const twice = lastDown && now - lastDown.at < DOUBLE_TAP_MS && Math.abs(event.clientX - lastDown.x) < DOUBLE_TAP_PX;
    lastDown = twice ? null : { at: now, x: event.clientX };
    if (region) onSelect(Number(region.dataset.clipId));
    else if (twice) onAdd(timeAtX(timeline, event.clientX, { start: 0, end: duration() }));
  });
  disposer.listen(timeline, "keydown", (event) => {
    if (event.key === "Home") onSeek(0);
    else if (event.key === "End") onSeek(duration());
    else return;
    event.preventDefault();
  });

  // Dragging the selected clip's edges (mouse, pen or touch), saved when let go.
  disposer.listen(timeline, "pointerdown", (event) => {
    const edge = event.target.closest(".edge");
    const clip = selected();
    if (!edge || !clip || event.button > 0) return;
    const which = edge.dataset.edge;
    const region = edge.parentElement;
    const total = duration();
    const shortest = rules.clip_min_seconds;
    const longest = rules.clip_max_seconds;
    let { start_time: start, end_time: end } = clip;
    region.classList.add("dragging");
    dragWith(event, {
      onMove: (dx, dy, move) => {
        const at = timeAtX(timeline, move.clientX, { start: 0, end: total });
        if (which === "start") start = round3(clamp(at, Math.max(0, end - longest), end - shortest));
        else end = round3(clamp(at, start + shortest, Math.min(total, start + longest)));
        place(region, start, end);
        onDragTimes(start, end);
        onSeek(which === "start" ? start : end);
      },
      onEnd: () => {
        region.classList.remove("dragging");
        const changes = which === "start" ? { start_time: start } : { end_time: end };
        if (start !== clip.start_time || end !== clip.end_time) onCommit(changes);
        else onCancel();
      },
    });
  });

  return {
    draw() {
      drawRegions();
      legend();
    },
    playhead,
    filmstrip,
  };
}
