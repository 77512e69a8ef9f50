"""Share links: a token opens its own video and nothing else, without signing in;
tokens are unguessable and checked before any query; revocation and expiry work at
once; playback seeks; downloads have a proper name; requests are rate-limited; the
owner's API validates everything it is sent."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import share_views, shares
from exports.models import Project, ReviewVideo, ShareLink
from exports.projects import record_final_video
from games.objects import object_store
from tests.exports.conftest import make_game
from tests.exports.exporting import store_file
from tests.media import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("share-media")
    return {
        "landscape": make_video(folder, seconds=2, size="320x180"),
        "portrait": make_video(folder, seconds=1, size="180x320", fps=30),
    }


def final_video(owner, name: str, path):
    project = Project.objects.create(owner=owner, name=name, aspect_ratio="16:9")
    key = store_file(path, f"exports/{owner.pk}/{project.pk}/final-{time.monotonic_ns()}.mp4")
    return record_final_video(
        project, file_key=key, size=path.stat().st_size, duration=2.0, width=320, height=180, fps=25.0
    )


def review_video(owner, game, path, title: str, chapters=()) -> ReviewVideo:
    key = store_file(path, f"reviews/{owner.pk}/{game.pk}-{time.monotonic_ns()}.mp4")
    return ReviewVideo.objects.create(
        owner=owner, kind="game_review", game=game, title=title, version=2, file_key=key,
        size=path.stat().st_size, duration=1.0, width=180, height=320, fps=30.0, chapters=list(chapters),
        summary={"clips": 2, "by_rating": {"5": 1, "4": 1, "3": 0, "2": 0, "1": 0}},
    )  # fmt: skip


@pytest.fixture
def videos(alice, bob, media):
    """Alice's "Cup final reel" (shared), her "Hidden plans" and her game against
    Eastside Wanderers (a review with chapters); Bob's own reel."""
    wanderers = make_game(alice, opponent="Eastside Wanderers")
    return {
        "final": final_video(alice, "Cup final reel", media["landscape"]),
        "hidden": final_video(alice, "Hidden plans", media["landscape"]),
        "review": review_video(
            alice, wanderers, media["portrait"], "Game review — Vs Eastside Wanderers",
            chapters=[{"title": "!!  Brilliant Goal", "start": 0.0, "end": 0.5},
                      {"title": "!  Good Pass", "start": 0.5, "end": 1.0}],
        ),
        "bobs": final_video(bob, "Bob's reel", media["landscape"]),
    }  # fmt: skip


def link_to(video, **fields) -> ShareLink:
    owner = video.owner if isinstance(video, ReviewVideo) else video.project.owner
    return shares.create_link(owner, video, **fields)


def token(link: ShareLink) -> str:
    return shares.token_of(link)


def body(response) -> bytes:
    """What a video element gets: the bytes served here, or the bucket's after S3's redirect."""
    if response.status_code == 302:
        assert object_store().direct
        return requests.get(response["Location"], timeout=30).content
    return b"".join(response.streaming_content)


def fetch(client, path: str, range_header: str | None = None):
    """(status, headers, bytes) as a video element sees them, following S3's redirect."""
    headers = {"HTTP_RANGE": range_header} if range_header else {}
    response = client.get(path, **headers)
    if response.status_code == 302:
        assert object_store().direct
        followed = requests.get(
            response["Location"], headers={"Range": range_header} if range_header else {}, timeout=30
        )
        return followed.status_code, followed.headers, followed.content
    content = b"".join(response.streaming_content) if response.status_code in (200, 206) else b""
    return response.status_code, response, content


# --- a token opens its video and nothing else ----------------------------------------------


def test_a_link_opens_its_video_without_signing_in_and_shows_nothing_else_of_the_owner(client, videos, media):
    # given
    link = link_to(videos["final"])

    # when
    page = client.get(f"/s/{token(link)}")

    # then: the title, the duration, the player and the download; nothing else of Alice's
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Cup final reel</h1>" in html
    assert "0:02" in html
    assert f'src="/s/{token(link)}/video"' in html
    assert "playsinline" in html
    assert 'preload="metadata"' in html
    assert "controls" in html
    assert f'href="/s/{token(link)}/download"' in html
    for private in ("Hidden plans", "Wanderers", "alice", "alice@example.com", "/gallery/", "/login/",
                    "/accounts/", "/api/", "app.js", "Chapters"):  # fmt: skip
        assert private not in html, private
    status, _, played = fetch(client, f"/s/{token(link)}/video")
    assert (status, played) == (200, media["landscape"].read_bytes())


