"""Follow the player: from a box the user drew around a player in one frame, the
player's box in every other frame of the clip, forward to the end and backward to
the beginning.

Frames are numpy uint8 arrays, either RGB (H x W x 3; BGR works as well, the
tracker compares frames with each other, never with named colours) or packed YUV
4:2:0 (H * 3 / 2 x W, as the decoder hands them over, see yuv.planes). They are
analysed at a reduced height (`analysis_height`); boxes come back in source pixels.

The tracker ("ncc", ours) matches the player's appearance (normalised
cross-correlation of the first and a slowly updated template, luma and chroma)
near where a constant-velocity motion model puts it, on top of the camera's pan
(measured each frame by phase correlation of the whole picture). Team-mates wear the same kit,
so appearance alone cannot tell them apart: whenever another look-alike comes
within a body width of the player, the tracker stops trusting the picture and
coasts on the player's velocity until the two are apart again, then takes the
match nearest the coasted position only if it is clearly the nearer one. A look-alike
seen again on the side where it met the player (rather than walked on past it) may
have traded places with it: the track stops. If the coast fails, the match gets weak,
or the player leaves the frame, the track stops there
and the rest of that direction is lost: the user clicks the player again and
`resume` fills the gap. It never hands the track over to another player silently.

"csrt" and "kcf" (OpenCV's trackers) are there for the benchmark's comparison.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from exports.render.pipeline import Cancelled
from exports.render.yuv import planes

Box = tuple[float, float, float, float]  # x, y, width, height in source pixels

METHODS = ("ncc", "csrt", "kcf")
MAX_COAST_SECONDS = 1.5
MERGED_SECONDS = 0.2
LOST_SCORE = 0.55  # of the player's usual match score: below it the player is not there


@dataclass
class Track:
    """A player's box and confidence per frame of the clip; None where the player is
    lost (the runs of None are the spans the UI asks the user to click again)."""

    boxes: list[Box | None]
    confidence: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.confidence:
            self.confidence = [0.0 if b is None else 1.0 for b in self.boxes]

    def __len__(self) -> int:
        return len(self.boxes)

    def lost(self, index: int) -> bool:
        return self.boxes[index] is None

    def lost_spans(self) -> list[tuple[int, int]]:
        """(first, last) frame index of each run of lost frames, inclusive."""
        spans, first = [], None
        for i, box in enumerate([*self.boxes, (0, 0, 0, 0)]):
            if box is None and first is None:
                first = i
            elif box is not None and first is not None:
                spans.append((first, i - 1))
                first = None
        return spans

    def merge(self, other: Track) -> Track:
        """This track with its lost frames filled from `other` (where it has a box). The
        boxes this track has stay: a more confident box from another run may be on
        another player (a second run starts near the spot where the first got confused)."""
        if len(other) != len(self):
            raise ValueError(f"Tracks of {len(self)} and {len(other)} frames cannot be merged.")
        boxes, confidence = list(self.boxes), list(self.confidence)
        for i, (box, conf) in enumerate(zip(other.boxes, other.confidence, strict=True)):
            if boxes[i] is None and box is not None:
                boxes[i], confidence[i] = box, conf
        return Track(boxes, confidence)

    def to_json(self) -> str:
        return json.dumps(
            {
                "boxes": [None if b is None else [round(v, 1) for v in b] for b in self.boxes],
                "confidence": [round(c, 3) for c in self.confidence],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Track:
        data = json.loads(text)
        boxes = [None if b is None else tuple(float(v) for v in b) for b in data["boxes"]]
        return cls(boxes, [float(c) for c in data["confidence"]])


class _Frames:
    """The clip's frames at the analysis size, 3 channels uint8."""

    def __init__(self, frames, count: int | None, analysis_height: int) -> None:
        self.get = frames if callable(frames) else frames.__getitem__
        self.count = len(frames) if count is None else count
        first = self.get(0)
        self.yuv = first.ndim == 2
        self.height = first.shape[0] * 2 // 3 if self.yuv else first.shape[0]
        self.width = first.shape[1]
        self.scale = min(1.0, analysis_height / self.height)
        self.size = (max(1, round(self.width * self.scale)), max(1, round(self.height * self.scale)))

    def __getitem__(self, i: int) -> np.ndarray:
        frame = self.get(i)
        if not self.yuv:
            # Luma first, as in the YUV frames (the camera pan is measured on it).
            return cv2.cvtColor(
                cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2YCrCb
            )
        # Luma and both chroma planes at the analysis size: chroma tells red from dark red.
        return cv2.merge(
            [
                cv2.resize(p, self.size, interpolation=cv2.INTER_AREA)
                for p in planes(frame, self.width, self.height)
            ]
        )


