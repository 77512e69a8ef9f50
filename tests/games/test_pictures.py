"""Posters and filmstrips: made from a video whose colour changes over time, decoded,
and measured tile by tile; made after an upload, a cut and an export; served to
their owner only; gone with their video."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import requests
from django.conf import settings
from PIL import Image

from exports.projects import record_final_video
from games import pictures
from games.filmstrip import FIXTURE, build_fixture, filmstrip_layout
from games.models import Clip, Game, Picture
from games.objects import object_store
from tests.exports.exporting import store_file

pytestmark = pytest.mark.django_db

COLOURS = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255)}


def colour_video(
    folder: Path, colours: list[str], each: float, size: str, fps: int = 25, gop: int = 25
) -> Path:
    """One plain colour after another, `each` seconds apiece."""
    path = folder / f"colours-{'-'.join(colours)}-{each}-{size}-{fps}.mp4"
    if path.exists():
        return path
    command = [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y"]
    for colour in colours:
        command += ["-f", "lavfi", "-i", f"color=c={colour}:s={size}:r={fps}:d={each}"]
    inputs = "".join(f"[{i}]" for i in range(len(colours)))
    command += ["-filter_complex", f"{inputs}concat=n={len(colours)}:v=1[v]", "-map", "[v]"]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-g", str(gop), "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(command, check=True, timeout=120)
    return path


def colour_at(colours: list[str], each: float, time: float) -> tuple[int, int, int]:
    return COLOURS[colours[min(int(time // each), len(colours) - 1)]]


def decoded(client, url: str) -> Image.Image:
    """The JPEG behind a picture URL, as its owner's browser gets it."""
    response = client.get(url)
    if response.status_code == 302:  # S3: a presigned GET
        assert "max-age" in response["Cache-Control"]
        body = requests.get(response["Location"], timeout=30)
        assert body.status_code == 200
        assert body.headers["Content-Type"] == "image/jpeg"
        data = body.content
    else:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "immutable" in response["Cache-Control"]
        data = b"".join(response.streaming_content)
    return Image.open(io.BytesIO(data))


def tiles(sheet: Image.Image, strip: dict) -> list[np.ndarray]:
    pixels = np.asarray(sheet.convert("RGB")).astype(float)
    width, height = strip["tile_width"], strip["tile_height"]
    out = []
    for index in range(strip["count"]):
        row, column = divmod(index, strip["columns"])
        out.append(pixels[row * height : (row + 1) * height, column * width : (column + 1) * width])
    return out


def close(pixels: np.ndarray, colour: tuple[int, int, int]) -> bool:
    return bool(np.abs(pixels.reshape(-1, 3).mean(axis=0) - colour).max() < 12)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("pictures")


def game_with_video(owner, path: Path, duration: float, width: int, height: int) -> Game:
    game = Game.objects.create(
        owner=owner, opponent_name="Rovers", video_status="ready", video_duration=duration,
        video_width=width, video_height=height, video_fps=25.0,
    )  # fmt: skip
    game.video_key = store_file(path, f"users/{owner.pk}/games/{game.pk}/{path.name}")
    game.save(update_fields=["video_key"])
    return game


def test_a_games_poster_and_filmstrip_show_its_frames_at_their_times(alice, alice_api, bob_api, folder):
    # given a game whose video is red, lime, blue, then white, two seconds each
    colours = ["red", "lime", "blue", "white"]
    game = game_with_video(alice, colour_video(folder, colours, 2, "640x360"), 8.0, 640, 360)
    assert alice_api.get(f"/api/games/{game.pk}").json()["poster_url"] is None  # not made yet

    # when a worker makes its pictures
    made = pictures.make_pictures(pictures.game_source(game), ["poster", "filmstrip"])

    # then the API shows them
    assert sorted(p.kind for p in made) == ["filmstrip", "poster"]
    shown = alice_api.get(f"/api/games/{game.pk}").json()
    listed = alice_api.get("/api/games").json()["results"][0]
    assert listed["poster_url"] == shown["poster_url"]
    assert listed["filmstrip"] == shown["filmstrip"]
    strip = shown["filmstrip"]
    assert {k: strip[k] for k in strip if k != "url"} == {
        "columns": 10, "rows": 2, "tile_width": 160, "tile_height": 90, "interval": 0.5, "count": 16,
    }  # fmt: skip

    # the poster: 480 px wide, at 10 % of the game (0.8 s: red)
    poster = decoded(alice_api, shown["poster_url"])
    assert poster.size == (480, 270)
    assert close(np.asarray(poster.convert("RGB")).astype(float), COLOURS["red"])

    # the filmstrip: 16 tiles of 160x90 in a 10x2 grid, tile i showing i * 0.5 s
    sheet = decoded(alice_api, strip["url"])
    assert sheet.size == (1600, 180)
    for index, pixels in enumerate(tiles(sheet, strip)):
        assert close(pixels, colour_at(colours, 2, index * 0.5)), f"tile {index} at {index * 0.5} s"
    # the unused cells of the last row stay black
    assert np.asarray(sheet.convert("RGB"))[90:, 6 * 160 :].mean() < 8

    # and another user cannot read them
    assert bob_api.get(shown["poster_url"]).status_code == 404
    assert bob_api.get(strip["url"]).status_code == 404


