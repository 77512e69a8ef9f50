// The one interpolation of keyframed values, mirroring exports/render/timeline.py
// exactly: monotone piecewise cubic Hermite (Fritsch-Carlson, PCHIP slopes),
// clamped ends (the first value holds before the first keyframe, the last after
// the last), one keyframe is a constant. Checked against
// exports/render/timeline_fixture.json in node and Chromium (tests/js/fixtures.json).

/** Tangents at each keyframe that keep every piece monotone. */
export function slopes(times, values) {
  const count = times.length;
  const tangents = new Array(count).fill(0);
  if (count < 2) return tangents;
  const gaps = [];
  const secants = [];
  for (let k = 0; k < count - 1; k += 1) {
    gaps.push(times[k + 1] - times[k]);
    secants.push((values[k + 1] - values[k]) / gaps[k]);
  }
  tangents[0] = secants[0];
  tangents[count - 1] = secants[count - 2];
  for (let k = 1; k < count - 1; k += 1) {
    const before = secants[k - 1];
    const after = secants[k];
    if (before * after <= 0) {
      tangents[k] = 0; // a turning point: flat, so nothing overshoots
    } else {
      const left = gaps[k - 1];
      const right = gaps[k];
      tangents[k] = (3 * (left + right)) / ((2 * right + left) / before + (right + 2 * left) / after);
    }
  }
  return tangents;
}

/** Index i with times[i] <= t < times[i+1] (searchsorted side="right" - 1), clipped to [0, n-2]. */
function pieceIndex(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(Math.max(lo - 1, 0), times.length - 2);
}

function evaluate(times, values, m, at) {
  const t = Math.min(Math.max(at, times[0]), times[times.length - 1]);
  const i = pieceIndex(times, t);
  const gap = times[i + 1] - times[i];
  const s = (t - times[i]) / gap;
  const s2 = s * s;
  const s3 = s * s * s;
  return (
    (2 * s3 - 3 * s2 + 1) * values[i] +
    (s3 - 2 * s2 + s) * gap * m[i] +
    (-2 * s3 + 3 * s2) * values[i + 1] +
    (s3 - s2) * gap * m[i + 1]
  );
}

/** The keyframed curve at `at` (a number or an array of numbers); times strictly increasing. */
export function interpolate(times, values, at) {
  if (!times.length) throw new Error("at least one keyframe is needed");
  const many = Array.isArray(at);
  const queries = many ? at : [at];
  let result;
  if (times.length === 1) {
    result = queries.map(() => values[0]);
  } else {
    const m = slopes(times, values);
    result = queries.map((q) => evaluate(times, values, m, q));
  }
  return many ? result : result[0];
}

/** Each field of keyframes ({time, field...}) at time `at` (a number): {field: value}. */
export function interpolateKeyframes(keyframes, fields, at) {
  const times = keyframes.map((k) => k.time);
  const out = {};
  for (const field of fields) out[field] = interpolate(times, keyframes.map((k) => k[field]), at);
  return out;
}

/** Index of the keyframe within `tolerance` seconds of `time`, or -1. */
export function keyframeAt(keyframes, time, tolerance) {
  let best = -1;
  let distance = Infinity;
  keyframes.forEach((k, i) => {
    const d = Math.abs(k.time - time);
    if (d <= tolerance && d < distance) {
      best = i;
      distance = d;
    }
  });
  return best;
}

/** A copy of keyframes with `frame` set at frame.time: replaces one within `tolerance`, else inserts in order. */
export function upsertKeyframe(keyframes, frame, tolerance) {
  const list = keyframes.map((k) => ({ ...k }));
  const index = keyframeAt(list, frame.time, tolerance);
  if (index >= 0) {
    list[index] = { ...list[index], ...frame, time: list[index].time };
    return { keyframes: list, index };
  }
  list.push({ ...frame });
  list.sort((a, b) => a.time - b.time);
  return { keyframes: list, index: list.findIndex((k) => k.time === frame.time) };
}
