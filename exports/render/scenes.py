"""Synthetic match footage with ground truth, for the player tracker's tests and
benchmark: a striped, noisy pitch with its lines, filmed by a panning camera (the
frame is a moving window on a bigger pitch), with players of two look-alike kits
(red and dark red) walking, bobbing and swinging their legs and arms, crossing
each other. One of the red players is the target; in an occlusion scene a red
team-mate of the same build walks in front of it.

Ground truth per frame: every player's box (the bounding box of its silhouette,
in frame pixels, before clipping to the frame) and the fraction of the target's
silhouette that is in the frame and not covered by a player in front of it.

A scene is deterministic per seed and renders its frames on demand (RGB uint8,
or packed YUV 4:2:0 with `yuv(i)`), so a long scene costs no memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

RED = {"shirt": (205, 35, 40), "shorts": (235, 235, 235), "socks": (200, 40, 45)}
DARK_RED = {"shirt": (150, 25, 45), "shorts": (205, 205, 210), "socks": (140, 30, 50)}
SKINS = [(236, 198, 170), (214, 168, 130), (175, 120, 85), (120, 80, 55)]
HAIRS = [(30, 25, 20), (90, 60, 30), (200, 170, 100)]
GRASS = [(52, 120, 48), (62, 134, 56)]


@dataclass
class Player:
    kit: dict
    skin: tuple
    hair: tuple
    height: float  # frame pixels, feet to the top of the head
    start: tuple[float, float]  # feet on the pitch at time 0
    velocity: tuple[float, float]  # pitch pixels per second
    wobble: float  # amplitude (pixels) of a slow sideways drift
    phase: float  # where the stride starts

    def feet(self, t: float) -> tuple[float, float]:
        x = self.start[0] + self.velocity[0] * t
        y = self.start[1] + self.velocity[1] * t + self.wobble * math.sin(0.9 * t + self.phase)
        return x, y

    def stride(self, t: float) -> float:
        speed = math.hypot(*self.velocity)
        return self.phase + t * (4.0 + speed / 25.0)


def draw_player(canvas: np.ndarray, player: Player, feet: tuple[float, float], stride: float, mask=None):
    """Draw the player standing at `feet` (canvas pixels); with `mask` (a colour), draw
    its silhouette in that one colour instead."""
    h = player.height
    swing = math.sin(stride)
    bob = 0.03 * h * abs(swing)
    fx, fy = feet[0], feet[1] - bob

    def colour(c):
        return mask if mask is not None else c

    def pt(x, y):
        return round(x * 16), round(y * 16)

    def line(a, b, c, width):
        cv2.line(canvas, pt(*a), pt(*b), colour(c), max(1, round(width)), cv2.LINE_AA, shift=4)

    hip = (fx, fy - 0.47 * h)
    for side in (-1, 1):
        angle = 0.4 * swing * side
        knee = (hip[0] + 0.05 * h * side + 0.23 * h * math.sin(angle), hip[1] + 0.23 * h * math.cos(angle))
        foot = (knee[0] + 0.22 * h * math.sin(angle * 0.6), knee[1] + 0.22 * h)
        line(hip, knee, player.skin, 0.1 * h)
        line(knee, foot, player.kit["socks"], 0.09 * h)
    shoulder_y = fy - 0.77 * h
    for side in (-1, 1):
        angle = -0.5 * swing * side
        shoulder = (fx + 0.17 * h * side, shoulder_y)
        elbow = (shoulder[0] + 0.14 * h * math.sin(angle) + 0.02 * h * side, shoulder_y + 0.14 * h)
        hand = (elbow[0] + 0.12 * h * math.sin(angle * 1.3), elbow[1] + 0.12 * h)
        line(shoulder, elbow, player.kit["shirt"], 0.08 * h)
        line(elbow, hand, player.skin, 0.07 * h)
    cv2.rectangle(canvas, pt(fx - 0.17 * h, fy - 0.52 * h), pt(fx + 0.17 * h, fy - 0.4 * h),
                  colour(player.kit["shorts"]), -1, cv2.LINE_AA, shift=4)  # fmt: skip
    cv2.rectangle(canvas, pt(fx - 0.19 * h, shoulder_y - 0.03 * h), pt(fx + 0.19 * h, fy - 0.5 * h),
                  colour(player.kit["shirt"]), -1, cv2.LINE_AA, shift=4)  # fmt: skip
    head = pt(fx, fy - 0.89 * h)
    radius = round(0.09 * h * 16)
    cv2.circle(canvas, head, radius, colour(player.skin), -1, cv2.LINE_AA, shift=4)
    cv2.ellipse(canvas, head, (radius, radius), 0, 180, 360, colour(player.hair), -1, cv2.LINE_AA, shift=4)


def silhouette(player: Player, stride: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The player's mask on a small canvas, and where the feet are on it."""
    size = math.ceil(player.height * 1.2)
    canvas = np.zeros((size, size), np.uint8)
    feet = (size / 2, size - 0.1 * player.height)
    draw_player(canvas, player, feet, stride, mask=255)
    return canvas > 127, (round(feet[0]), round(feet[1]))


