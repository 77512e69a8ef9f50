"""Motion-compensated in-between frames for slow segments.

In a slow segment several output frames fall between two source frames; instead
of repeating the nearer one, `MotionInterpolator.between(a, b, t)` builds the
picture at fraction t of the way from a to b:

1. dense optical flow both ways (DIS) on the luma (with some chroma mixed in),
   downscaled to about `analysis_width` pixels wide, once per pair of frames;
2. small objects the flow lost (a kicked ball moves several times its size
   between frames) are found by matching where the flow leaves them unexplained;
3. a camera model (a homography fitted robustly to the flow: the pitch under a
   turning, zooming camera) gives the background's motion; pixels that move
   with it take the model's exact motion, and pixels a forward-backward check
   finds covered or revealed in the other frame (their flow is unreliable) too;
4. both frames' pixels are splatted forward to time t. Where several land on
   the same spot, the one that moves most unlike the background wins: on a
   pitch, whatever moves on its own (ball, players) is in front of it. Spots
   nobody lands on take their neighbours' motion, or the background's;
5. a is warped forward and b backward along that motion (luma at full size,
   chroma with the half-size field) and blended with weights (1-t, t), except
   where one frame's sample is hidden in the other (the frame that shows it
   wins) or the two samples still disagree (the frame the weights favour is
   shown alone, rather than two faint copies).

Frames are YUV 4:2:0 planar, packed as PyAV's `to_ndarray()` gives for yuv420p
and ffmpeg's rawvideo yuv420p takes: one uint8 array of shape (H*3//2, W), the
Y plane then U then V, each plane's rows laid end to end.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from exports.render.yuv import planes

# DIS presets are ULTRAFAST (0), FAST (1), MEDIUM (2); see bench/bench_slowmo.py for
# quality per millisecond at 1080p.
DEFAULT_PRESET = cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST
# 320 rather than 480 wide: at 1080p, 43 against 62 ms an in-between frame, 36.1
# against 38.4 dB (repetition: 19.7 dB); the final export renders 10 % faster.
DEFAULT_ANALYSIS_WIDTH = 320
DEFAULT_FINEST_SCALE: int | None = 1
# Within this distance of 0 or 1, t is the frame itself.
T_EPSILON = 1e-6
# Splat priority steps per analysis pixel of motion unlike the background.
PRIORITY_STEPS = 4.0
# Weight left to a frame whose sample the other frame hides, so weights never sum to 0.
MIN_WEIGHT = 1e-3
# The image the flow sees: Y + U*(first) + V*(second), centred chroma. Luma alone
# loses shirts as bright as the grass around them.
CHROMA_MIX = (-0.5, 1.0)
# Fast objects (catch_fast_objects): luma levels the flow's leftover and the
# object's contrast with its surroundings must pass; sizes in analysis pixels
# (the largest as a share of the picture); how far to look (analysis pixels).
FAST_LEFTOVER, FAST_CONTRAST = 30, 25
FAST_MIN_AREA, FAST_MAX_AREA, FAST_MAX_OBJECTS = 4, 0.01, 16
FAST_SEARCH = 32
# Flow within this many analysis pixels of the camera model's is the camera's.
SNAP_PIXELS = 0.75
# Luma levels (of 255) of disagreement between the two warped frames from which
# (nothing) to which (fully) one frame is shown alone rather than a blend.
MISMATCH_FROM, MISMATCH_TO = 12.0, 28.0


def pack(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The packed yuv420p frame (H*3//2 x W) of three planes."""
    height, width = y.shape
    frame = np.empty((height * 3 // 2, width), np.uint8)
    out_y, out_u, out_v = planes(frame, width, height)
    out_y[...], out_u[...], out_v[...] = y, u, v
    return frame


def _grid(width: int, height: int) -> np.ndarray:
    """Each pixel's own (x, y): a remap map that moves nothing."""
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return np.dstack([xs, ys])


class MotionInterpolator:
    """In-between frames of one video size; keeps the flows of the last pair of frames."""

    def __init__(
        self,
        width: int,
        height: int,
        analysis_width: int = DEFAULT_ANALYSIS_WIDTH,
        preset: int = DEFAULT_PRESET,
        finest_scale: int | None = DEFAULT_FINEST_SCALE,
        interpolation: int = cv2.INTER_LINEAR,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"yuv420p frames have even sizes, not {width}x{height}")
        self.width, self.height = width, height
        self.interpolation = interpolation
        aw = min(width, max(16, analysis_width))
        ah = max(8, round(height * aw / width))
        self.analysis_size = (aw, ah)
        self._dis = cv2.DISOpticalFlow_create(preset)
        if finest_scale is not None:
            # The presets stop 2 pyramid levels above the analysis size (a 4x coarser
            # field); a ball a few analysis pixels wide needs a finer one.
            self._dis.setFinestScale(finest_scale)
        self._grid = _grid(aw, ah)
        self._grid_flat = self._grid.reshape(-1, 2)
        self._full_grid = _grid(width, height)
        self._half_grid = _grid(width // 2, height // 2)
        # Buffers reused frame after frame: 1080p maps are 16 MB each.
        self._buffers: dict[str, np.ndarray] = {}
        self._a: np.ndarray | None = None
        self._b: np.ndarray | None = None
        self._pair: _Pair | None = None

    def between(
        self, a: np.ndarray, b: np.ndarray, t: float, window: tuple[int, int, int, int] | None = None
    ) -> np.ndarray:
        """The frame at fraction t (0 < t < 1) of the way from packed frame a to b.

        t within 1e-6 of 0 or 1 returns a or b itself. Calls with the same two
        arrays (the same objects) reuse their flows, so a frame must not be
        rewritten in place while it is still one of the pair. With `window`
        (left, top, right, bottom in luma pixels) only that part of the picture is
        built (the renderer crops it next; the rest of the frame is undefined):
        the flows still see the whole frame.
        """
        t = float(t)
        if t <= T_EPSILON:
            return a
        if t >= 1 - T_EPSILON:
            return b
        shape = (self.height * 3 // 2, self.width)
        if a.shape != shape or b.shape != shape:
            raise ValueError(f"frames must be packed yuv420p of shape {shape}, not {a.shape} and {b.shape}")
        pair = self._flows(a, b)
        motion, weight_a, weight_b = self._motion_at(pair, t)
        return self._render(a, b, motion, weight_a, weight_b, t, window)

    # -- analysis (small size) ------------------------------------------------

    def _flows(self, a: np.ndarray, b: np.ndarray) -> _Pair:
        if self._pair is not None and a is self._a and b is self._b:
            return self._pair
        small_a = self._analysis_image(a)
        small_b = self._analysis_image(b)
        flow_ab = self._flow(small_a, small_b)
        flow_ba = self._flow(small_b, small_a)
        catch_fast_objects(small_a, small_b, flow_ab, self._grid)
        catch_fast_objects(small_b, small_a, flow_ba, self._grid)
        motion_a, seen_a, priority_a, background = self._side(flow_ab, flow_ba)
        motion_b, seen_b, priority_b, _ = self._side(flow_ba, flow_ab)
        priority = np.concatenate([priority_a.reshape(-1), priority_b.reshape(-1)])
        # Velocity in a->b units: a's pixel p is at p + t*v at time t, b's at p - (1-t)*v.
        self._pair = _Pair(
            velocity=np.concatenate([motion_a.reshape(-1, 2), -motion_b.reshape(-1, 2)]),
            priority=priority,
            own=np.flatnonzero(priority > 0),
            luma_a=small_a.astype(np.float32),
            luma_b=small_b.astype(np.float32),
            seen_a=seen_a,
            seen_b=seen_b,
            background=background,
        )
        self._a, self._b = a, b
        return self._pair

    def _analysis_image(self, frame: np.ndarray) -> np.ndarray:
        """The frame at analysis size as one channel for the flow: luma plus some
        chroma, so a red shirt on grass of the same brightness still has an edge."""
        y, u, v = planes(frame, self.width, self.height)
        size = self.analysis_size
        small = [
            plane if plane.shape[::-1] == size else cv2.resize(plane, size, interpolation=cv2.INTER_AREA)
            for plane in (y, u, v)
        ]
        mixed = small[0].astype(np.float32)
        mixed += CHROMA_MIX[0] * (small[1].astype(np.float32) - 128)
        mixed += CHROMA_MIX[1] * (small[2].astype(np.float32) - 128)
        return np.clip(mixed, 0, 255).astype(np.uint8)

    def _flow(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return self._dis.calc(first, second, None)

    def _side(
        self, flow: np.ndarray, back: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One frame's pixels' motion to the other frame, how far each is seen in
        both (0..1), its splat priority (how unlike the background it moves), and
        the background's motion."""
        back_at = cv2.remap(back, self._grid + flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        fx, fy, bx, by = flow[..., 0], flow[..., 1], back_at[..., 0], back_at[..., 1]
        mismatch = np.square(fx + bx) + np.square(fy + by)
        # Forward-backward check with a tolerance growing with the motion (Sundaram et
        # al., "Dense point trajectories by GPU-accelerated large displacement optical flow").
        tolerance = 0.01 * (fx * fx + fy * fy + bx * bx + by * by) + 0.5
        seen = np.exp(-mismatch / tolerance)
        background = self._background(flow, seen)
        dx, dy = fx - background[..., 0], fy - background[..., 1]
        deviation = np.sqrt(dx * dx + dy * dy)
        # Pixels moving with the camera (within a fraction of a pixel) take the
        # model's motion: fitted to thousands of points, it is more exact than
        # each pixel's own flow, and sharp pitch lines show the difference.
        own = (seen > 0.5) & (deviation > SNAP_PIXELS)
        motion = np.where(own[..., None], flow, background)
        deviation *= own
        priority = np.minimum(deviation * PRIORITY_STEPS, 1 << 20).astype(np.int32)
        return motion, seen, priority, background

    def _background(self, flow: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """The flow of a camera model fitted robustly to the reliable pixels."""
        step = 8
        points = self._grid[::step, ::step].reshape(-1, 2)
        moved = points + flow[::step, ::step].reshape(-1, 2)
        keep = seen[::step, ::step].reshape(-1) > 0.5
        model = None
        if keep.sum() >= 8:
            # A homography: the picture of a plane (the pitch) under a turning, zooming camera.
            model, _ = cv2.findHomography(points[keep], moved[keep], cv2.RANSAC, 1.0)
        if model is None:
            median = np.median(flow.reshape(-1, 2), axis=0)
            return np.broadcast_to(median.astype(np.float32), flow.shape).copy()
        moved = cv2.perspectiveTransform(self._grid.reshape(-1, 1, 2), model)
        return moved.reshape(flow.shape) - self._grid

    def _motion_at(self, pair: _Pair, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At time t, each analysis pixel's motion from a to b, and the weights of a and b."""
        aw, ah = self.analysis_size
        n = aw * ah
        velocity = pair.velocity
        at = self._buffer("at", velocity.shape)
        np.multiply(velocity[:n], t, out=at[:n])
        np.multiply(velocity[n:], -(1 - t), out=at[n:])
        at[:n] += self._grid_flat
        at[n:] += self._grid_flat
        # Whatever moves unlike the background covers the 2x2 pixels around where it
        # lands, leaving no cracks for the pitch behind it to show through; the
        # pitch lands on the nearest pixel (its own cracks are filled below).
        own = pair.own
        corner = np.floor(at[own]).astype(np.int32)
        nearest = np.rint(at).astype(np.int32)
        x = np.concatenate([nearest[:, 0], corner[:, 0], corner[:, 0] + 1, corner[:, 0], corner[:, 0] + 1])
        y = np.concatenate([nearest[:, 1], corner[:, 1], corner[:, 1], corner[:, 1] + 1, corner[:, 1] + 1])
        # Negative coordinates wrap to huge unsigned ones: one comparison per axis.
        inside = (x.view(np.uint32) < aw) & (y.view(np.uint32) < ah)
        target = y * aw + x
        target[~inside] = n  # a bin past the end for pixels that leave the picture
        priority = np.concatenate([pair.priority, np.tile(pair.priority[own], 4)])
        velocity = np.concatenate([velocity, np.tile(velocity[own], (4, 1))])
        # The frame nearer in time counts more where both land.
        closeness = np.where(np.arange(2 * n) < n, np.float32(1 - t), np.float32(t))
        closeness = np.concatenate([closeness, np.tile(closeness[own], 4)])

        front = np.full(n + 1, -1, np.int32)
        np.maximum.at(front, target, priority)
        weight = (priority >= front[target] - 1) * closeness
        landed = np.bincount(target, weight, n + 1)[:n].reshape(ah, aw).astype(np.float32)
        summed = np.dstack(
            [np.bincount(target, velocity[:, i] * weight, n + 1)[:n].reshape(ah, aw) for i in (0, 1)]
        ).astype(np.float32)

        # Spots nobody lands on: the mean of landed neighbours, else the background's motion.
        near_weight = cv2.blur(landed, (3, 3))
        near_sum = cv2.blur(summed, (3, 3))
        motion = np.where(
            (landed > 0)[..., None],
            summed / np.maximum(landed, 1e-9)[..., None],
            np.where(
                (near_weight > 0)[..., None],
                near_sum / np.maximum(near_weight, 1e-9)[..., None],
                pair.background,
            ),
        )

        # Each frame's sample is trusted as far as it is seen in the other frame.
        from_a = self._grid - t * motion
        from_b = self._grid + (1 - t) * motion
        seen_a = cv2.remap(pair.seen_a, from_a, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        seen_b = cv2.remap(pair.seen_b, from_b, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        weight_a = (1 - t) * seen_b + MIN_WEIGHT
        weight_b = t * seen_a + MIN_WEIGHT

        # Where the two warped samples still disagree the motion was not found (a
        # ball moving several times its size between frames escapes the flow).
        # Blending there would show two faint copies; the frame the weights
        # favour is shown alone instead.
        sample_a = cv2.remap(pair.luma_a, from_a, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        sample_b = cv2.remap(pair.luma_b, from_b, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        lost = np.clip((np.abs(sample_a - sample_b) - MISMATCH_FROM) / (MISMATCH_TO - MISMATCH_FROM), 0, 1)
        lost = cv2.dilate(lost, np.ones((3, 3), np.uint8))
        share_a = weight_a / (weight_a + weight_b)
        # The nearer frame (a at t=0.5), unless visibility clearly favours the other.
        decided = np.abs(share_a - (1 - t)) > 0.25
        alone_a = np.where(decided, share_a >= 0.5, t <= 0.5)
        share_a += lost * (alone_a - share_a)
        return motion, share_a + MIN_WEIGHT, 1 - share_a + MIN_WEIGHT

    # -- rendering (full size) ------------------------------------------------

    def _buffer(self, name: str, shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape != shape:  # a window of another size
            buffer = self._buffers[name] = np.empty(shape, dtype)
        return buffer

    def _render(
        self,
        a: np.ndarray,
        b: np.ndarray,
        motion: np.ndarray,
        weight_a: np.ndarray,
        weight_b: np.ndarray,
        t: float,
        window: tuple[int, int, int, int] | None = None,
    ) -> np.ndarray:
        out = np.empty_like(a)
        left, top, right, bottom = window or (0, 0, self.width, self.height)
        # even bounds, so the chroma window is the luma window halved
        left, top = max(0, left - left % 2), max(0, top - top % 2)
        right, bottom = min(self.width, right + right % 2), min(self.height, bottom + bottom % 2)
        src_a = planes(a, self.width, self.height)
        src_b = planes(b, self.width, self.height)
        dst = planes(out, self.width, self.height)
        aw = self.analysis_size[0]
        for scale, full_grid, indices, step in (
            ("full", self._full_grid, (0,), 1),
            ("half", self._half_grid, (1, 2), 2),
        ):
            rows, columns = slice(top // step, bottom // step), slice(left // step, right // step)
            grid = full_grid[rows, columns]
            height, width = grid.shape[:2]
            size = (width, height)
            field = self._buffer(f"field_{scale}", (height, width, 2))
            plane_width = full_grid.shape[1]
            # the analysis field's part under the window, resized to the window
            scale_x, scale_y = motion.shape[1] / plane_width, motion.shape[0] / full_grid.shape[0]
            area = np.float32([[scale_x, 0, (columns.start + 0.5) * scale_x - 0.5],
                               [0, scale_y, (rows.start + 0.5) * scale_y - 0.5]])  # fmt: skip
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            cv2.warpAffine(motion, area, size, dst=field, flags=flags, borderMode=cv2.BORDER_REPLICATE)
            field *= plane_width / aw  # analysis pixels -> this plane's pixels
            map_a = self._buffer(f"map_a_{scale}", (height, width, 2))
            map_b = self._buffer(f"map_b_{scale}", (height, width, 2))
            cv2.scaleAdd(field, -t, grid, dst=map_a)
            cv2.scaleAdd(field, 1 - t, grid, dst=map_b)
            wa = self._buffer(f"weight_a_{scale}", (height, width))
            wb = self._buffer(f"weight_b_{scale}", (height, width))
            cv2.warpAffine(weight_a, area, size, dst=wa, flags=flags, borderMode=cv2.BORDER_REPLICATE)
            cv2.warpAffine(weight_b, area, size, dst=wb, flags=flags, borderMode=cv2.BORDER_REPLICATE)
            warped_a = self._buffer(f"warped_a_{scale}", (height, width), np.uint8)
            warped_b = self._buffer(f"warped_b_{scale}", (height, width), np.uint8)
            for i in indices:
                cv2.remap(
                    src_a[i], map_a, None, self.interpolation, dst=warped_a, borderMode=cv2.BORDER_REPLICATE
                )
                cv2.remap(
                    src_b[i], map_b, None, self.interpolation, dst=warped_b, borderMode=cv2.BORDER_REPLICATE
                )
                dst[i][rows, columns] = cv2.blendLinear(warped_a, warped_b, wa, wb)
        return out


def catch_fast_objects(first: np.ndarray, second: np.ndarray, flow: np.ndarray, grid: np.ndarray) -> None:
    """Give small objects the flow missed (a kicked ball moves several times its own
    size between frames; coarse-to-fine flow loses it) their motion, in place.

    The flow's leftovers (where `first` and `second` warped by the flow disagree)
    that also stand out from their surroundings in `first` are objects; each is
    looked for in `second` around where it was, and its pixels that the found
    shift explains better than the flow take that shift.
    """
    warped = cv2.remap(second, grid + flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    leftover = cv2.absdiff(first, warped)
    standing_out = cv2.absdiff(first, cv2.blur(first, (15, 15)))
    objects = ((leftover > FAST_LEFTOVER) & (standing_out > FAST_CONTRAST)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(objects, connectivity=8)
    height, width = first.shape
    largest = height * width * FAST_MAX_AREA
    found = sorted(range(1, count), key=lambda i: -stats[i, cv2.CC_STAT_AREA])[:FAST_MAX_OBJECTS]
    for i in found:
        x, y, w, h, area = stats[i]
        if area < FAST_MIN_AREA or area > largest:
            continue
        x0, y0 = max(0, x - 2), max(0, y - 2)
        x1, y1 = min(width, x + w + 2), min(height, y + h + 2)
        r = FAST_SEARCH
        sx0, sy0 = max(0, x0 - r), max(0, y0 - r)
        sx1, sy1 = min(width, x1 + r), min(height, y1 + r)
        template = first[y0:y1, x0:x1]
        scores = cv2.matchTemplate(second[sy0:sy1, sx0:sx1], template, cv2.TM_SQDIFF)
        _, _, (mx, my), _ = cv2.minMaxLoc(scores)
        shift = np.float32([sx0 + mx - x0, sy0 + my - y0])
        # The object's pixels (and a margin for its soft edge) that the shift explains take it.
        box = (slice(y0, y1), slice(x0, x1))
        moved = second[y0 + int(shift[1]) : y1 + int(shift[1]), x0 + int(shift[0]) : x1 + int(shift[0])]
        by_shift = cv2.absdiff(first[box], moved)
        itself = cv2.dilate((labels[box] == i).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        better = itself & (by_shift < leftover[box]) & (by_shift < FAST_LEFTOVER)
        if better.sum() < FAST_MIN_AREA:
            continue
        flow[box][better] = shift


@dataclass(slots=True)
class _Pair:
    """What the flows of one pair of frames give, whatever t (analysis size)."""

    velocity: np.ndarray  # (2N, 2): a's pixels then b's, each's motion from a to b
    priority: np.ndarray  # (2N,): splat priority, how unlike the background each moves
    own: np.ndarray  # indices of the pixels that move on their own (priority > 0)
    luma_a: np.ndarray  # the frames' analysis images
    luma_b: np.ndarray
    seen_a: np.ndarray  # 0..1: how far each pixel of a is seen in b
    seen_b: np.ndarray  # and of b in a
    background: np.ndarray  # the camera model's motion from a to b