def test_a_long_game_is_pictured_by_seeking_and_every_tile_is_right(alice, folder):
    # given a ten-minute game, one colour a minute, a keyframe every 5 s
    colours = ["red", "lime", "blue", "white"] * 2 + ["red", "lime"]
    path = colour_video(folder, colours, 60, "64x36", fps=5, gop=25)
    game = game_with_video(alice, path, 600.0, 64, 36)

    # when its filmstrip is made
    (strip,) = pictures.make_pictures(pictures.game_source(game), ["filmstrip"])

    # then it has at most 150 tiles, 4 s apart (too far apart to decode the frames between)
    assert (strip.count, strip.interval) == (150, 4.0)
    assert strip.interval > pictures.SEEK_AHEAD
    assert (strip.tile_width, strip.tile_height) == (160, 90)
    with (
        open(object_store().read_location(strip.key), "rb")
        if not object_store().direct
        else io.BytesIO(requests.get(object_store().read_location(strip.key), timeout=30).content) as handle
    ):
        sheet = Image.open(io.BytesIO(handle.read()))
    layout = {"count": strip.count, "columns": strip.columns, "tile_width": 160, "tile_height": 90}
    for index, pixels in enumerate(tiles(sheet, layout)):
        assert close(pixels, colour_at(colours, 60, index * 4.0)), f"tile {index}"


def test_a_clips_filmstrip_counts_from_its_marked_start_not_the_files(alice, alice_api, folder):
    # given a cut clip whose file starts 2 s before its marked start (a stream copy's lead-in)
    colours = ["red", "lime", "blue", "white"]
    game = game_with_video(alice, colour_video(folder, colours, 2, "320x180"), 8.0, 320, 180)
    clip = Clip.objects.create(game=game, start_time=10, end_time=14, extraction_status="ready")
    clip.file_key = store_file(
        colour_video(folder, colours, 2, "320x180"), f"users/{alice.pk}/clips/{clip.pk}.mp4"
    )
    clip.file_lead_in = 2.0
    clip.save()

    # when its pictures are made
    pictures.make_pictures(pictures.clip_source(clip), ["poster", "filmstrip"])

    # then tile i shows the file at 2 + i * 0.5 s: lime, then blue
    shown = alice_api.get(f"/api/games/{game.pk}/clips").json()[0]
    strip = shown["filmstrip"]
    assert (strip["count"], strip["interval"]) == (8, 0.5)
    sheet = decoded(alice_api, strip["url"])
    for index, pixels in enumerate(tiles(sheet, strip)):
        assert close(pixels, colour_at(colours, 2, 2 + index * 0.5)), f"tile {index}"
    poster = decoded(alice_api, shown["poster_url"])
    assert poster.size == (320, 180)  # never scaled up
    assert close(np.asarray(poster.convert("RGB")).astype(float), COLOURS["lime"])  # at 0.4 s of the clip


def test_a_new_video_gets_new_pictures_and_the_old_ones_go(
    alice, alice_api, folder, django_capture_on_commit_callbacks
):
    # given a game pictured once
    game = game_with_video(alice, colour_video(folder, ["red"], 2, "320x180"), 2.0, 320, 180)
    old = pictures.make_pictures(pictures.game_source(game), ["poster", "filmstrip"])
    old_files = [p.key for p in old]

    # when its video is replaced and the new one pictured
    game.video_key = store_file(colour_video(folder, ["blue"], 2, "320x180"), f"users/{alice.pk}/new.mp4")
    game.save()
    assert alice_api.get(f"/api/games/{game.pk}").json()["poster_url"] is None  # the old one is not shown
    with django_capture_on_commit_callbacks(execute=True):
        pictures.make_pictures(pictures.game_source(game), ["poster", "filmstrip"])

    # then only the new pictures remain, files and rows
    assert set(Picture.objects.filter(subject_id=game.pk).values_list("source_key", flat=True)) == {
        game.video_key
    }
    assert all(object_store().size(key) is None for key in old_files)
    poster = decoded(alice_api, alice_api.get(f"/api/games/{game.pk}").json()["poster_url"])
    assert close(np.asarray(poster.convert("RGB")).astype(float), COLOURS["blue"])
    assert alice_api.get(f"/api/pictures/{old[0].pk}").status_code == 404

    # and making them again changes nothing
    assert pictures.make_pictures(pictures.game_source(game), ["poster", "filmstrip"]) == []


