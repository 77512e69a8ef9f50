// The framing editor's timeline of one clip, by mouse, pen or touch: the trimmed-out
// ends, the segments (a changed speed written on its segment) and their splits, the
// crop keyframes (◆, dragged to move in time), the trim handles (dragged to trim,
// the rules of ./segments.js), the playhead; a click or drag elsewhere seeks
// (timelineSeek). Zoomed in steps around the playhead, with the clip's filmstrip
// (clip time), else the game's, under the span shown; the spans where a followed player
// was lost (.follow-lost, ./follow.js), a click on one continues the following there.
//
//   const timeline = framingTimeline(options, disposer)
//   options: clip() → the project clip (segments, crop_keyframes, clip), game() → its game,
//            time() → the playhead, duration(), fps() (the probed rate or null), minSegment,
//            selected() → the selected keyframe's index or null, editable() → false while
//            the page is stale, onGrab() before a drag, onSelect(index | null), onSeek(time),
//            onPreview(changes) during a drag, onCommit(changes) after a drag that changed
//            the clip, onCancel() after a trim drag that did not, lostSpans() → [{start_time,
//            end_time}] in clip seconds, onLost(span) on a click on one.
//   timeline.parts (the row with the output length and zoom, the track, the filmstrip, the
//   hint), timeline.render(), timeline.follow() while playing (the playhead, or all of it
//   when the shown span moves)

import { dragWith, timeAtX, timelineSeek } from "./editor-kit.js";
import { mountFilmstrip } from "./filmstrip.js";
import { lostSpanNode } from "./follow.js";
import * as edits from "./segments.js";
import { clamp, clock, el, length } from "./ui.js";

const TRACK_ZOOMS = [1, 2, 4, 8];
const round = (value, places) => Math.round(value * 10 ** places) / 10 ** places;