def pitch_texture(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Mown stripes, noise and the white lines of a pitch, RGB."""
    stripes = (np.arange(width) // max(8, width // 24)) % 2
    pitch = np.asarray(GRASS, np.float32)[stripes][None, :, :].repeat(height, axis=0)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 1.2)
    pitch += (9 * noise / noise.std())[..., None]
    pitch = np.clip(pitch, 0, 255).astype(np.uint8)
    white, thick = (225, 230, 225), max(2, height // 250)
    margin = height // 12
    cv2.rectangle(pitch, (margin, margin), (width - margin, height - margin), white, thick, cv2.LINE_AA)
    cv2.line(pitch, (width // 2, margin), (width // 2, height - margin), white, thick, cv2.LINE_AA)
    cv2.circle(pitch, (width // 2, height // 2), height // 5, white, thick, cv2.LINE_AA)
    box_w, box_h = width // 9, height // 2
    for x in (margin, width - margin - box_w):
        cv2.rectangle(pitch, (x, (height - box_h) // 2), (x + box_w, (height + box_h) // 2), white, thick)
    return pitch


def covers(front: Player, behind: Player, times: np.ndarray) -> bool:
    """Whether `front` ever stands in front of `behind` and over part of it."""
    for t in times:
        fx, fy = front.feet(t)
        bx, by = behind.feet(t)
        overlap_x = abs(fx - bx) < 0.27 * (front.height + behind.height)
        if fy > by and overlap_x and fy - front.height < by:
            return True
    return False


class Scene:
    """A generated clip. `len(scene)` frames; `scene[i]` is frame i (RGB), `scene.yuv(i)`
    the same frame packed as YUV 4:2:0. `boxes[p, i]` is player p's box (x, y, w, h) in
    frame i, `target` the index of the player to follow, `visible[i]` the visible
    fraction of the target's silhouette."""

    def __init__(
        self,
        seed: int,
        *,
        occlusion: bool = False,
        width: int = 1280,
        height: int = 720,
        fps: float = 25.0,
        seconds: float = 8.0,
        players: int = 8,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.width, self.height, self.fps = width, height, fps
        self.count = round(seconds * fps)
        self.occlusion = occlusion
        s = height / 720  # sizes and speeds are written for 720p
        self.pitch = pitch_texture(round(width * 2.8), round(height * 1.6), rng)
        ph, pw = self.pitch.shape[:2]
        # Sensor noise, a few fields in turn: added and subtracted (uint8 saturating adds).
        self.noise = [rng.integers(0, 5, (2, height, width, 3), dtype=np.uint8) for _ in range(4)]

        def build(kit, centre, speed, height_px, look=None):
            angle = rng.uniform(0, 2 * math.pi)
            skin, hair = look or (SKINS[rng.integers(len(SKINS))], HAIRS[rng.integers(len(HAIRS))])
            return Player(
                kit=kit, skin=skin, hair=hair, height=height_px * s,
                start=centre, velocity=(speed * s * math.cos(angle), 0.45 * speed * s * math.sin(angle)),
                wobble=rng.uniform(0, 12) * s, phase=rng.uniform(0, 2 * math.pi),
            )  # fmt: skip

        mid = self.count / fps / 2
        target_speed = rng.uniform(40, 80)
        target = build(RED, (pw / 2, ph / 2), target_speed, rng.uniform(80, 90))
        target.wobble = 0.0  # so the crossing below meets it where we aim
        self.players = [target]
        times = np.arange(self.count) / fps
        for i in range(1, players):
            kit = RED if i < players // 2 else DARK_RED
            for _ in range(50):  # until it never walks in front of the target
                player = self._extra_player(rng, build, kit, target, 2 * mid, s)
                if not covers(player, target, times):
                    break
            self.players.append(player)
        self.occluder = None
        if occlusion:
            # A red team-mate of the same look, a little taller, walking across just in
            # front of the target (further down the pitch, so drawn over it) at mid-clip.
            t_meet = rng.uniform(0.35, 0.65) * 2 * mid
            tx, ty = target.feet(t_meet)
            relative = rng.uniform(90, 180) * s
            direction = -1 if target.velocity[0] > 0 else 1
            if rng.random() < 0.3:  # sometimes the same way, overtaking: a longer occlusion
                direction = -direction
                relative = rng.uniform(70, 110) * s
            vx = target.velocity[0] + direction * relative
            front = rng.uniform(4, 9) * s
            taller = front + rng.uniform(3, 8) * s
            mate = Player(
                kit=RED, skin=target.skin, hair=target.hair, height=target.height + taller,
                start=(tx - vx * t_meet, ty + front), velocity=(vx, 0.0),
                wobble=0.0, phase=rng.uniform(0, 2 * math.pi),
            )  # fmt: skip
            self.occluder = len(self.players)
            self.players.append(mate)
        self.target = 0
        self._camera = self._camera_path(rng)
        self._ground_truth()

    @staticmethod
    def _extra_player(rng, build, kit, target: Player, duration: float, s: float) -> Player:
        """A player around the target's path, so they share its frame and cross near it:
        behind it (further up the pitch) or well in front."""
        t_meet = rng.uniform(0.1, 0.9) * duration
        tx, ty = target.feet(t_meet)
        side = rng.choice([-1, 1])
        dy = (rng.uniform(-60, -25) if rng.random() < 0.6 else rng.uniform(100, 140)) * s
        player = build(kit, (0, 0), rng.uniform(30, 110), rng.uniform(72, 92))
        vx, vy = player.velocity
        player.start = (tx + side * 25 * s - vx * t_meet, ty + dy - vy * t_meet)
        return player

    def _camera_path(self, rng) -> np.ndarray:
        """The frame's top-left on the pitch per frame: follows the target with a slow
        sway, so the target moves about the frame."""
        ph, pw = self.pitch.shape[:2]
        period, phase = rng.uniform(5, 8), rng.uniform(0, 2 * math.pi)
        out = np.empty((self.count, 2))
        for i in range(self.count):
            t = i / self.fps
            fx, fy = self.players[0].feet(t)
            x = fx - self.width / 2 + 0.22 * self.width * math.sin(2 * math.pi * t / period + phase)
            y = fy - 0.55 * self.height + 0.08 * self.height * math.sin(2 * math.pi * t / (period * 1.3))
            out[i] = (min(max(x, 0), pw - self.width), min(max(y, 0), ph - self.height))
        return np.round(out).astype(int)

    def _placements(self, i: int):
        """Each player's (feet in frame pixels, stride), far ones first (the drawing order)."""
        t = i / self.fps
        cx, cy = self._camera[i]
        placed = []
        for p, player in enumerate(self.players):
            fx, fy = player.feet(t)
            placed.append((fy, p, (fx - cx, fy - cy), player.stride(t)))
        placed.sort()
        return [(p, feet, stride) for _, p, feet, stride in placed]

    def _ground_truth(self) -> None:
        self.boxes = np.zeros((len(self.players), self.count, 4))
        self.visible = np.zeros(self.count)
        for i in range(self.count):
            masks = {}
            for p, feet, stride in self._placements(i):
                mask, anchor = silhouette(self.players[p], stride)
                ys, xs = np.nonzero(mask)
                left, top = feet[0] - anchor[0], feet[1] - anchor[1]
                self.boxes[p, i] = (left + xs.min(), top + ys.min(), np.ptp(xs) + 1, np.ptp(ys) + 1)
                masks[p] = (mask, round(left), round(top))
            self.visible[i] = self._visible_fraction(i, masks)

    def _visible_fraction(self, i: int, masks: dict) -> float:
        mask, left, top = masks[self.target]
        seen = np.zeros((self.height + 2 * mask.shape[0], self.width + 2 * mask.shape[1]), bool)
        pad_y, pad_x = mask.shape
        seen[top + pad_y : top + 2 * pad_y, left + pad_x : left + 2 * pad_x] = mask
        order = [p for p, _, _ in self._placements(i)]
        for p in order[order.index(self.target) + 1 :]:
            other, ol, ot = masks[p]
            if abs(ol - left) < pad_x and abs(ot - top) < pad_y:
                region = seen[
                    ot + pad_y : ot + pad_y + other.shape[0], ol + pad_x : ol + pad_x + other.shape[1]
                ]
                region &= ~other
        inside = seen[pad_y : pad_y + self.height, pad_x : pad_x + self.width].sum()
        return float(inside / mask.sum())

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int) -> np.ndarray:
        if not 0 <= i < self.count:
            raise IndexError(i)
        x, y = self._camera[i]
        frame = self.pitch[y : y + self.height, x : x + self.width].copy()
        for p, feet, stride in self._placements(i):
            player = self.players[p]
            centre = (round(feet[0] * 16), round(feet[1] * 16))
            axes = (round(0.2 * player.height * 16), round(0.04 * player.height * 16))
            cv2.ellipse(frame, centre, axes, 0, 0, 360, (30, 70, 30), -1, cv2.LINE_AA, shift=4)  # shadow
            draw_player(frame, player, feet, stride)
        noise = self.noise[i % len(self.noise)]
        cv2.add(frame, noise[0], dst=frame)
        cv2.subtract(frame, noise[1], dst=frame)
        return frame

    def yuv(self, i: int) -> np.ndarray:
        return cv2.cvtColor(self[i], cv2.COLOR_RGB2YUV_I420)

    def target_box(self, i: int) -> tuple[float, float, float, float]:
        return tuple(float(v) for v in self.boxes[self.target, i])