def test_pictures_go_with_their_game_and_clips(alice, alice_api, folder, django_capture_on_commit_callbacks):
    path = colour_video(folder, ["red", "lime"], 1, "320x180")
    game = game_with_video(alice, path, 2.0, 320, 180)
    clip = Clip.objects.create(game=game, start_time=0, end_time=2, extraction_status="ready")
    clip.file_key = store_file(path, f"users/{alice.pk}/clips/{clip.pk}.mp4")
    clip.save()
    other = Clip.objects.create(game=game, start_time=5, end_time=7, extraction_status="ready")
    other.file_key = store_file(path, f"users/{alice.pk}/clips/{other.pk}.mp4")
    other.save()
    for source in (pictures.game_source(game), pictures.clip_source(clip), pictures.clip_source(other)):
        pictures.make_pictures(source, ["poster", "filmstrip"])
    files = dict(Picture.objects.values_list("subject_id", "key"))
    assert Picture.objects.count() == 6

    # a clip deleted through the API takes its pictures
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/clips/{other.pk}").status_code == 204
    assert not Picture.objects.filter(subject_type="clip", subject_id=other.pk).exists()
    assert object_store().size(files[other.pk]) is None

    # a deleted game takes its own and its clips'
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/games/{game.pk}").status_code == 204
    assert Picture.objects.count() == 0
    assert all(object_store().size(key) is None for key in files.values())


def test_a_video_that_cannot_be_read_gets_no_pictures(alice, folder):
    game = Game.objects.create(owner=alice, opponent_name="Rovers", video_duration=5.0)
    game.video_key = f"users/{alice.pk}/not-a-video.mp4"
    object_store().save_stream(game.video_key, io.BytesIO(b"not a video at all" * 100), 10_000)
    assert pictures.make_pictures(pictures.game_source(game), ["poster", "filmstrip"]) == []
    gone = Game.objects.create(
        owner=alice, opponent_name="Rovers", video_duration=5.0, video_key="missing.mp4"
    )
    assert pictures.make_pictures(pictures.game_source(gone), ["poster"]) == []
    assert Picture.objects.count() == 0


def test_a_picture_whose_file_is_missing_is_a_404_with_a_sentence(alice, alice_api, folder):
    game = game_with_video(alice, colour_video(folder, ["red"], 2, "320x180"), 2.0, 320, 180)
    (poster,) = pictures.make_pictures(pictures.game_source(game), ["poster"])
    object_store().delete(poster.key)
    response = alice_api.get(f"/api/pictures/{poster.pk}")
    if response.status_code == 302:  # S3 signs without looking; the bucket refuses (404, or 403 to hide it)
        assert requests.get(response["Location"], timeout=30).status_code in (403, 404)
    else:
        assert response.status_code == 404
        assert "missing" in response.json()["detail"]
    assert alice_api.get("/api/pictures/999999").status_code == 404


def test_pictures_are_asked_for_after_an_upload_a_cut_and_an_export(
    alice, monkeypatch, folder, django_capture_on_commit_callbacks
):
    from games.signals import video_ready
    from tests.exports.exporting import ready_project

    queued = []
    monkeypatch.setattr(pictures, "async_task", lambda *args, **kwargs: queued.append((args, kwargs)))
    game = game_with_video(alice, colour_video(folder, ["red"], 2, "320x180"), 2.0, 320, 180)
    project = ready_project(alice, folder, [1.0])
    with django_capture_on_commit_callbacks(execute=True):
        # an upload's video is probed and committed
        video_ready.send(sender=Game, game=game, first=False)
        # a clip is cut (the extraction's finish asks, with the new file and its lead-in)
        clip = Clip.objects.create(game=game, start_time=0.5, end_time=1.5)
        pictures.request_pictures(pictures.clip_source(clip, key="users/1/clips/cut.mp4", lead_in=0.4))
        # an overlay export records a final video
        record_final_video(
            project, file_key="exports/final.mp4", size=1, duration=1.0, width=2, height=2, fps=25
        )

    names = [args[0] for args, _ in queued]
    assert set(names) == {"games.tasks.make_pictures"}
    sources = [args[1] for args, _ in queued]
    assert sources[0] == {**pictures.game_source(game).__dict__}
    assert next(args[2] for args, _ in queued) == ["poster", "filmstrip"]
    assert {
        "subject_type": "clip",
        "key": "users/1/clips/cut.mp4",
        "offset": 0.4,
        "duration": 1.0,
    }.items() <= (sources[1].items())
    assert (sources[-1]["subject_type"], sources[-1]["key"], queued[-1][0][2]) == (
        "final_video", "exports/final.mp4", ["poster"],
    )  # fmt: skip
    assert all(kwargs["cluster"] == "cpu" for _, kwargs in queued)


