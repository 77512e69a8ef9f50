"""deploy/nginx/videoeditor.conf: nginx accepts it (`nginx -t`), and in front of a real
web process it terminates TLS, sends http to https, upgrades /ws/, lets a large upload
body reach the app, and tells Django the request was https.

Without nginx the running checks skip, unless REQUIRE_NGINX=1 (as in CI), where a
missing nginx is a failure."""

from __future__ import annotations

import gzip
import http.client
import os
import pwd
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from games.models import Game
from tests.deploy.files import block, directives, seconds, site, size_bytes
from tests.helpers import BASE_DIR
from tests.servers import free_port, process_env

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
OPENSSL = shutil.which("openssl")
UPLOAD_LOCATION = re.compile(r"location ~ (\^/api/\S+\$)")


def upload_pattern() -> re.Pattern:
    return re.compile(UPLOAD_LOCATION.search(site()).group(1))


# --- The site as written ------------------------------------------------------------------


def test_the_socket_location_outwaits_the_apps_idle_timeout():
    ws = block(site(), "location /ws/")

    assert directives(ws, "proxy_set_header")[-2:] == [
        "Upgrade $http_upgrade",
        "Connection $videoeditor_connection",
    ]
    assert seconds(directives(ws, "proxy_read_timeout")[0]) > settings.NOTIFICATIONS_IDLE_TIMEOUT_SECONDS
    # a proxy_set_header in a location drops the inherited ones: they must be repeated
    assert "X-Forwarded-Proto $scheme" in directives(ws, "proxy_set_header")
    assert "Host $host" in directives(ws, "proxy_set_header")


def test_every_upload_route_streams_without_a_size_limit():
    pattern = upload_pattern()
    game, upload = 7, "0b5e2c1e-8a43-4c55-9a57-1d2f9e3c4b6a"
    streamed = [
        reverse("game-video", kwargs={"game_id": game}),
        reverse("upload-part", kwargs={"game_id": game, "upload_id": upload, "number": 3}),
        reverse("uppy-multipart-part", kwargs={"upload_id": upload, "number": 3}),
    ]
    for path in streamed:
        assert pattern.fullmatch(path), path
    for path in ("/api/games", f"/api/games/{game}", reverse("upload-list", kwargs={"game_id": game})):
        assert not pattern.fullmatch(path), path

    uploads = block(site(), f"location ~ {pattern.pattern}")
    assert directives(uploads, "client_max_body_size") == ["0"]
    assert directives(uploads, "proxy_request_buffering") == ["off"]


def test_other_bodies_are_limited_above_what_the_api_reads():
    server = block(site(), "server {\n    listen 443")

    assert size_bytes(directives(server, "client_max_body_size")[0]) > settings.API_JSON_MAX_BYTES


# --- nginx running in front of a web process ----------------------------------------------


def require_nginx() -> str:
    if NGINX and OPENSSL:
        return NGINX
    missing = "nginx" if not NGINX else "openssl"
    if os.environ.get("REQUIRE_NGINX") == "1":
        pytest.fail(f"REQUIRE_NGINX=1 but {missing} was not found (apt-get install nginx-light openssl).")
    pytest.skip(f"{missing} is not installed; install Debian's nginx to check the site")


def render(folder: Path, *, http_port: int, https_port: int, web_port: int) -> Path:
    """The site with this test's ports, certificate and static folder, inside an
    nginx.conf whose pid, logs and temporary files stay in `folder`."""
    text = (BASE_DIR / "deploy" / "nginx" / "videoeditor.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server_name editor.example.com;": "server_name localhost;",
        "/etc/letsencrypt/live/EXAMPLE/fullchain.pem": str(folder / "cert.pem"),
        "/etc/letsencrypt/live/EXAMPLE/privkey.pem": str(folder / "key.pem"),
        "alias /var/lib/videoeditor/static/;": f"alias {folder / 'static'}/;",
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{web_port};",
        "server 127.0.0.1:8002;": "",
    }
    for old, new in replacements.items():
        assert old in text, f"the site no longer has {old!r}; update this test's rendering"
        text = text.replace(old, new)
    (folder / "site.conf").write_text(text)
    # As root, nginx's workers would become `nobody` and could not read this folder.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{mime}\ndefault_type application/octet-stream;\naccess_log {folder / 'access.log'};\n"
        f"{temp}\ninclude {folder / 'site.conf'};\n}}\n"
    )
    return conf


def make_certificate(folder: Path) -> None:
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip


def wait_for(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            connection.getresponse().read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def proxy(django_db_setup, django_db_blocker):
    """nginx (the shipped site) in front of one web process started as the unit starts it."""
    nginx = require_nginx()
    folder = Path(tempfile.mkdtemp(prefix="ve-nginx-"))
    try:
        (folder / "static" / "css").mkdir(parents=True)
        shutil.copy(BASE_DIR / "static" / "css" / "app.css", folder / "static" / "css" / "app.css")
        make_certificate(folder)
        ports = {"http_port": free_port(), "https_port": free_port(), "web_port": free_port()}
        conf = render(folder, **ports)
        checked = subprocess.run(
            [nginx, "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr

        with django_db_blocker.unblock():
            env = process_env(BEHIND_HTTPS_PROXY="true", WEB_CONCURRENCY="1")
        web_log = folder / "web.log"
        with open(web_log, "w") as log:
            # deploy/systemd/videoeditor-web@.service's ExecStart
            web = subprocess.Popen(
                [sys.executable, "-m", "videoeditor.serve", "--port", str(ports["web_port"])],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        server = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(ports["web_port"], web, web_log, "the web process")
            wait_for(ports["http_port"], server, folder / "error.log", "nginx")
            yield {**ports, "folder": folder}
        finally:
            stop(server)
            stop(web)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def tls(proxy) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(proxy["folder"] / "cert.pem"))


def https(proxy, tls, method: str, path: str, body=None, headers=None):
    connection = http.client.HTTPSConnection("localhost", proxy["https_port"], context=tls, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def plain(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "localhost"})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_nginx_terminates_tls_in_front_of_the_app(proxy, tls):
    status, headers, body = https(proxy, tls, "GET", "/api/health")

    assert status == 200, body
    assert b'"database"' in body
    # HSTS comes from Django, which saw https (X-Forwarded-Proto), and only once
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]


def test_plain_http_is_redirected_to_https(proxy):
    status, headers, _ = plain(proxy["http_port"], "/games/?page=2")

    assert status == 301
    assert headers["Location"] == "https://localhost/games/?page=2"


def test_django_sees_https_through_the_proxy_and_http_without_it(proxy, tls):
    # through nginx: served, with a secure session cookie
    status, headers, _ = https(proxy, tls, "GET", "/accounts/login/")
    assert status == 200
    assert any("Secure" in cookie for cookie in headers.get_all("Set-Cookie") or [])

    # straight to the web process over http: sent to https, except the health check
    status, headers, _ = plain(proxy["web_port"], "/accounts/login/")
    assert status == 301
    assert headers["Location"].startswith("https://localhost")
    status, headers, _ = plain(proxy["web_port"], "/api/health")
    assert status == 200
    assert headers["Strict-Transport-Security"] is None


def test_the_notification_socket_is_upgraded(proxy, tls):
    url = f"wss://localhost:{proxy['https_port']}/ws/notifications"

    with (
        connect(url, ssl=tls, origin=f"https://localhost:{proxy['https_port']}", open_timeout=10) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=10)

    # the consumer itself answered: anonymous sockets are closed with 4401
    assert closed.value.rcvd.code == 4401


@pytest.fixture
def uploader(transactional_db):
    user = get_user_model().objects.create_user("uploader")
    game = Game.objects.create(owner=user, opponent_name="Rovers", game_type="home")
    return game, Token.objects.create(user=user).key


def test_a_large_upload_body_reaches_the_app(proxy, tls, uploader):
    game, token = uploader
    limit = size_bytes(directives(block(site(), "server {\n    listen 443"), "client_max_body_size")[0])
    size = limit + 2**20
    headers = {"Authorization": f"Token {token}", "Content-Type": "video/mp4", "Content-Length": str(size)}

    # elsewhere a body this size is nginx's 413, refused before it is sent
    connection = http.client.HTTPSConnection("localhost", proxy["https_port"], context=tls, timeout=30)
    connection.putrequest("POST", "/api/games")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()

    # the fallback upload streams it to the app, which reads all of it and answers
    status, _, body = https(
        proxy, tls, "PUT", f"/api/games/{game.pk}/video?filename=match.mp4", bytes(size), headers
    )
    assert status == 422, body  # every byte arrived (else 400 "cut short"); zeros are no video
    assert b"detail" in body


def test_static_files_are_served_by_nginx_compressed(proxy, tls):
    status, headers, body = https(
        proxy, tls, "GET", "/static/css/app.css", headers={"Accept-Encoding": "gzip"}
    )

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (BASE_DIR / "static" / "css" / "app.css").read_bytes()
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert "/static/" not in (proxy["folder"] / "web.log").read_text()  # nginx served it, not the app
