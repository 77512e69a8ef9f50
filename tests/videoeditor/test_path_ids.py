"""An id in a URL that no row can have (beyond 64 bits) is a 404 like any other
unknown id, not a database error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
TOO_BIG = 2**63  # one past the largest primary key the database holds


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/games/{id}"),
        ("get", "/api/clips/{id}"),
        ("get", "/api/games/{id}/uploads/5f0c1a47-2c55-4a4e-9a0b-0d5e6c1c1f00/parts"),
        ("patch", "/api/projects/{id}"),
        ("delete", "/api/projects/1/clips/{id}"),
        ("patch", "/api/projects/{id}/clips/1"),
        ("delete", "/api/projects/{id}/clips/1"),
        ("delete", "/api/downloads/{id}"),
        ("get", "/api/downloads/{id}/file"),
    ],
)
def test_an_api_id_past_64_bits_is_a_404_sentence(alice_api, method, path):
    response = getattr(alice_api, method)(path.format(id=TOO_BIG), {}, format="json")

    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_a_page_id_past_64_bits_is_a_404(client, alice):
    client.force_login(alice)

    assert client.get(f"/games/{TOO_BIG}/").status_code == 404
    assert client.get(f"/projects/{TOO_BIG}/overlay/").status_code == 404


def test_the_largest_id_still_reaches_the_view(alice_api):
    # 2^63 - 1 fits the database: the view looks and finds nothing.
    response = alice_api.get(f"/api/games/{TOO_BIG - 1}")

    assert response.status_code == 404
    assert response.json()["detail"] == "No Game matches the given query."