def test_the_worker_task_makes_them_from_plain_data(alice, folder):
    from games.tasks import make_pictures

    game = game_with_video(alice, colour_video(folder, ["red"], 2, "320x180"), 2.0, 320, 180)
    assert make_pictures(pictures.game_source(game).__dict__, ["poster", "filmstrip"]) == 2


def test_a_cut_asks_for_the_clips_pictures(alice, monkeypatch, folder, django_capture_on_commit_callbacks):
    """The real extraction task, end to end: its finish queues the clip's pictures."""
    from games import extraction

    queued = []
    monkeypatch.setattr(pictures, "async_task", lambda *args, **kwargs: queued.append(args))
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: None)
    game = game_with_video(alice, colour_video(folder, ["red", "lime", "blue"], 2, "320x180"), 6.0, 320, 180)
    clip = Clip.objects.create(game=game, start_time=1.0, end_time=4.0)
    assert extraction.request_extraction(clip)
    with django_capture_on_commit_callbacks(execute=True):
        key = extraction.extract_clip(clip.pk, 1.0, 4.0)
    clip.refresh_from_db()
    assert key
    assert clip.file_key == key
    ((_, source, kinds),) = queued
    assert (source["key"], source["offset"], source["duration"]) == (key, clip.file_lead_in, 3.0)
    assert kinds == ["poster", "filmstrip"]


def test_a_layout_never_has_more_than_150_tiles():
    assert filmstrip_layout(5400, 1920, 1080).count == 150
    assert filmstrip_layout(5400, 1920, 1080).interval == 36.0
    assert filmstrip_layout(15, 1920, 1080).count == 30
    assert (filmstrip_layout(2, 1080, 1920).tile_width, filmstrip_layout(2, 1080, 1920).tile_height) == (
        50,
        90,
    )


def test_the_filmstrip_fixture_is_current():
    assert json.loads(FIXTURE.read_text()) == build_fixture()


def test_every_page_has_a_favicon_an_svg_with_a_png_fallback(client):
    from django.test import Client

    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert 'rel="icon" href="/static/img/favicon.png" type="image/png"' in page
    svg = Client().get("/static/img/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)
    png = Client().get("/static/img/favicon.png")
    icon = Image.open(io.BytesIO(b"".join(png.streaming_content)))
    assert icon.size == (64, 64)
    rgb = icon.convert("RGB")
    assert rgb.getpixel((4, 32)) == (22, 101, 52)  # the green square
    assert rgb.getpixel((16, 32)) == (255, 255, 255)  # the white disc
    assert rgb.getpixel((32, 32)) == (22, 101, 52)  # the green play mark


def test_the_make_pictures_command_pictures_videos_stored_before_pictures_existed(alice, folder):
    from django.core.management import call_command

    # given a game video, a cut clip and a final video, none pictured
    path = colour_video(folder, ["red", "lime"], 1, "320x180")
    game = game_with_video(alice, path, 2.0, 320, 180)
    Game.objects.filter(pk=game.pk).update(video_status="ready")
    clip = Clip.objects.create(game=game, start_time=0, end_time=2, extraction_status="ready")
    clip.file_key = store_file(path, f"users/{alice.pk}/clips/{clip.pk}.mp4")
    clip.save()
    from tests.exports.exporting import ready_project

    project = ready_project(alice, folder, [1.0])
    video = record_final_video(
        project, file_key=store_file(path, "exports/old-final.mp4"), size=1, duration=2.0, width=320,
        height=180, fps=25,
    )  # fmt: skip
    out = io.StringIO()

    # when the command runs here
    call_command("make_pictures", "--here", stdout=out)

    # then each has its pictures (ready_project's clip too), and a second run has nothing to do
    kinds = set(Picture.objects.values_list("subject_type", "subject_id", "kind"))
    assert {
        ("game", game.pk, "poster"),
        ("game", game.pk, "filmstrip"),
        ("clip", clip.pk, "filmstrip"),
    } <= kinds
    assert ("final_video", video.pk, "poster") in kinds
    assert ("final_video", video.pk, "filmstrip") not in kinds
    assert out.getvalue().endswith("Made 7 picture(s) of 5 video(s).\n")  # ready_project's game has no file
    assert "missing or unreadable" in out.getvalue()
    again = io.StringIO()
    call_command("make_pictures", "--here", stdout=again)
    assert again.getvalue().endswith("Made 0 picture(s) of 1 video(s).\n")
