// The aspect-ratio choice (a radio group of shapes) for making a project and for
// changing one; the ratios, their words and hints come from the vocabulary.

import { el } from "./ui.js";
import { vocabulary } from "./vocabulary.js";

const SHAPE_PX = 26; // the drawn shape's longer side

/** Radio choices named `name`, `value` checked. Returns the group node, with
 *  `.value` reading the checked ratio. */
export function aspectChoices({ name, value }) {
  const group = el(
    "div",
    { class: "ratio-choices", role: "radiogroup", "aria-label": "Aspect ratio" },
    (vocabulary.aspect_ratios || []).map((ratio) =>
      el(
        "label",
        { class: "ratio-choice" },
        el("input", { type: "radio", name, value: ratio.value, checked: ratio.value === value }),
        el("span", { class: "ratio-shape", style: shapeStyle(ratio) }),
        el("span", { class: "ratio-label" }, ratio.label, el("small", { class: "muted", text: ratio.hint })),
      ),
    ),
  );
  Object.defineProperty(group, "value", {
    get: () => group.querySelector("input:checked")?.value ?? null,
    set: (ratio) => {
      for (const input of group.querySelectorAll("input")) input.checked = input.value === ratio;
    },
  });
  return group;
}

/** CSS aspect-ratio for a "9:16" value (a poster of the project's shape). */
export function aspectStyle(value) {
  const ratio = (vocabulary.aspect_ratios || []).find((r) => r.value === value);
  return ratio ? `aspect-ratio:${ratio.width}/${ratio.height}` : null;
}

function shapeStyle({ width, height }) {
  const scale = SHAPE_PX / Math.max(width, height);
  return `width:${Math.round(width * scale)}px;height:${Math.round(height * scale)}px`;
}