def test_a_review_link_lists_its_chapters_as_buttons_that_seek(client, videos):
    link = link_to(videos["review"])

    html = client.get(f"/s/{token(link)}").content.decode()

    assert "Game review — Vs Eastside Wanderers" in html
    assert html.count('class="chapter"') == 2
    assert 'data-start="0.500"' in html
    assert "Brilliant Goal" in html
    assert "Good Pass" in html
    assert "Cup final reel" not in html
    assert "Hidden plans" not in html


def test_a_token_reaches_only_its_own_video(client, videos, media):
    # given: links to two videos
    mine, other = link_to(videos["final"]), link_to(videos["review"])

    # then: each serves its own file
    assert fetch(client, f"/s/{token(mine)}/video")[2] == media["landscape"].read_bytes()
    assert fetch(client, f"/s/{token(other)}/video")[2] == media["portrait"].read_bytes()
    # and no mix of the two halves, nor an id in the address, opens anything
    mixed = [mine.key + token(other)[22:], other.key + token(mine)[22:]]
    for bad in [*mixed, str(videos["review"].pk), f"{token(mine)}{videos['review'].pk}"]:
        assert client.get(f"/s/{bad}").status_code == 404
        assert client.get(f"/s/{bad}/video").status_code == 404
    assert client.get(f"/s/{token(mine)}/video/{videos['review'].pk}").status_code == 404


def test_tokens_carry_128_random_bits_and_a_mac(videos):
    links = [link_to(videos["final"]) for _ in range(3)]

    keys = {link.key for link in links}
    assert len(keys) == 3
    for link in links:
        assert len(token(link)) == 44
        assert token(link).startswith(link.key)
        assert len(base64.urlsafe_b64decode(link.key + "==")) == 16
        assert shares.key_from_token(token(link)) == link.key


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character of the MAC changed
        lambda t: t[:21] + ("A" if t[21] != "A" else "B") + t[22:],  # one of the key
        lambda t: t[:22] + "A" * 22,
        lambda t: t[:22],  # the key alone
        lambda t: t + "A",
        lambda t: t[:43] + "=",
        lambda t: t[:43] + "é",
        lambda t: "x" * 300,
    ],
    ids=["mac", "key", "zero-mac", "key-only", "longer", "padding", "unicode", "long"],
)
def test_a_forged_token_is_a_404_before_any_query(client, videos, django_assert_num_queries, forge):
    forged = forge(token(link_to(videos["final"])))

    with django_assert_num_queries(0):
        for suffix in ("", "/video", "/download"):
            response = client.get(f"/s/{forged}{suffix}")
            assert response.status_code == 404
    assert "There is no video at this address" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def test_a_genuine_token_whose_link_is_gone_is_a_404(client, alice_api, videos):
    # given: a link to a video that is then deleted (its links go with it)
    link = link_to(videos["hidden"])
    assert alice_api.delete(f"/api/downloads/{videos['hidden'].pk}").status_code == 204

    # then
    assert not ShareLink.objects.filter(pk=link.pk).exists()
    page = client.get(f"/s/{token(link)}")
    assert page.status_code == 404
    assert "There is no video at this address" in page.content.decode()


# --- revocation and expiry ---------------------------------------------------------------------