export function framingTimeline(options, disposer) {
  const { clip, game, time, duration, fps, minSegment, selected, editable } = options;
  const { onGrab, onSelect, onSeek, onPreview, onCommit, onCancel, lostSpans, onLost } = options;
  let zoom = 1;
  let shown = { start: 0, end: 1 };

  const track = el("div", { id: "framing-track", class: "track framing-track", role: "slider", tabindex: "0", "aria-label": "Clip timeline" });
  const zoomOut = el("button", { type: "button", id: "track-zoom-out", class: "button icon-button", "aria-label": "Zoom the timeline out", text: "−" });
  const zoomIn = el("button", { type: "button", id: "track-zoom-in", class: "button icon-button", "aria-label": "Zoom the timeline in", text: "+" });
  const zoomLabel = el("span", { class: "zoom-label", text: "1×" });
  const outputLabel = el("span", { id: "output-length", class: "muted output-length" });
  const filmstrip = el("div", { class: "framing-filmstrip", hidden: true });
  const hint = el("p", { class: "hint muted", text: "◆ keyframes (drag to move) · ▮ trim handles (drag to trim) · click to seek · keys: Space plays, ← → one frame, Delete removes the selected keyframe" });
  const row = el(
    "div",
    { class: "timeline-row" },
    el("span", { class: "muted timeline-label", text: "Timeline" }),
    outputLabel,
    el("span", { class: "spacer" }),
    zoomOut,
    zoomLabel,
    zoomIn,
  );

  /** The span shown: the whole clip, or 1/zoom of it around the playhead. */
  function view() {
    const total = duration();
    const span = total / zoom;
    const start = clamp(time() - span / 2, 0, Math.max(0, total - span));
    return { start, end: start + span };
  }
  const pct = (t) => `${((t - shown.start) / (shown.end - shown.start)) * 100}%`;

  function render() {
    const pc = clip();
    const s = pc.segments;
    const now = time();
    shown = view();
    const parts = [];
    parts.push(el("div", { class: "trim-out", style: `left:${pct(0)};width:calc(${pct(s.trim_start)} - ${pct(0)})` }));
    parts.push(el("div", { class: "trim-out", style: `left:${pct(s.trim_end)};right:0` }));
    edits.layout(s).forEach((piece) => {
      parts.push(
        el("div", {
          class: `segment${piece.speed !== 1 ? " changed" : ""}`,
          style: `left:${pct(piece.source_start)};width:calc(${pct(piece.source_end)} - ${pct(piece.source_start)})`,
          text: piece.speed !== 1 ? `${piece.speed}×` : "",
        }),
      );
    });
    s.splits.forEach((t) => parts.push(el("div", { class: "split-mark", style: `left:${pct(t)}` })));
    lostSpans().forEach((span) =>
      parts.push(lostSpanNode(span, `left:${pct(span.start_time)};width:calc(${pct(span.end_time)} - ${pct(span.start_time)})`, onLost)),
    );
    pc.crop_keyframes.forEach((k, i) => {
      parts.push(
        el("button", {
          type: "button",
          class: `kf-marker${i === selected() ? " selected" : ""}`,
          dataset: { index: i, time: k.time },
          style: `left:${pct(k.time)}`,
          title: `Keyframe at ${clock(k.time, { tenths: true })}`,
          "aria-label": `Keyframe at ${clock(k.time, { tenths: true })}`,
          tabindex: "-1",
        }),
      );
    });
    parts.push(el("div", { class: "trim-handle start", dataset: { trim: "start" }, style: `left:${pct(s.trim_start)}`, title: "Trim start", "aria-label": "Trim start" }));
    parts.push(el("div", { class: "trim-handle end", dataset: { trim: "end" }, style: `left:${pct(s.trim_end)}`, title: "Trim end", "aria-label": "Trim end" }));
    parts.push(el("div", { class: "playhead", style: `left:${pct(now)}` }));
    track.replaceChildren(...parts);
    track.setAttribute("aria-valuenow", now.toFixed(2));
    track.setAttribute("aria-valuetext", clock(now, { tenths: true }));
    zoomLabel.textContent = `${zoom}×`;
    track.classList.toggle("zoomed", zoom > 1);
    zoomOut.disabled = zoom === TRACK_ZOOMS[0];
    zoomIn.disabled = zoom === TRACK_ZOOMS[TRACK_ZOOMS.length - 1];
    outputLabel.textContent = `· plays ${length(edits.outputDuration(s))}`;
    renderFilmstrip();
  }

  function follow() {
    if (view().start !== shown.start) render();
    else track.querySelector(".playhead").style.left = pct(time());
  }

  // --- the filmstrip: the clip's frames (clip time), else the game's, under the shown span ---
  let stopFilmstrip = () => {};
  disposer.add(() => stopFilmstrip());
  function renderFilmstrip() {
    const own = clip().clip.filmstrip;
    const sheet = own || game().filmstrip;
    filmstrip.hidden = !sheet;
    if (!sheet) return;
    const offset = own ? 0 : clip().clip.start_time;
    const start = offset + shown.start;
    const end = offset + shown.end;
    const key = `${sheet.url}:${start}:${end}`;
    if (filmstrip.dataset.key === key) return;
    filmstrip.dataset.key = key;
    stopFilmstrip();
    stopFilmstrip = mountFilmstrip(filmstrip, sheet, { start, end });
  }

  const zoomBy = (direction) => {
    zoom = TRACK_ZOOMS[clamp(TRACK_ZOOMS.indexOf(zoom) + direction, 0, TRACK_ZOOMS.length - 1)];
    render();
  };
  disposer.listen(zoomIn, "click", () => zoomBy(1));
  disposer.listen(zoomOut, "click", () => zoomBy(-1));

  // --- a trim handle: the clip's start or end, within the segments' rules ---------------------
  function dragTrim(event, which, window) {
    const before = clip().segments;
    dragWith(event, {
      onMove: (dx, dy, e) => {
        if (!editable()) return;
        const t = round(timeAtX(track, e.clientX, window), 3);
        const segments =
          which === "start" ? edits.trimStart(before, t, minSegment) : edits.trimEnd(before, t, duration(), minSegment);
        onPreview({ segments });
        onSeek(which === "start" ? segments.trim_start : segments.trim_end);
      },
      onEnd: () => {
        const after = clip().segments;
        onPreview({ segments: before });
        if (after.trim_start !== before.trim_start || after.trim_end !== before.trim_end) onCommit({ segments: after });
        else onCancel();
      },
    });
  }

  // --- a keyframe marker: selected, and moved in time between its neighbours ------------------
  function dragKeyframe(event, index, window) {
    const keyframes = clip().crop_keyframes;
    const original = keyframes[index].time;
    onSelect(index);
    onSeek(original);
    const gap = 1 / (fps() || 1000);
    const low = index > 0 ? keyframes[index - 1].time + gap : 0;
    const high = index < keyframes.length - 1 ? keyframes[index + 1].time - gap : duration();
    let moved = false;
    const width = track.getBoundingClientRect().width;
    dragWith(event, {
      onMove: (dx) => {
        if (!editable() || Math.abs(dx) < 3) return;
        moved = true;
        const t = round(clamp(original + (dx / width) * (window.end - window.start), low, high), 4);
        onPreview({ crop_keyframes: keyframes.map((k, i) => (i === index ? { ...k, time: t } : k)) });
        onSeek(t);
      },
      onEnd: () => {
        if (moved) onCommit({ crop_keyframes: clip().crop_keyframes.map((k) => ({ ...k })) });
      },
    });
  }

  disposer.listen(track, "pointerdown", (event) => {
    if (event.button > 0) return;
    const marker = event.target.closest(".kf-marker");
    const trim = event.target.closest(".trim-handle");
    if (!marker && !trim) return; // seeking: timelineSeek below
    const window = { ...shown };
    onGrab();
    if (trim) dragTrim(event, trim.dataset.trim, window);
    else dragKeyframe(event, Number(marker.dataset.index), window);
  });
  disposer.add(
    timelineSeek(track, {
      duration,
      view: () => ({ ...shown }),
      ignore: ".kf-marker, .trim-handle, .follow-lost",
      onSeek: (t) => {
        onGrab();
        onSelect(null);
        onSeek(t);
      },
    }),
  );

  return { parts: [row, track, filmstrip, hint], render, follow };
}
