// The highlight as the renderer draws it (exports/render/overlay.py), no DOM: which
// ellipse is active at a time and its parameters (ellipse_parameters), its
// anti-aliased coverage of a pixel (coverage), and what each effect does to a
// pixel (blend). The constants (brighten, dim, the interpolated fields) come in
// `highlight`, the vocabulary's highlight entry. Checked against
// exports/render/overlay_fixture.json by tests/js/ellipse.test.mjs.

import { interpolateKeyframes } from "./timeline.js";

/** "#RRGGBB" -> [r, g, b]. */
export function rgb(colour) {
  return [1, 3, 5].map((at) => parseInt(colour.slice(at, at + 2), 16));
}

/** The index of the keyframe at or before `time` (searchsorted right - 1), clipped. */
function keyframeIndexAt(keyframes, time) {
  let which = 0;
  while (which + 1 < keyframes.length && keyframes[which + 1].time <= time) which += 1;
  return which;
}

/** For each time: { active: [bool], params: [[x, y, rx, ry, opacity]], colours: [[r, g, b]] }. */
export function ellipseParameters(regions, times, highlight) {
  const active = times.map(() => false);
  const params = times.map(() => [0, 0, 0, 0, 0]);
  const colours = times.map(() => [0, 0, 0]);
  for (const region of regions) {
    if (region.enabled === false) continue;
    times.forEach((time, n) => {
      if (!(time >= region.start_time && time < region.end_time)) return;
      const values = interpolateKeyframes(region.keyframes, highlight.ellipse_fields, time);
      active[n] = true;
      params[n] = highlight.ellipse_fields.map((field) => values[field]);
      colours[n] = rgb(region.keyframes[keyframeIndexAt(region.keyframes, time)].color || highlight.color);
    });
  }
  return { active, params, colours };
}

/** A region's ellipse at `time` for editing ({x, y, radius_x, radius_y, opacity,
 *  color}); the time is held inside the region, so its ends can be edited too. */
export function ellipseAt(region, time, highlight) {
  const at = Math.min(Math.max(time, region.start_time), region.end_time);
  const values = interpolateKeyframes(region.keyframes, highlight.ellipse_fields, at);
  return { ...values, color: region.keyframes[keyframeIndexAt(region.keyframes, at)].color || highlight.color };
}

/** Coverage of pixel (column, row) by the ellipse: 1 inside, 0 outside, a
 *  one-pixel ramp across the edge (anti-aliasing, not an outline). */
export function coverage(column, row, ellipse) {
  const nx = (column + 0.5 - ellipse.x) / ellipse.radius_x;
  const ny = (row + 0.5 - ellipse.y) / ellipse.radius_y;
  const outside = (Math.sqrt(nx * nx + ny * ny) - 1) * Math.min(ellipse.radius_x, ellipse.radius_y);
  return Math.min(Math.max(0.5 - outside, 0), 1);
}

/** A channel's value (0-255) after `effect` where the ellipse covers the pixel by `mask`. */
export function blend(effect, value, mask, colour, opacity, highlight) {
  if (effect === "yellow") {
    const alpha = mask * opacity;
    return value * (1 - alpha) + colour * alpha;
  }
  if (effect === "brightness") return value + (255 - value) * (highlight.brighten * mask);
  if (effect === "dim") return value * (highlight.dim + (1 - highlight.dim) * mask);
  throw new Error(`unknown effect ${effect}`);
}

/** The effect as canvas layers the preview paints over the video, equal to blend():
 *  `inside` fills the ellipse, `outside` the rest of the frame; each a colour at an
 *  alpha (value * (1 - alpha) + colour * alpha), or null. */
export function previewLayers(effect, ellipse, highlight) {
  if (effect === "yellow") return { inside: { colour: ellipse.color, alpha: ellipse.opacity }, outside: null };
  if (effect === "brightness") return { inside: { colour: "#FFFFFF", alpha: highlight.brighten }, outside: null };
  if (effect === "dim") return { inside: null, outside: { colour: "#000000", alpha: 1 - highlight.dim } };
  throw new Error(`unknown effect ${effect}`);
}
