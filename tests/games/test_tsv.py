"""Clip lists in and out as TSV: round trip, all-or-nothing import with line errors."""

from __future__ import annotations

import pytest

from games.models import Clip
from games.tsv import format_time, parse_time
from tests.games.clipping import add
from tests.games.tsv_files import HEADER as TSV_HEADER
from tests.games.tsv_files import upload

pytestmark = pytest.mark.django_db
HEADER = TSV_HEADER + "\n"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(75, "1:15"), (3661, "61:01"), (7530, "125:30"), (9.5, "0:09.5"), (0, "0:00"), (9.97, "0:10")],
)
def test_times_write_as_minutes_and_seconds_even_past_an_hour(seconds, text):
    assert format_time(seconds) == text
    assert parse_time(text) == round(seconds, 1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5:30", 330),
        ("05:30", 330),
        ("61:01", 3661),
        ("125:30", 7530),
        ("1:02:05", 3725),
        ("1:02:05.5", 3725.5),
    ],
)
def test_times_read_as_m_ss_mm_ss_or_h_mm_ss(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["1:60", "1:60:00", "1:5", "90", "", "-1:00", "1:00:00:00"])
def test_times_that_are_not_clock_times_are_refused(text):
    with pytest.raises(ValueError, match="start_time"):
        parse_time(text)


def test_export_lists_every_clip_in_order(alice_api, match):
    add(
        alice_api,
        match,
        start_time=200,
        end_time=212.5,
        rating=4,
        tags=["Dribble", "Pass"],
        notes="left foot",
    )
    add(alice_api, match, start_time=65, end_time=80, rating=5, name="Screamer")

    response = alice_api.get(f"/api/games/{match.id}/clips.tsv")

    assert response["Content-Type"].startswith("text/tab-separated-values")
    assert response.content.decode() == (
        HEADER + "1:05\t5\t\tScreamer\t15.0\t\n" + "3:20\t4\tDribble,Pass\t\t12.5\tleft foot\n"
    )


def test_an_export_imports_back_into_another_game_unchanged(alice_api, match, alice):
    add(alice_api, match, start_time=360, end_time=370, rating=2, tags=["Save"], notes="hands")
    exported = alice_api.get(f"/api/games/{match.id}/clips.tsv").content.decode()
    other = type(match).objects.create(owner=alice, opponent_name="United", video_duration=5000)

    response = upload(alice_api, other, exported)

    assert response.status_code == 200, response.json()
    clip = Clip.objects.get(game=other)
    assert (clip.start_time, clip.end_time, clip.rating, clip.tags, clip.notes) == (
        360,
        370,
        2,
        ["Save"],
        "hands",
    )
    assert alice_api.get(f"/api/games/{other.id}/clips.tsv").content.decode() == exported


def test_import_updates_clips_with_the_same_end_and_adds_the_rest(alice_api, match):
    existing = add(alice_api, match, start_time=100, end_time=115, rating=3).json()

    response = upload(alice_api, match, HEADER + "1:40\t5\tGoal\t\t15\t\n" + "5:00\t1\t\t\t10\toops\n")

    assert response.status_code == 200
    assert Clip.objects.get(pk=existing["id"]).rating == 5
    assert Clip.objects.filter(game=match).count() == 2
    match.refresh_from_db()
    assert match.clips_rated_5 == 1


def test_a_bad_import_reports_every_line_and_writes_nothing(alice_api, match):
    text = HEADER + (
        "1:00\t4\tGoal\t\t15\t\n"  # fine
        "1:xx\t4\t\t\t15\t\n"  # bad time
        "2:00\t7\t\t\t15\t\n"  # bad rating
        "3:00\t3\tHeader\t\t15\t\n"  # unknown tag
        "4:00\t3\t\t\t90\t\n"  # too long
        "5:00\t3\t\t\t12.25\t\n"  # two decimals
    )

    response = upload(alice_api, match, text)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "5 line(s) have problems; nothing was imported."
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6, 7]
    assert "M:SS" in body["errors"][0]["message"]
    assert "1 to 5" in body["errors"][1]["message"]
    assert "Unknown tag(s): Header" in body["errors"][2]["message"]
    assert "1 to 60 seconds" in body["errors"][3]["message"]
    assert "one decimal" in body["errors"][4]["message"]
    assert not Clip.objects.exists()


def test_a_file_without_the_header_is_refused(alice_api, match):
    response = upload(alice_api, match, "1:00\t4\tGoal\t\t15\t\n")

    assert response.status_code == 400
    assert "header" in response.json()["errors"][0]["message"]


def test_two_lines_ending_together_are_refused(alice_api, match):
    response = upload(alice_api, match, HEADER + "1:00\t4\t\t\t15\t\n" + "1:05\t4\t\t\t10\t\n")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 3, "message": "It ends at the same time as line 2."}]


def test_tags_are_read_by_long_or_short_name_in_any_case_and_written_short(alice_api, match):
    text = HEADER + "1:00\t4\tPossession Play, passing range,SHOT STOPPING,goal\t\t15\t\n"

    response = upload(alice_api, match, text)

    assert response.status_code == 200, response.json()
    assert Clip.objects.get().tags == ["Possession", "Pass", "Save", "Goal"]
    exported = alice_api.get(f"/api/games/{match.id}/clips.tsv").content.decode()
    assert exported.splitlines()[1].split("\t")[2] == "Possession,Pass,Save,Goal"


@pytest.mark.parametrize(("text", "seconds"), [("15", 15), ("15.0", 15), ("12.5", 12.5), ("12.50", 12.5)])
def test_durations_are_read_with_or_without_a_decimal(alice_api, match, text, seconds):
    response = upload(alice_api, match, HEADER + f"1:00\t4\t\t\t{text}\t\n")

    assert response.status_code == 200, response.json()
    assert Clip.objects.get().end_time == 60 + seconds


def test_notes_keep_their_spaces_and_their_quotes(alice_api, match):
    text = HEADER + ' 1:00 \t 4 \t Goal \t Screamer \t 15 \t "Top bins" he said  \n'

    response = upload(alice_api, match, text)

    assert response.status_code == 200, response.json()
    clip = Clip.objects.get()
    assert (clip.start_time, clip.tags, clip.name, clip.notes) == (
        60,
        ["Goal"],
        "Screamer",
        ' "Top bins" he said  ',
    )
    exported = alice_api.get(f"/api/games/{match.id}/clips.tsv").content.decode()
    assert exported.endswith('\t "Top bins" he said  \n')
