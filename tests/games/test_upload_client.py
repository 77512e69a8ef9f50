"""The browser-free uploader against a real web process: the connection dies
halfway, the same command resumes from the stored parts, the game is ready."""

from __future__ import annotations

import pytest
import requests
from rest_framework.authtoken.models import Token

from games.models import Game
from games.objects import object_store
from games.upload_client import UploadClient, main
from tests.media import make_video, sha256
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)


class DropsAfter(requests.Session):
    """A connection that dies after `parts` part uploads, as a closed laptop would."""

    def __init__(self, parts: int) -> None:
        super().__init__()
        self.left = parts
        self.part_puts = 0

    def put(self, url, *args, **kwargs):
        if self.left == 0:
            raise requests.ConnectionError("the network went away")
        self.left -= 1
        self.part_puts += 1
        return super().put(url, *args, **kwargs)


def test_an_upload_cut_off_halfway_resumes_where_it_stopped(alice, tmp_path):
    source = make_video(tmp_path, seconds=3, size="640x360", noisy=True)  # three parts
    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    token = Token.objects.create(user=alice).key

    with web_process() as url:
        first = DropsAfter(parts=1)
        with pytest.raises(requests.ConnectionError):
            UploadClient(url, token, http=first).upload(game.id, source)
        assert Game.objects.get(pk=game.pk).video_status == "uploading"

        second = DropsAfter(parts=10)
        result = UploadClient(url, token, http=second).upload(game.id, source)

    assert first.part_puts == 1
    assert second.part_puts == 2  # only the parts that were missing
    assert result["video"]["status"] == "ready"
    game.refresh_from_db()
    with object_store().storage.open(game.video_key, "rb") as stored:
        assert sha256(stored.read()) == sha256(source)


def test_the_command_line_reports_a_ready_game(alice, tmp_path, capsys):
    source = make_video(tmp_path, fps=30)
    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    token = Token.objects.create(user=alice).key

    with web_process() as url:
        code = main(["--url", url, "--token", token, "--game", str(game.id), str(source)])

    assert code == 0
    out = capsys.readouterr().out
    assert "part 1/1 stored" in out
    assert "ready" in out
    assert Game.objects.get(pk=game.pk).video_fps == 30
