"""Whatever bytes arrive as a TSV import, the answer is the clips or a 400 naming
the lines; never a server error, never half an import."""

from __future__ import annotations

import random

import pytest

from games.models import Clip
from tests.games.tsv_files import HEADER, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"], ids=["mac", "windows", "unix"])
def test_every_kind_of_line_ending_separates_clips(alice_api, match, newline):
    lines = [HEADER, "1:00\t4\tGoal\t\t15\tfirst", "2:00\t3\t\t\t10\tsecond", ""]

    response = upload(alice_api, match, newline.join(lines).encode())

    assert response.status_code == 200, response.json()
    assert [(c.start_time, c.notes) for c in Clip.objects.order_by("start_time")] == [
        (60, "first"),
        (120, "second"),
    ]


def test_a_line_break_inside_a_field_is_refused_by_line(alice_api, match):
    body = f"{HEADER}\n1:00\t4\t\t\t15\tfirst\n2:00\t4\t\t\t15\tbroken\rnote\n".encode()

    response = upload(alice_api, match, body)

    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [4]
    assert "start_time 'note'" in response.json()["errors"][0]["message"]
    assert not Clip.objects.exists()


def test_its_own_export_of_a_note_with_line_breaks_imports_on_one_line(alice_api, match, alice):
    # given: notes stored before text rules refused control characters
    Clip.objects.create(game=match, start_time=60, end_time=75, notes="first\rsecond\tthird\r\nfourth ")
    other = type(match).objects.create(owner=alice, opponent_name="United", video_duration=600)

    # when
    exported = alice_api.get(f"/api/games/{match.id}/clips.tsv").content
    response = upload(alice_api, other, exported)

    # then
    assert exported.count(b"\n") == 2
    assert b"\r" not in exported
    assert exported.count(b"\t") == 10
    assert response.status_code == 200, response.json()
    assert Clip.objects.get(game=other).notes == "first second third fourth "


def test_a_quoted_field_from_a_spreadsheet_is_unquoted(alice_api, match):
    body = f'{HEADER}\n1:00\t4\t"Goal,Pass"\t\t15\t"he said ""top\r\nbins"""\n'.encode()

    response = upload(alice_api, match, body)

    assert response.status_code == 200, response.json()
    clip = Clip.objects.get()
    assert (clip.tags, clip.notes) == (["Goal", "Pass"], 'he said "top bins"')


def test_a_file_that_is_not_utf8_is_refused_naming_the_lines(alice_api, match):
    body = f"{HEADER}\n1:00\t4\t\t\t15\tcaf\xe9\n2:00\t4\t\t\t15\tfine\n3:00\t4\t\t\t15\t\xff\n".encode(
        "latin-1"
    )

    response = upload(alice_api, match, body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [2, 4]
    assert "UTF-8" in errors[0]["message"]
    assert not Clip.objects.exists()


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_refused_with_a_sentence(alice_api, match, seed):
    noise = random.Random(seed).randbytes(2000)

    for body in (noise, HEADER.encode() + b"\r\n" + noise):
        response = upload(alice_api, match, body)

        assert response.status_code == 400
        assert response.json()["detail"].endswith("nothing was imported.")
        assert all(isinstance(e["line"], int) and e["message"] for e in response.json()["errors"])
    assert not Clip.objects.exists()


def test_a_nul_in_a_clip_name_is_refused(alice_api, match):
    body = f"{HEADER}\r\n1:00\t4\t\tbad\x00name\t15\t\r\n".encode()

    response = upload(alice_api, match, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 2
    assert not Clip.objects.exists()


@pytest.mark.parametrize("payload", [{"tsv": 5}, {"tsv": None}, {"tsv": ["a"]}, ["not", "an", "object"]])
def test_a_json_body_without_tsv_text_is_refused(alice_api, match, payload):
    response = alice_api.post(f"/api/games/{match.id}/clips.tsv", payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_file_too_large_to_read_is_refused_with_a_sentence(alice_api, match, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = HEADER + "\n" + "1:00\t4\t\t\t15\tx\n" * 100

    response = upload(alice_api, match, body)

    assert response.status_code == 413
    assert "TSV" in response.json()["detail"]
    assert not Clip.objects.exists()


def test_excels_unicode_text_is_read(alice_api, match):
    body = f"{HEADER}\r\n1:00\t4\tGoal\t\t15\tcafé\r\n".encode("utf-16")

    response = upload(alice_api, match, body)

    assert response.status_code == 200, response.json()
    assert Clip.objects.get().notes == "café"


def test_a_broken_utf16_file_is_refused(alice_api, match):
    body = f"{HEADER}\r\n".encode("utf-16") + b"\x00"

    response = upload(alice_api, match, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 1
