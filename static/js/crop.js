// The crop rule of the renderer — pure, no DOM — mirroring exports/edits.default_crop
// and exports/render/framing.crop_boxes exactly, so the editor shows the rectangle the
// render will cut. Checked against exports/render/crop_fixture.json
// (tests/js/crop.test.mjs).
//
// A keyframe is {time, x, y, width, height} in source pixels. Between keyframes x, y
// and width follow the one interpolation (./timeline.js); the height always comes
// from the width and the project's aspect, and the box is pushed back inside the frame.

import { interpolateKeyframes } from "./timeline.js";

/** "9:16" → 0.5625 */
export function aspectValue(aspectRatio) {
  const [width, height] = String(aspectRatio).split(":").map(Number);
  return width / height;
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(value) {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The largest centred rectangle of the project's ratio, as one keyframe list. */
export function defaultCrop(sourceWidth, sourceHeight, aspectRatio) {
  const ratio = aspectValue(aspectRatio);
  let width = sourceWidth;
  let height = sourceHeight;
  if (width / height > ratio) width = roundHalfEven(height * ratio);
  else height = roundHalfEven(width / ratio);
  const x = roundHalfEven((sourceWidth - width) / 2);
  const y = roundHalfEven((sourceHeight - height) / 2);
  return [{ time: 0, x, y, width, height }];
}

/** One rectangle put in the render's rule: width within [2, W], height from the
 *  aspect (at most the frame's), then shifted back inside the frame. */
export function fitBox({ x, y, width }, sourceWidth, sourceHeight, aspect) {
  let w = Math.min(Math.max(width, 2), sourceWidth);
  let h = w / aspect;
  if (h > sourceHeight) {
    h = sourceHeight;
    w = sourceHeight * aspect;
  }
  return {
    x: Math.min(Math.max(x, 0), sourceWidth - w),
    y: Math.min(Math.max(y, 0), sourceHeight - h),
    width: w,
    height: h,
  };
}

/** The rectangle the render cuts at clip time `t`. */
export function cropAt(keyframes, t, sourceWidth, sourceHeight, aspect) {
  return fitBox(interpolateKeyframes(keyframes, ["x", "y", "width"], t), sourceWidth, sourceHeight, aspect);
}

/** [[x, y, width, height], ...] at each of `times` (crop_boxes). */
export function cropBoxes(keyframes, times, sourceWidth, sourceHeight, aspect) {
  return times.map((t) => {
    const box = cropAt(keyframes, t, sourceWidth, sourceHeight, aspect);
    return [box.x, box.y, box.width, box.height];
  });
}

// --- gestures on the box (editor geometry; what they give is then put in the rule above) ---

/** The box moved by (dx, dy) source pixels, kept inside the frame. */
export function moveBox(start, dx, dy, sourceWidth, sourceHeight, aspect) {
  return fitBox({ ...start, x: start.x + dx, y: start.y + dy }, sourceWidth, sourceHeight, aspect);
}

/** The box resized by dragging `corner` ("nw", "ne", "sw", "se") by (dx, dy) source
 *  pixels: the opposite corner stays, the shape stays `aspect`, the height stays
 *  at least `minHeight` (where it fits) and the box inside the frame. */
export function resizeBox(start, corner, dx, dy, sourceWidth, sourceHeight, aspect, minHeight) {
  const east = corner.includes("e");
  const south = corner.includes("s");
  const ax = east ? start.x : start.x + start.width; // the fixed corner
  const ay = south ? start.y : start.y + start.height;
  const px = (east ? start.x + start.width : start.x) + dx;
  const py = (south ? start.y + start.height : start.y) + dy;
  const room = Math.min(south ? sourceHeight - ay : ay, (east ? sourceWidth - ax : ax) / aspect);
  const wanted = Math.max(Math.abs(py - ay), Math.abs(px - ax) / aspect);
  const height = Math.min(Math.max(wanted, Math.min(minHeight, room)), room);
  const width = height * aspect;
  return { x: east ? ax : ax - width, y: south ? ay : ay - height, width, height };
}
