// The framing editor's side panels, each a factory returning { root, render }:
//
//   clipsPanel({ clips, index, transition, onPick, onTransition }, disposer)
//     the project's clips to frame one by one (onPick(index)), and the transition
//     between them (type and seconds, within the vocabulary's limits: onTransition({type, duration}))
//   segmentsPanel({ segments, time, minSegment, editable, onChange, slowMotion, onSlowMotion }, disposer)
//     the clip's segments: span, speed (the vocabulary's speeds), what it plays, "Join
//     with next"; the project's slow motion (the vocabulary's choices, the chosen one's
//     hint under it: onSlowMotion(value)); and .controls for the transport row: the
//     speed of the segment at the playhead, "Split at playhead". onChange(segments)
//     with the edit of ./segments.js
//   keyframesPanel({ keyframes, selected, editable, onAdd, onDelete, onClear }, disposer)
//     how many crop keyframes, the selected one's time, and "Clear keyframes" asked twice
//     (onClear() once confirmed); .controls: "Add keyframe" (onAdd), "Delete keyframe"
//     (onDelete, the selected one, while two are left); .reset() closes the question

import * as edits from "./segments.js";
import { clamp, clock, el, length } from "./ui.js";
import { vocabulary } from "./vocabulary.js";

const button = (id, text, attrs = {}) => el("button", { type: "button", id, class: "button", text, ...attrs });
const round = (value, places) => Math.round(value * 10 ** places) / 10 ** places;

export function clipsPanel({ clips, index, transition, onPick, onTransition }, disposer) {
  const transitions = vocabulary.transitions || [];
  const limits = vocabulary.limits || {};
  const fallback = vocabulary.default_transition;
  const select = el("select", { id: "clip-select", "aria-label": "Clip" });
  const type = el(
    "select",
    { id: "transition-type", "aria-label": "Transition between clips" },
    transitions.map((t) => el("option", { value: t.value, text: t.label })),
  );
  const seconds = el("input", {
    id: "transition-duration", type: "number", step: "0.1", "aria-label": "Transition seconds",
    min: String(limits.transition_min_seconds), max: String(limits.transition_max_seconds),
  });
  const root = el(
    "section",
    { class: "panel clip-panel" },
    el("h2", { text: "Clips" }),
    select,
    el("div", { class: "transition-row", hidden: clips.length < 2 },
      el("label", { for: "transition-type", text: "Between clips" }), type, seconds,
      el("span", { class: "muted", text: "s" })),
  );

  function render() {
    select.replaceChildren(
      ...clips.map((pc, i) =>
        el("option", { value: String(i), text: `${i + 1}. ${pc.clip.name || "Clip"} (${length(pc.clip.duration)})` }),
      ),
    );
    select.value = String(index());
    select.disabled = clips.length < 2;
    const chosen = transition() || fallback || {};
    type.value = chosen.type || transitions[0]?.value || "";
    seconds.value = String(chosen.duration ?? fallback?.duration ?? "");
    seconds.disabled = type.value === "cut";
  }

  const save = () => {
    seconds.disabled = type.value === "cut";
    const value = clamp(Number(seconds.value) || fallback?.duration, limits.transition_min_seconds, limits.transition_max_seconds);
    seconds.value = String(value);
    onTransition({ type: type.value, duration: value });
  };
  disposer.listen(select, "change", () => onPick(Number(select.value)));
  disposer.listen(type, "change", save);
  disposer.listen(seconds, "change", save);
  return { root, render };
}

