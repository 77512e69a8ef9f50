// Trims, splits and speeds of one clip — pure, no DOM — mirroring
// exports/render/segments.py exactly (the renderer's own time map and edits),
// checked against exports/render/segments_fixture.json (tests/js/segments.test.mjs).
//
// segments = {trim_start, trim_end, splits: [t...], speeds: [s...]} in seconds from
// the clip start (exports/edits.py); segment i plays at speeds[i]. Output time is the
// segments back to back, each lasting its length / speed. The shortest piece an edit
// may leave comes from the server (vocabulary.limits.min_segment_seconds).

const clampTo = (value, low, high) => Math.min(Math.max(value, low), high);

export function defaultSegments(clipDuration) {
  return { trim_start: 0, trim_end: clipDuration, splits: [], speeds: [1] };
}

/** [{source_start, source_end, speed, output_start, output_end}] in playing order. */
export function layout(segments) {
  const bounds = [segments.trim_start, ...segments.splits, segments.trim_end];
  const laid = [];
  let clock = 0;
  for (let i = 0; i < bounds.length - 1; i += 1) {
    const speed = Number(segments.speeds[i]);
    const piece = { source_start: bounds[i], source_end: bounds[i + 1], speed, output_start: clock };
    piece.output_end = clock + (piece.source_end - piece.source_start) / speed;
    laid.push(piece);
    clock = piece.output_end;
  }
  return laid;
}

export function outputDuration(segments) {
  const laid = layout(segments);
  return laid[laid.length - 1].output_end;
}

/** The clip time shown at output time `t` (clamped to the trimmed span). */
export function sourceTime(segments, t) {
  const laid = layout(segments);
  const query = clampTo(Number(t), 0, laid[laid.length - 1].output_end);
  let index = 0;
  while (index + 1 < laid.length && laid[index + 1].output_start <= query) index += 1;
  const piece = laid[index];
  return Math.min(piece.source_start + (query - piece.output_start) * piece.speed, segments.trim_end);
}

/** The output time showing clip time `t` (clip times outside the trim are clamped to it). */
export function outputTime(segments, t) {
  const laid = layout(segments);
  const clip = clampTo(Number(t), laid[0].source_start, laid[laid.length - 1].source_end);
  let index = 0;
  for (const piece of laid.slice(1)) if (clip >= piece.source_start) index += 1;
  const piece = laid[index];
  return piece.output_start + (clip - piece.source_start) / piece.speed;
}

/** The segment holding clip time `t` (a split starts its segment). */
export function segmentIndex(segments, t) {
  return segments.splits.filter((split) => t >= split).length;
}

function copy(segments, changes) {
  return {
    trim_start: segments.trim_start,
    trim_end: segments.trim_end,
    splits: [...segments.splits],
    speeds: [...segments.speeds],
    ...changes,
  };
}

/** The start trim moved to `t`: 0 or later, `minimum` before the first split (or the end trim). */
export function trimStart(segments, t, minimum) {
  const limit = (segments.splits.length ? segments.splits[0] : segments.trim_end) - minimum;
  return copy(segments, { trim_start: clampTo(Number(t), 0, Math.max(0, limit)) });
}

/** The end trim moved to `t`: inside the clip, `minimum` after the last split (or the start trim). */
export function trimEnd(segments, t, clipDuration, minimum) {
  const splits = segments.splits;
  const limit = (splits.length ? splits[splits.length - 1] : segments.trim_start) + minimum;
  return copy(segments, { trim_end: clampTo(Number(t), Math.min(limit, clipDuration), clipDuration) });
}

export function canSplit(segments, t, minimum) {
  return (
    segments.trim_start + minimum <= t &&
    t <= segments.trim_end - minimum &&
    segments.splits.every((split) => Math.abs(split - t) >= minimum)
  );
}

/** The segment at `t` cut in two, both at its speed; null where no split fits. */
export function split(segments, t, minimum) {
  if (!canSplit(segments, t, minimum)) return null;
  const index = segmentIndex(segments, t);
  const speeds = [...segments.speeds];
  speeds.splice(index + 1, 0, speeds[index]);
  return copy(segments, { splits: [...segments.splits, t].sort((a, b) => a - b), speeds });
}

/** Split `index` removed: segment index+1 joins segment index (and takes its speed). */
export function join(segments, index) {
  return copy(segments, {
    splits: segments.splits.filter((_, n) => n !== index),
    speeds: segments.speeds.filter((_, n) => n !== index + 1),
  });
}

export function setSpeed(segments, index, speed) {
  const speeds = [...segments.speeds];
  speeds[index] = Number(speed);
  return copy(segments, { speeds });
}