def test_revoking_a_link_turns_it_off_at_once(client, alice_api, videos):
    # given: a link that plays
    link = link_to(videos["final"])
    assert client.get(f"/s/{token(link)}").status_code == 200

    # when
    revoked = alice_api.delete(f"/api/shares/{link.pk}")

    # then: the very next request is refused, page, video and download alike
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    for suffix in ("", "/video", "/download"):
        response = client.get(f"/s/{token(link)}{suffix}")
        assert response.status_code == 410
        assert "This link was turned off by the person who shared it." in response.content.decode()
        assert response["Cache-Control"] == "private, no-store"
    # and revoking again keeps the first time
    again = alice_api.delete(f"/api/shares/{link.pk}")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_an_expired_link_says_when_it_expired(client, videos):
    # given: a link that expired on 3 December 2025 (in the morning, in any time zone's date)
    link = link_to(videos["final"], expires_in_days=7)
    assert client.get(f"/s/{token(link)}").status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(expires_at=datetime(2025, 12, 3, 10, 0, tzinfo=UTC))

    # then
    for suffix in ("", "/video", "/download"):
        response = client.get(f"/s/{token(link)}{suffix}")
        assert response.status_code == 410
        assert "This link expired on 3 December 2025." in response.content.decode()


def test_a_link_expires_the_moment_its_time_passes(client, videos):
    link = link_to(videos["final"], expires_in_days=1)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    assert client.get(f"/s/{token(link)}").status_code == 200

    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(f"/s/{token(link)}").status_code == 410


# --- playback and download -------------------------------------------------------------------------


def test_range_requests_seek(client, videos, media):
    link = link_to(videos["final"])
    whole = media["landscape"].read_bytes()

    status, headers, content = fetch(client, f"/s/{token(link)}/video", "bytes=1000-1999")

    assert status == 206
    assert content == whole[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(whole)}"
    status, headers, content = fetch(client, f"/s/{token(link)}/video", "bytes=-300")
    assert (status, content) == (206, whole[-300:])
    assert headers["Content-Range"] == f"bytes {len(whole) - 300}-{len(whole) - 1}/{len(whole)}"


def test_on_s3_the_video_is_a_presigned_redirect_that_expires_in_minutes(client, videos):
    link = link_to(videos["final"])

    response = client.get(f"/s/{token(link)}/video")

    if not object_store().direct:  # local storage: served here, ranged (test_range_requests_seek)
        assert response.status_code == 200
        assert response["Accept-Ranges"] == "bytes"
        return
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"  # the next play asks us again
    query = parse_qs(urlsplit(response["Location"]).query)
    if "X-Amz-Expires" in query:  # SigV4
        assert int(query["X-Amz-Expires"][0]) == share_views.PRESIGNED_SECONDS == 300
        signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert abs((timezone.now() - signed).total_seconds()) < 60
    else:  # SigV2: an absolute expiry time
        assert 0 < int(query["Expires"][0]) - time.time() <= 300
    assert "X-Amz-Signature" in query or "Signature" in query


def test_a_download_is_saved_under_the_videos_name(client, videos, media):
    # given: a final video and a review whose title is not plain ASCII
    final_link = link_to(videos["final"])
    ReviewVideo.objects.filter(pk=videos["review"].pk).update(title="Game review — Vs Åsane")
    review_link = link_to(videos["review"])

    for link, name, fallback, content in (
        (final_link, "Cup final reel v1.mp4", "Cup final reel v1.mp4", media["landscape"]),
        (review_link, "Game review Vs Åsane v2.mp4", "Game review Vs Asane v2.mp4", media["portrait"]),
    ):
        response = client.get(f"/s/{token(link)}/download")
        if response.status_code == 302:  # S3: the bucket answers with our Content-Disposition
            followed = requests.get(response["Location"], timeout=30)
            disposition, saved = followed.headers["Content-Disposition"], followed.content
        else:
            disposition, saved = response["Content-Disposition"], b"".join(response.streaming_content)
        assert disposition.startswith(f'attachment; filename="{fallback}"')
        assert "filename*=UTF-8''" in disposition
        assert name.replace(" ", "%20").replace("Å", "%C3%85") in disposition
        assert saved == content.read_bytes()


def test_the_page_is_kept_from_search_engines_caches_and_referers(client, videos):
    link = link_to(videos["final"])

    for path in (f"/s/{token(link)}", f"/s/{token(link)}/video", "/s/" + "A" * 44):
        response = client.get(path)
        assert response["X-Robots-Tag"] == "noindex"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["Cache-Control"] == "private, no-store"
        assert not response.cookies  # nothing to remember a viewer by
    assert '<meta name="robots" content="noindex">' in client.get(f"/s/{token(link)}").content.decode()
    assert client.post(f"/s/{token(link)}").status_code == 405