export function segmentsPanel({ segments, time, minSegment, editable, onChange, slowMotion, onSlowMotion }, disposer) {
  const speeds = vocabulary.speeds || [];
  const slowChoices = vocabulary.slow_motion || [];
  const list = el("ol", { id: "segment-list", class: "segment-list" });
  const slowSelect = el(
    "select",
    { id: "slow-motion", "aria-describedby": "slow-motion-hint" },
    slowChoices.map((choice) => el("option", { value: choice.value, text: choice.label })),
  );
  const slowHint = el("p", { id: "slow-motion-hint", class: "hint muted" });
  const root = el(
    "section",
    { class: "panel segments-panel" },
    el("h2", { text: "Segments" }),
    list,
    el("div", { class: "slow-motion-row" }, el("label", { for: "slow-motion", text: "Slow motion" }), slowSelect, slowHint),
  );
  const speedSelect = el(
    "select",
    { id: "segment-speed", "aria-label": "Speed of the segment at the playhead" },
    speeds.map((s) => el("option", { value: String(s), text: `${s}×` })),
  );
  const splitButton = button("split", "Split at playhead");
  const controls = [el("label", { class: "inline-label" }, "Speed ", speedSelect), splitButton];

  function render() {
    const s = segments();
    list.replaceChildren(
      ...edits.layout(s).map((piece, i) => {
        const picker = el(
          "select",
          { "aria-label": `Speed of segment ${i + 1}`, disabled: !editable() },
          speeds.map((v) => el("option", { value: String(v), text: `${v}×`, selected: v === piece.speed })),
        );
        picker.addEventListener("change", () => onChange(edits.setSpeed(segments(), i, Number(picker.value))));
        const merge =
          i < s.splits.length
            ? el("button", { type: "button", class: "link", text: "Join with next", onclick: () => onChange(edits.join(s, i)) })
            : null;
        return el(
          "li",
          {},
          el("span", { text: `${clock(piece.source_start, { tenths: true })}–${clock(piece.source_end, { tenths: true })}` }),
          picker,
          el("span", { class: "muted", text: `plays ${length(piece.output_end - piece.output_start)}` }),
          merge,
        );
      }),
    );
    speedSelect.value = String(s.speeds[edits.segmentIndex(s, time())]);
    speedSelect.disabled = !editable();
    splitButton.disabled = !editable() || !edits.canSplit(s, round(time(), 3), minSegment);
    renderSlowMotion();
  }

  function renderSlowMotion() {
    slowSelect.value = slowMotion() || vocabulary.default_slow_motion || "";
    slowSelect.disabled = !editable();
    slowHint.textContent = slowChoices.find((choice) => choice.value === slowSelect.value)?.hint || "";
  }

  disposer.listen(slowSelect, "change", () => {
    onSlowMotion(slowSelect.value);
    renderSlowMotion();
  });
  disposer.listen(splitButton, "click", () => onChange(edits.split(segments(), round(time(), 3), minSegment)));
  disposer.listen(speedSelect, "change", () =>
    onChange(edits.setSpeed(segments(), edits.segmentIndex(segments(), time()), Number(speedSelect.value))),
  );
  return { root, controls, render };
}

export function keyframesPanel({ keyframes, selected, editable, onAdd, onDelete, onClear }, disposer) {
  let confirming = false;
  const addButton = button("add-keyframe", "Add keyframe");
  const deleteButton = button("delete-keyframe", "Delete keyframe");
  const info = el("p", { id: "keyframe-info", class: "muted" });
  const clear = button("clear-keyframes", "Clear keyframes");
  const keep = button("clear-keyframes-no", "Keep", { onclick: () => ask(false) });
  const confirm = el(
    "div",
    { class: "confirm-row", hidden: true, role: "group", "aria-label": "Clear keyframes?" },
    el("span", { text: "Back to the centred crop, one keyframe?" }),
    button("clear-keyframes-yes", "Clear", {
      class: "button danger-button",
      onclick: () => {
        confirming = false;
        onClear();
        clear.focus();
      },
    }),
    keep,
  );
  const root = el("section", { class: "panel keyframes-panel" }, el("h2", { text: "Crop keyframes" }), info, clear, confirm);

  function render() {
    const list = keyframes();
    const count = list.length;
    const chosen = selected();
    info.textContent =
      `${count} keyframe${count === 1 ? "" : "s"}` +
      (chosen !== null && list[chosen] ? ` · selected at ${clock(list[chosen].time, { tenths: true })}` : " · drag the box at a moment to add one");
    addButton.disabled = !editable();
    deleteButton.disabled = chosen === null || count < 2 || !editable();
    clear.disabled = !editable();
    clear.hidden = confirming;
    confirm.hidden = !confirming;
  }

  function ask(open) {
    confirming = open;
    render();
    (open ? keep : clear).focus();
  }
  disposer.listen(clear, "click", () => ask(true));
  disposer.listen(addButton, "click", () => onAdd());
  disposer.listen(deleteButton, "click", () => onDelete());
  return { root, controls: [addButton, deleteButton], render, reset: () => (confirming = false) };
}