def track(
    frames: Sequence[np.ndarray] | Callable[[int], np.ndarray],
    start: int,
    box: Box,
    *,
    count: int | None = None,
    fps: float = 25.0,
    analysis_height: int = 360,
    method: str = "ncc",
    span: tuple[int, int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Track:
    """Track the player in `box` (x, y, w, h, source pixels) at frame `start` forward to
    the end and backward to the beginning (or within `span`, inclusive). `frames`: a
    sequence, or a callable taking a frame index with `count` frames. Frames are
    read start..end, then start-1 down to the beginning. Raises Cancelled when
    `should_cancel()` says so."""
    if method not in METHODS:
        raise ValueError(f"Unknown tracking method {method!r}; use one of {', '.join(METHODS)}.")
    clip = _Frames(frames, count, analysis_height)
    first, last = span or (0, clip.count - 1)
    if not first <= start <= last < clip.count:
        raise ValueError(f"Frame {start} is outside the frames {first}-{last} to track.")
    boxes: list[Box | None] = [None] * clip.count
    confidence = [0.0] * clip.count
    boxes[start], confidence[start] = tuple(float(v) for v in box), 1.0
    total, done = last - first + 1, 1
    start_frame = clip[start]
    for step, end in ((1, last), (-1, first)):
        follower = _make_follower(method, start_frame, _scaled(box, clip.scale), fps)
        for i in range(start + step, end + step, step):
            if should_cancel is not None and should_cancel():
                raise Cancelled
            result = follower.update(clip[i])
            done += 1
            if on_progress is not None:
                on_progress(done, total)
            if result is None:
                break
            for back, found, conf in result:
                j = i - back * step
                boxes[j] = _scaled(found, 1 / clip.scale)
                confidence[j] = conf
        if on_progress is not None:
            done = last - start + 1 if step == 1 else total
            on_progress(done, total)
    return Track(boxes, confidence)


def resume(existing: Track, frames, index: int, box: Box, **options) -> Track:  # same options as track()
    """The user clicked the player again at `index` (in a lost span): track from there
    through that span and fill it in `existing`. Where the new run meets the existing
    track again and does not arrive on the same player, the frames between the click and
    that meeting are left lost: somewhere on the way it took another player."""
    span = next(((a, b) for a, b in existing.lost_spans() if a <= index <= b), (index, index))
    # One frame either side of the span: where the track picks up again.
    first, last = max(0, span[0] - 1), min(len(existing) - 1, span[1] + 1)
    again = track(frames, index, box, span=(first, last), **options)
    boxes, confidence = list(again.boxes), list(again.confidence)
    for way in (range(index - 1, first - 1, -1), range(index + 1, last + 1)):
        meeting = next((j for j in way if existing.boxes[j] is not None), None)
        arrived = None if meeting is None else again.boxes[meeting]
        if arrived is not None and _overlap(arrived, existing.boxes[meeting]) < 0.5:
            for j in way:
                boxes[j], confidence[j] = None, 0.0
    # The user's own box at the click stands, whatever the earlier run said there.
    clicked = Track(list(existing.boxes), list(existing.confidence))
    clicked.boxes[index], clicked.confidence[index] = again.boxes[index], 1.0
    return clicked.merge(Track(boxes, confidence))


def _overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def _scaled(box, factor: float) -> Box:
    return tuple(float(v) * factor for v in box)


def _make_follower(method: str, frame: np.ndarray, box: Box, fps: float):
    if method == "ncc":
        return _NccFollower(frame, box, fps)
    return _OpenCvFollower(method, frame, box)


class _OpenCvFollower:
    """OpenCV's CSRT or KCF, stepping one frame at a time; stops when it reports failure."""

    def __init__(self, method: str, frame: np.ndarray, box: Box) -> None:
        create = cv2.TrackerCSRT.create if method == "csrt" else cv2.TrackerKCF.create
        self.tracker = create()
        self.tracker.init(frame, tuple(round(v) for v in box))

    def update(self, frame: np.ndarray):
        ok, box = self.tracker.update(frame)
        height, width = frame.shape[:2]
        x, y, w, h = box
        inside = 0 <= x + w / 2 < width and 0 <= y + h / 2 < height
        if not ok or not inside:
            return None
        return [(0, box, 1.0)]


class _Swapped(Exception):
    """A look-alike that merged with the player may have traded places with it."""


class _NccFollower:
    """Template matching near a constant-velocity prediction, coasting past look-alikes.
    update() answers [(steps back, box, confidence)] for the frame just given and any
    coasted frames it now resolves, or None when the player is lost."""

    def __init__(self, frame: np.ndarray, box: Box, fps: float) -> None:
        x, y, w, h = box
        self.w, self.h = max(4, round(w)), max(4, round(h))
        # A box drawn partly off the picture (a player at its edge) is moved inside it.
        self.w, self.h = min(self.w, frame.shape[1]), min(self.h, frame.shape[0])
        self.pos = np.array(
            [
                min(max(x + w / 2, self.w / 2), frame.shape[1] - self.w / 2),
                min(max(y + h / 2, self.h / 2), frame.shape[0] - self.h / 2),
            ]
        )
        self.velocity = np.zeros(2)
        self.sure = self.pos  # the last centre the picture vouched for (moved with the camera)
        self.shift = np.zeros(2)
        self.previous = self._small(frame)
        self.window = cv2.createHanningWindow(self.previous.shape[::-1], cv2.CV_32F)
        self.first = self._patch(frame, self.pos)
        self.template = self.first.astype(np.float32)
        self.usual = 1.0  # the running match score while the player is in plain view
        self.seen = 0
        self.max_coast = max(2, round(MAX_COAST_SECONDS * fps))
        # A look-alike out of sight for a few frames is a flicker of the match; merged for
        # longer, it went in front of the player or behind it.
        self.long_merge = max(2, round(MERGED_SECONDS * fps))
        self.coasting: list[np.ndarray] = []  # predicted centres since the picture became ambiguous
        # The look-alikes near the player: (centre, velocity, frames seen, frames merged
        # since, where it was from the player when last seen apart).
        self.neighbours: list[tuple[np.ndarray, np.ndarray, int, int, np.ndarray]] = []

    @staticmethod
    def _small(frame: np.ndarray) -> np.ndarray:
        """A quarter-size grey picture, enough to see the camera pan."""
        grey = frame[..., 0]
        size = (max(16, frame.shape[1] // 4), max(16, frame.shape[0] // 4))
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)

    def _patch(self, frame: np.ndarray, centre: np.ndarray) -> np.ndarray | None:
        left, top = round(centre[0] - self.w / 2), round(centre[1] - self.h / 2)
        if left < 0 or top < 0 or left + self.w > frame.shape[1] or top + self.h > frame.shape[0]:
            return None
        return frame[top : top + self.h, left : left + self.w]

    def _box(self, centre: np.ndarray) -> Box:
        return (float(centre[0] - self.w / 2), float(centre[1] - self.h / 2), float(self.w), float(self.h))

    def _response(self, frame: np.ndarray, centre: np.ndarray):
        """The match score map around `centre` and where its (0, 0) is in the frame."""
        speed = np.abs(self.velocity)
        mx = round(1.3 * self.w + 2 * speed[0]) + 2
        my = round(0.5 * self.h + 2 * speed[1]) + 2
        left = max(0, round(centre[0] - self.w / 2) - mx)
        top = max(0, round(centre[1] - self.h / 2) - my)
        right = min(frame.shape[1], round(centre[0] + self.w / 2) + mx)
        bottom = min(frame.shape[0], round(centre[1] + self.h / 2) + my)
        if right - left < self.w + 2 or bottom - top < self.h + 2:
            return None, None
        region = frame[top:bottom, left:right]
        first = cv2.matchTemplate(region, self.first, cv2.TM_CCOEFF_NORMED)
        recent = cv2.matchTemplate(region, self.template.astype(np.uint8), cv2.TM_CCOEFF_NORMED)
        origin = np.array([left + self.w / 2, top + self.h / 2])
        return 0.5 * (first + recent), origin

    def update(self, frame: np.ndarray):
        # Where the pitch moved (the camera pans): players' own motion is on top of it.
        small = self._small(frame)
        (sx, sy), _ = cv2.phaseCorrelate(self.previous, small, self.window)
        self.previous = small
        self.shift = np.array([sx, sy]) * frame.shape[1] / small.shape[1]
        self.sure = self.sure + self.shift
        predicted = self.pos + self.velocity + self.shift
        score, origin = self._response(frame, predicted)
        if score is None:
            return None  # the player left the frame
        ys, xs = np.mgrid[0 : score.shape[0], 0 : score.shape[1]]
        dx = (xs + origin[0] - predicted[0]) / self.w
        dy = (ys + origin[1] - predicted[1]) / self.h
        # A gentle pull towards the prediction: among equal matches, the one where the player should be.
        prior = score - 0.25 * (dx * dx + dy * dy)
        best = np.unravel_index(np.argmax(prior), score.shape)
        found = np.array([best[1], best[0]], float) + origin
        best_score = float(score[best])
        lookalikes = self._peaks(score, origin, found, max(0.35, 0.6 * best_score))
        try:
            ambiguous = self._follow_neighbours(predicted, found, lookalikes)
        except _Swapped:
            return None
        weak = best_score < LOST_SCORE * self.usual
        if self.coasting or ambiguous or weak:
            return self._coast(frame, predicted, found, best_score, ambiguous or weak)
        return self._accept(frame, found, best_score, found - self.pos - self.shift)

    def _peaks(self, score, origin, found, threshold: float) -> list[np.ndarray]:
        """Centres of the other players that match the template (local maxima above
        `threshold`), apart from the player's own peak at `found`."""
        size = (max(3, round(0.5 * self.w) | 1), max(3, round(0.4 * self.h) | 1))
        local = score >= cv2.dilate(score, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        ys, xs = np.nonzero(local & (score > threshold))
        centres = np.stack([xs, ys], axis=1) + origin
        apart = np.any(np.abs(centres - found) / (self.w, self.h) >= (0.5, 0.4), axis=1)
        return list(centres[apart])

    def _follow_neighbours(self, predicted, found, lookalikes) -> bool:
        """Keep track of the look-alikes near the player, and say whether one makes the
        match untrustworthy: one merged with the player (it was next to it and is not
        seen apart now), or one about as near to where the player should be as the match.
        Raises _Swapped when a merged look-alike comes out again on the side (left or
        right) it went in: it turned back, or the match is on it now, and the picture
        cannot say which."""
        near_match = np.abs(found - predicted) / (self.w, self.h)
        ambiguous = False
        kept = []
        unused = list(lookalikes)
        for centre, velocity, seen, unseen, side in self.neighbours:
            expected = centre + velocity + self.shift
            distances = [np.abs(c - expected) / (self.w, self.h) for c in unused]
            match = next((k for k, d in enumerate(distances) if d[0] < 0.5 and d[1] < 0.4), None)
            gap = np.abs(expected - found) / (self.w, self.h)
            if match is not None:
                now = unused.pop(match)
                # It went in next to the player and, by its own motion, walked past it;
                # seen again on the side it went in, it may be the player.
                went_past = (expected[0] - found[0]) * side[0] < 0 and abs(side[0]) < self.w
                if unseen >= self.long_merge and went_past and (now[0] - found[0]) * side[0] > 0:
                    raise _Swapped
                moved = now - centre - self.shift
                velocity = (0.6 * velocity + 0.4 * moved) if seen > 1 else moved
                kept.append((now, velocity, seen + 1, 0, now - found))
            elif gap[0] < 0.8 and gap[1] < 0.35 and unseen < self.max_coast:
                # Out of sight where the player is: merged with it; it goes on moving as it did.
                kept.append((expected, velocity, seen, unseen + 1, side))
                ambiguous = True
        for centre in unused:
            gap = np.abs(centre - found) / (self.w, self.h)
            if gap[0] < 2.0 and gap[1] < 1.5:
                kept.append((centre, np.zeros(2), 1, 0, centre - found))
        for centre, _, _, unseen, _ in kept:
            if unseen:
                continue
            to_other = np.abs(centre - predicted) / (self.w, self.h)
            if to_other[0] < 1.5 * near_match[0] + 0.2 and to_other[1] < 1.5 * near_match[1] + 0.15:
                ambiguous = True
        self.neighbours = kept
        return ambiguous

    def _coast(self, frame, predicted, found, best_score, ambiguous):
        """Hold on to the motion until the picture says again, clearly, which one is the
        player. The box stays on the match while the match stays on the coasted path."""
        error = np.abs(found - predicted) / (self.w, self.h)
        # The motion alone carries the coast: a look-alike walking past slowly must not drag it.
        self.pos = predicted
        self.coasting.append(found if error[0] < 0.15 and error[1] < 0.12 else predicted)
        if len(self.coasting) > self.max_coast:
            return None
        if ambiguous or error[0] > 0.35 or error[1] > 0.3 or best_score < 0.8 * self.usual:
            return []
        for centre, _, _, unseen, _ in self.neighbours:
            # Leaving a coast takes a wider margin: the motion has been guessed for a while.
            to_other = np.abs(centre - predicted) / (self.w, self.h)
            if not unseen and to_other[0] < 2 * error[0] + 0.4 and to_other[1] < 2 * error[1] + 0.3:
                return []
        # Apart again, and the match is where the player was heading.
        coasted = self.coasting[:-1]
        start = self.sure
        self.coasting = []
        answer = self._accept(frame, found, best_score, (found - start) / (len(coasted) + 1))
        n = len(coasted)
        answer += [(n - k, self._box(centre), 0.5) for k, centre in enumerate(coasted)]
        return answer

    def _accept(self, frame, found, best_score, velocity):
        self.velocity = 0.7 * self.velocity + 0.3 * velocity if self.seen else velocity
        self.pos = self.sure = found.astype(float)
        self.seen += 1
        self.usual = best_score if self.seen == 1 else 0.9 * self.usual + 0.1 * best_score
        patch = self._patch(frame, self.pos)
        if patch is not None and best_score > 0.7 * self.usual:
            self.template = 0.92 * self.template + 0.08 * patch
        confidence = min(1.0, best_score / max(self.usual, 1e-6))
        return [(0, self._box(self.pos), confidence)]