# --- views and rate limits ---------------------------------------------------------------------------


def test_each_page_load_counts_one_view(client, videos):
    link = link_to(videos["final"])

    client.get(f"/s/{token(link)}")
    client.get(f"/s/{token(link)}")
    client.get(f"/s/{token(link)}/video", HTTP_RANGE="bytes=0-99")
    client.get(f"/s/{token(link)}/download")
    client.head(f"/s/{token(link)}")

    link.refresh_from_db()
    assert link.views == 2
    assert abs((timezone.now() - link.last_viewed_at).total_seconds()) < 30


def test_too_many_requests_from_one_address_get_a_429_with_retry_after(client, videos, monkeypatch):
    monkeypatch.setattr(share_views, "REQUESTS_PER_MINUTE", 3)
    link = link_to(videos["final"])

    answers = [client.get(f"/s/{token(link)}").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.get(f"/s/{token(link)}/video")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many requests from your network" in refused.content.decode()
    # another address is not held back
    assert client.get(f"/s/{token(link)}", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_guessing_tokens_is_stopped_after_twenty_misses(client, videos):
    link = link_to(videos["final"])

    misses = [
        client.get(f"/s/{'A' * 22}{n:022d}").status_code for n in range(share_views.BAD_TOKENS_PER_WINDOW)
    ]

    assert set(misses) == {404}
    # past the limit even a genuine token waits, for the rest of the ten minutes
    refused = client.get(f"/s/{token(link)}")
    assert refused.status_code == 429
    assert 540 <= int(refused["Retry-After"]) <= 600
    assert "Try again in 10 minutes." in refused.content.decode()
    assert client.get(f"/s/{token(link)}", REMOTE_ADDR="2001:db8::1").status_code == 200


# --- the owner's API -----------------------------------------------------------------------------------


def test_the_owner_makes_lists_and_revokes_links(alice_api, videos):
    # when
    made = alice_api.post(
        "/api/shares", {"final_video_id": videos["final"].pk, "expires_in_days": 7}, format="json"
    )
    review = alice_api.post("/api/shares", {"review_video_id": videos["review"].pk}, format="json")

    # then
    assert made.status_code == 201, made.json()
    item = made.json()
    link = ShareLink.objects.get(pk=item["id"])
    assert item["token"] == token(link)
    assert item["url"] == f"http://testserver/s/{token(link)}"
    assert item["video"] == {"kind": "final_video", "id": videos["final"].pk, "title": "Cup final reel"}
    assert item["state"] == "active"
    assert (item["views"], item["revoked_at"], item["last_viewed_at"]) == (0, None, None)
    expires = datetime.fromisoformat(item["expires_at"])
    assert abs((expires - timezone.now() - timedelta(days=7)).total_seconds()) < 60
    assert review.status_code == 201
    assert review.json()["video"]["kind"] == "review_video"
    assert review.json()["expires_at"] is None

    listed = alice_api.get("/api/shares").json()
    assert [i["id"] for i in listed["results"]] == [review.json()["id"], item["id"]]
    only = alice_api.get(f"/api/shares?final_video={videos['final'].pk}").json()["results"]
    assert [i["id"] for i in only] == [item["id"]]
    only = alice_api.get(f"/api/shares?review_video={videos['review'].pk}").json()["results"]
    assert [i["id"] for i in only] == [review.json()["id"]]
    assert alice_api.get("/api/shares?final_video=abc").status_code == 400
    assert alice_api.get(f"/api/shares?final_video={2**64}").status_code == 400

    assert alice_api.delete(f"/api/shares/{item['id']}").json()["state"] == "revoked"
    listed = alice_api.get("/api/shares").json()["results"]
    assert [i["state"] for i in listed] == ["active", "revoked"]


def test_another_users_videos_and_links_are_404(alice_api, bob_api, videos):
    alices = ShareLink.objects.get(pk=alice_api.post(
        "/api/shares", {"final_video_id": videos["final"].pk}, format="json"
    ).json()["id"])  # fmt: skip

    for body_ in ({"final_video_id": videos["final"].pk}, {"review_video_id": videos["review"].pk}):
        refused = bob_api.post("/api/shares", body_, format="json")
        assert refused.status_code == 404
        assert "You have no" in refused.json()["detail"]
    assert bob_api.delete(f"/api/shares/{alices.pk}").status_code == 404
    assert bob_api.get("/api/shares").json()["count"] == 0
    alices.refresh_from_db()
    assert alices.revoked_at is None
    assert (
        alice_api.post("/api/shares", {"final_video_id": videos["bobs"].pk}, format="json").status_code == 404
    )


@pytest.mark.parametrize(
    ("sent", "field", "words"),
    [
        ({"expires_in_days": 0}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": 366}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": "x"}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": True}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": 1.5}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": [7]}, "expires_in_days", "from 1 to 365"),
        ({"final_video_id": 2**63}, "final_video_id", "whole number from 1"),
        ({"final_video_id": 10**30}, "final_video_id", "whole number from 1"),
        ({"final_video_id": "one"}, "final_video_id", "whole number"),
        ({"final_video_id": 0}, "final_video_id", "whole number from 1"),
        ({"review_video_id": -4}, "review_video_id", "whole number from 1"),
    ],
)
def test_invalid_fields_are_refused_with_a_sentence(alice_api, videos, sent, field, words):
    response = alice_api.post("/api/shares", {"final_video_id": videos["final"].pk, **sent}, format="json")

    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize(
    ("sent", "words"),
    [
        ({}, "Say which video to share"),
        ({"final_video_id": None, "review_video_id": None}, "Say which video to share"),
        ({"expires_in_days": 7}, "Say which video to share"),
        ({"final_video_id": "FINAL", "review_video_id": "REVIEW"}, "not both"),
        ({"final_video_id": "FINAL", "video": 3}, "Unknown field(s): video."),
        ({"review_video_id": "REVIEW", "expires_at": "2030-01-01"}, "Unknown field(s): expires_at."),
    ],
)
def test_a_request_naming_no_video_two_or_unknown_fields_is_refused(alice_api, videos, sent, words):
    ids = {"FINAL": videos["final"].pk, "REVIEW": videos["review"].pk}
    sent = {name: ids.get(value, value) if isinstance(value, str) else value for name, value in sent.items()}

    response = alice_api.post("/api/shares", sent, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not ShareLink.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(alice_api, videos):
    response = alice_api.post("/api/shares", [videos["final"].pk], format="json")

    assert response.status_code == 400


def test_the_api_asks_for_a_signed_in_user(api, videos):
    assert api.get("/api/shares").status_code in (401, 403)
    assert api.post("/api/shares", {"final_video_id": videos["final"].pk}, format="json").status_code in (
        401,
        403,
    )


# --- the admin ------------------------------------------------------------------------------------------


def test_staff_see_links_and_revoke_them_in_the_admin(admin_client, videos):
    link = link_to(videos["final"])

    listing = admin_client.get("/admin/exports/sharelink/")
    assert listing.status_code == 200
    assert "Cup final reel v1" in listing.content.decode()
    assert "Active" in listing.content.decode()

    admin_client.post(
        "/admin/exports/sharelink/", {"action": "revoke_selected", "_selected_action": [link.pk]}, follow=True
    )

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert shares.state(link) == "revoked"


def test_the_list_costs_the_same_queries_for_two_links_or_ten(
    alice_api, videos, django_assert_max_num_queries
):
    # given: two links, one of them expired
    expired = link_to(videos["final"], expires_in_days=1)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    link_to(videos["review"])
    with CaptureQueriesContext(connection) as two:
        listed = alice_api.get("/api/shares").json()["results"]
    assert [item["state"] for item in listed] == ["active", "expired"]

    # when: eight more, to both kinds of video
    for n in range(8):
        link_to(videos["final"] if n % 2 else videos["review"])

    # then
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert len(alice_api.get("/api/shares").json()["results"]) == 10
