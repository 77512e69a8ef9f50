"""Re-rendering a game review after one edit costs a fraction of the first render.

A generated 20-clip game (1920x1080, the usual phone or camera video, and 640x360,
the worst case for the ratio: the join's cost, mostly encoding the review's sound
once, does not shrink with the picture; 25 fps, a sine tone; clips 1.5 to 3 s, every
rating) is rendered through exports.reviews.render_review, the worker's code path
with its segment cache (local storage in the bench's temporary folder, the
database migrated there), and the joined video stored as the worker stores it.
Then ONE clip's notes change and the review is rendered again: one piece encoded,
nineteen fetched from the cache, all joined. Baseline: the first render.
Target: ratio <= 0.25. The lines after it say where the re-render's time went.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bench import servers
from bench.timing import Result
from exports import reviews
from exports.models import ExportJob, JobType
from exports.render import handout
from games.models import Clip, Game
from games.objects import object_store
from games.tags import TAGS

CLIPS = 20
GAME_SECONDS = 70


class Quiet:
    """The worker's Progress and CancelChecks, doing nothing: the bench times the render."""

    def phases(self, weights: list[float]) -> None:
        pass

    def of(self, phase: int):
        return lambda done, total: None

    def __call__(self) -> bool:
        return False

    def now(self) -> None:
        pass


SIZES = ((1920, 1080), (640, 360))


def make_game(owner, folder: Path, size: tuple[int, int]) -> Game:
    width, height = size
    video = folder / "game.mp4"
    subprocess.run(
        [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25:duration={GAME_SECONDS}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={GAME_SECONDS}",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
         str(video)],
        check=True, timeout=300,
    )  # fmt: skip
    game = Game.objects.create(
        owner=owner, opponent_name="Bench Rovers", video_status="ready",
        video_width=width, video_height=height, video_duration=GAME_SECONDS, video_fps=25.0,
        video_has_audio=True,
        video_key=f"users/{owner.pk}/bench-review-{time.time_ns()}.mp4",
    )  # fmt: skip
    with open(video, "rb") as stream:
        object_store().save_stream(game.video_key, stream, video.stat().st_size)
    names = list(TAGS)
    for number in range(CLIPS):
        start = 1.0 + number * 3.4
        Clip.objects.create(
            game=game, start_time=start, end_time=start + 1.5 + (number % 4) * 0.5, rating=1 + number % 5,
            tags=[names[number % len(names)]], notes=f"Clip {number + 1}: what the coach saw, in a sentence.",
        )  # fmt: skip
    return game


def render_once(game: Game, folder: Path) -> tuple[float, reviews.ReviewResult, float]:
    """One review from the game as it is now: (seconds in all, the result, seconds to store it)."""
    config = reviews.review_config(game, reviews.clean_review_settings({}))
    job = ExportJob(owner_id=game.owner_id, game=game, type=JobType.GAME_REVIEW, config=config)
    started = time.perf_counter()
    result = reviews.render_review(job, folder, Quiet(), Quiet())
    stored = time.perf_counter()
    key = f"reviews/{game.owner_id}/bench-{time.time_ns()}.mp4"
    with open(result.path, "rb") as stream:
        object_store().save_stream(key, stream, result.path.stat().st_size)
    done = time.perf_counter()
    object_store().delete(key)
    return done - started, result, done - stored


def run() -> list[Result]:
    call_command("migrate", verbosity=0)
    owner, _ = get_user_model().objects.get_or_create(username="bench-review")
    # The clip and game writes tell open pages through Redis (the embedded one here).
    with servers.embedded_redis():
        return [measure(owner, size) for size in SIZES]


def measure(owner, size: tuple[int, int]) -> Result:
    encoded: list[float] = []
    original = handout.encode_piece

    def counting(piece, *args, **kwargs):
        encoded.append(piece.duration)
        return original(piece, *args, **kwargs)

    handout.encode_piece = counting
    try:
        with tempfile.TemporaryDirectory(prefix="bench-review-") as name:
            folder = Path(name)
            game = make_game(owner, folder, size)
            (folder / "first").mkdir()
            first_s, first, _ = render_once(game, folder / "first")
            first_pieces = len(encoded)
            edited = Clip.objects.filter(game=game).order_by("start_time")[CLIPS // 2]
            edited.notes = "Edited after the first render: a different sentence."
            edited.save(update_fields=["notes"])
            encoded.clear()
            (folder / "again").mkdir()
            again_s, again, stored_s = render_once(game, folder / "again")
            object_store().delete(game.video_key)
            game.delete()  # its clips' cached pieces go with it
    finally:
        handout.encode_piece = original
    if first_pieces != CLIPS or len(encoded) != 1:
        raise RuntimeError(f"expected {CLIPS} pieces then 1, encoded {first_pieces} then {len(encoded)}")
    spent = again.timings
    other = again_s - sum(spent.values()) - stored_s
    label = f"{first.width}x{first.height}"
    print(
        f"  review {label}: first render {first_s:.2f} s ({CLIPS} pieces, {first.duration:.1f} s of video), "
        f"re-render after one edit {again_s:.2f} s = {100 * again_s / first_s:.0f} % (target <= 25 %)"
    )
    print(
        f"  re-render {label}: encode one piece {spent['encode']:.2f} s, store it {spent['store']:.2f} s, "
        f"fetch {CLIPS - 1} cached {spent['fetch']:.2f} s, join {spent['join']:.2f} s, "
        f"store the review {stored_s:.2f} s, the rest (cache lookups, rows) {other:.2f} s"
    )
    return Result(f"game review {label}: re-render after 1 of {CLIPS} edits", again_s, first_s)
