// Editing highlight regions, no DOM: the same operations and sentences as
// exports/region_edits.py (add, resize, move, delete, enable; put or drop an
// ellipse keyframe; restyle), checked against exports/regions_fixture.json by
// tests/js/regions.test.mjs. Each returns { regions } (new arrays, sorted by start)
// or { error } (the sentence to show). The rules' numbers come in `rules`
// ({min_region_seconds, default_region_seconds}: the vocabulary's limits) and a new
// ellipse's defaults in `highlight` (the vocabulary's highlight).

import { keyframeAt } from "./timeline.js";
import { clamp } from "./ui.js";

/** floor(x * 10^places + 0.5) / 10^places, the Python side's rounding. */
export const rounded = (value, places = 3) => Math.round(value * 10 ** places) / 10 ** places;
const seconds = (value) => String(rounded(value));
const ordered = (regions) => [...regions].sort((a, b) => a.start_time - b.start_time);
const MISSING = "That highlight region no longer exists.";

function find(regions, id) {
  return regions.findIndex((region) => region.id === id);
}

function replaced(list, index, region) {
  return { regions: list.map((r, i) => (i === index ? region : r)) };
}

/** A new region's ellipse: centred, radii a share of the frame's height. */
export function defaultEllipse(width, height, highlight) {
  return {
    x: rounded(width / 2, 2),
    y: rounded(height / 2, 2),
    radius_x: rounded(height * highlight.radius_x, 2),
    radius_y: rounded(height * highlight.radius_y, 2),
    opacity: highlight.opacity,
    color: highlight.color,
  };
}

/** The index of the region under `time` (start <= time < end); else of the one whose
 *  start or end is nearest within `tolerance`; else -1. */
export function regionAt(regions, time, tolerance = 0) {
  const inside = regions.findIndex((r) => r.start_time <= time && time < r.end_time);
  if (inside >= 0) return inside;
  let best = -1;
  let distance = Infinity;
  regions.forEach((r, index) => {
    const gap = Math.min(Math.abs(r.start_time - time), Math.abs(r.end_time - time));
    if (gap <= tolerance && gap < distance) {
      best = index;
      distance = gap;
    }
  });
  return best;
}

export function addRegion(regions, at, { duration, ellipse, id, rules }) {
  const start = rounded(clamp(at, 0, duration));
  const hit = regions.find((r) => r.start_time <= start && start < r.end_time);
  if (hit) {
    return { error: `A highlight is already here (${seconds(hit.start_time)} to ${seconds(hit.end_time)} s); select it to change it.` };
  }
  const later = regions.filter((r) => r.start_time > start).map((r) => r.start_time);
  const end = rounded(Math.min(start + rules.default_region_seconds, duration, ...later));
  if (end - start < rules.min_region_seconds - 1e-9) {
    return { error: `No room for a highlight at ${seconds(start)} s: a highlight lasts at least ${seconds(rules.min_region_seconds)} s.` };
  }
  const region = { id, start_time: start, end_time: end, enabled: true, keyframes: [{ time: start, ...ellipse }] };
  return { regions: ordered([...regions, region]) };
}

function keptKeyframes(keyframes, start, end) {
  const kept = keyframes.filter((k) => start - 1e-6 <= k.time && k.time <= end + 1e-6).map((k) => ({ ...k }));
  if (kept.length) return kept;
  const distance = (k) => (k.time < start ? start - k.time : k.time - end);
  let nearest = keyframes[0];
  for (const k of keyframes) if (distance(k) < distance(nearest)) nearest = k;
  return [{ ...nearest, time: nearest.time < start ? start : end }];
}

export function resizeRegion(regions, id, edge, time, { duration, rules }) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  const region = list[index];
  let { start_time: start, end_time: end } = region;
  const shortest = rules.min_region_seconds;
  if (edge === "start") {
    const before = index > 0 ? list[index - 1].end_time : 0;
    start = rounded(clamp(time, before, end - shortest));
  } else if (edge === "end") {
    const after = index + 1 < list.length ? list[index + 1].start_time : duration;
    end = rounded(clamp(time, start + shortest, after));
  } else {
    return { error: "A region's edge is its start or its end." };
  }
  return replaced(list, index, { ...region, start_time: start, end_time: end, keyframes: keptKeyframes(region.keyframes, start, end) });
}

export function moveRegion(regions, id, start, { duration }) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  const region = list[index];
  const length = region.end_time - region.start_time;
  const before = index > 0 ? list[index - 1].end_time : 0;
  const after = index + 1 < list.length ? list[index + 1].start_time : duration;
  const newStart = rounded(clamp(start, before, after - length));
  const shift = newStart - region.start_time;
  return replaced(list, index, {
    ...region,
    start_time: newStart,
    end_time: rounded(newStart + length),
    keyframes: region.keyframes.map((k) => ({ ...k, time: rounded(k.time + shift, 4) })),
  });
}

export function deleteRegion(regions, id) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  return { regions: list.filter((_, i) => i !== index) };
}

export function setEnabled(regions, id, enabled) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  return replaced(list, index, { ...list[index], enabled });
}

/** The ellipse at `time` (clamped into the region) becomes a keyframe: it replaces
 *  one within `tolerance` (keeping that one's time), else is added in order. */
export function putEllipse(regions, id, time, ellipse, { tolerance }) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  const region = list[index];
  const at = rounded(clamp(time, region.start_time, region.end_time), 4);
  let keyframes = region.keyframes.map((k) => ({ ...k }));
  const near = keyframeAt(keyframes, at, tolerance);
  if (near >= 0) keyframes[near] = { ...keyframes[near], ...ellipse, time: keyframes[near].time };
  else keyframes = [...keyframes, { ...ellipse, time: at }].sort((a, b) => a.time - b.time);
  return replaced(list, index, { ...region, keyframes });
}

export function dropKeyframe(regions, id, time, { tolerance }) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  const { keyframes } = list[index];
  const near = keyframeAt(keyframes, time, tolerance);
  if (near < 0) return { error: "There is no keyframe at the playhead to delete." };
  if (keyframes.length < 2) return { error: "A highlight keeps at least one keyframe; delete the region instead." };
  return replaced(list, index, { ...list[index], keyframes: keyframes.filter((_, n) => n !== near).map((k) => ({ ...k })) });
}

/** Opacity and colour for the whole region; `scale` multiplies every keyframe's radii. */
export function restyleRegion(regions, id, style) {
  const list = ordered(regions);
  const index = find(list, id);
  if (index < 0) return { error: MISSING };
  const scale = style.scale === undefined ? 1 : style.scale;
  if (!(scale > 0)) return { error: "A highlight's size must be more than nothing." };
  const keyframes = list[index].keyframes.map((k) => {
    const changed = { ...k };
    if (style.opacity !== undefined) changed.opacity = rounded(clamp(style.opacity, 0, 1), 4);
    if (style.color !== undefined) changed.color = style.color.toUpperCase();
    if (scale !== 1) {
      changed.radius_x = rounded(k.radius_x * scale, 2);
      changed.radius_y = rounded(k.radius_y * scale, 2);
    }
    return changed;
  });
  return replaced(list, index, { ...list[index], keyframes });
}
