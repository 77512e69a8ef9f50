// The overlay editor's timeline of highlight regions, by mouse, pen or touch:
// a region's edge is dragged to resize it, its body to move it (the rules of
// ./regions.js); a click selects the region under it (a click at a region's start,
// or a few pixels before it, selects that region and puts the playhead on its
// start); a click on the empty track seeks and drags scrub; a double-click adds a
// region there. The spans where a followed player was lost (.follow-lost, ./follow.js)
// lie along its foot; a click on one continues the following there.
//
//   const track = regionsTrack(element, options, disposer); track.render(time); track.playhead(time)
//   options: duration, fps (the probed rate or null), rules (the vocabulary's limits),
//            regions(), selected() → id, editable() → false while the page is stale,
//            onSelect(id | null), onSeek(time), onPreview(regions) during a drag,
//            onCommit(result) after a drag that moved, onAdd(time) on a double-click,
//            lostSpans() → [{start_time, end_time}] in its seconds, onLost(span) on a click on one.

import { dragWith, timeAtX } from "./editor-kit.js";
import { lostSpanNode } from "./follow.js";
import { moveRegion, regionAt, resizeRegion } from "./regions.js";
import { clock, el } from "./ui.js";

const GRAB_PX = 14; // how near (screen pixels) a click selects a region's start
const span = (r) => `${clock(r.start_time, { tenths: true })}–${clock(r.end_time, { tenths: true })}`;

export function regionsTrack(element, options, disposer) {
  const { duration, fps, rules, regions, selected, editable, onSelect, onSeek, onPreview, onCommit, onAdd, lostSpans, onLost } = options;
  const pct = (time) => `${(time / duration) * 100}%`;
  const timeAt = (clientX) => timeAtX(element, clientX, { start: 0, end: duration });
  const lastFrame = (region) => Math.max(region.start_time, region.end_time - (fps ? 1 / fps : 0));
  const grabSeconds = () => (GRAB_PX * duration) / Math.max(1, element.getBoundingClientRect().width);

  function render(time) {
    const parts = regions().map((r) =>
      el(
        "div",
        {
          class: `region${r.id === selected() ? " selected" : ""}${r.enabled ? "" : " disabled"}`,
          dataset: { region: r.id },
          style: `left:${pct(r.start_time)};width:${pct(r.end_time - r.start_time)}`,
          title: `${r.label ? `${r.label}: ` : ""}${span(r)}${r.enabled ? "" : " (disabled)"}`,
        },
        el("span", { class: "region-edge start", dataset: { edge: "start" }, "aria-label": "Region start: drag to resize" }),
        r.label ? el("span", { class: "region-label" }, r.label) : null,
        r.keyframes.map((k) =>
          el("span", {
            class: "ov-kf",
            style: `left:${((k.time - r.start_time) / (r.end_time - r.start_time)) * 100}%`,
            title: `Keyframe at ${clock(k.time, { tenths: true })}`,
            dataset: { time: k.time },
          }),
        ),
        el("span", { class: "region-edge end", dataset: { edge: "end" }, "aria-label": "Region end: drag to resize" }),
      ),
    );
    lostSpans().forEach((s) => parts.push(lostSpanNode(s, `left:${pct(s.start_time)};width:${pct(s.end_time - s.start_time)}`, onLost)));
    parts.push(el("div", { class: "playhead", style: `left:${pct(time)}` }));
    element.replaceChildren(...parts);
  }

  function playhead(time) {
    const head = element.querySelector(".playhead");
    if (head) head.style.left = pct(time);
  }

  /** An edge resizes, the body moves; without a drag it is a click that selects. */
  function dragRegion(event, regionNode, edge) {
    const id = regionNode.dataset.region;
    const base = regions();
    const region = base.find((r) => r.id === id);
    const side = edge ? edge.dataset.edge : null;
    const clicked = timeAt(event.clientX);
    onSelect(id);
    let moved = false;
    let result = null;
    dragWith(event, {
      onMove: (dx, dy, e) => {
        moved = moved || Math.abs(dx) > 3;
        if (!moved) return;
        result = side
          ? resizeRegion(base, id, side, timeAt(e.clientX), { duration, rules })
          : moveRegion(base, id, region.start_time + (timeAt(e.clientX) - clicked), { duration });
        if (result.error) return;
        const moving = result.regions.find((r) => r.id === id);
        onPreview(result.regions);
        onSeek(side === "end" ? lastFrame(moving) : moving.start_time);
      },
      onEnd: () => {
        if (moved && result) onCommit(result);
        else onSeek(side === "end" ? lastFrame(region) : side === "start" ? region.start_time : clicked);
      },
    });
  }

  disposer.listen(element, "pointerdown", (event) => {
    if (event.button > 0 || event.target.closest(".follow-lost")) return;
    const regionNode = event.target.closest(".region");
    const edge = event.target.closest(".region-edge");
    const marker = event.target.closest(".ov-kf");
    if (regionNode && !marker && editable()) {
      dragRegion(event, regionNode, edge);
      return;
    }
    const clicked = timeAt(event.clientX);
    const list = regions();
    const index = regionAt(list, clicked, grabSeconds());
    const near = index >= 0 ? list[index] : null;
    onSelect(near ? near.id : null);
    const atStart = near && Math.abs(near.start_time - clicked) <= grabSeconds();
    onSeek(marker ? Number(marker.dataset.time) : atStart ? near.start_time : clicked);
    dragWith(event, { onMove: (dx, dy, e) => Math.abs(dx) > 2 && onSeek(timeAt(e.clientX)) });
  });
  disposer.listen(element, "dblclick", (event) => {
    if (!event.target.closest(".region, .follow-lost") && editable()) onAdd(timeAt(event.clientX));
  });
  return { render, playhead };
}
