"""The systemd units in deploy/systemd run what exists, with the flags `make run` uses,
and systemd itself accepts them (when systemd-analyze is on the machine)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest
from django.core.management import get_commands, load_command_class

from tests.deploy.files import SYSTEMD, env_example, site, unit
from tests.helpers import BASE_DIR
from videoeditor.stack import web_command

VENV_PYTHON = "/srv/videoeditor/.venv/bin/python"
SERVICES = ["videoeditor-web@.service", "videoeditor-worker@.service", "videoeditor-migrate.service"]


def local_argv(exec_start: str) -> list[str]:
    """An ExecStart as it runs from this checkout: this interpreter for the venv's."""
    argv = shlex.split(exec_start)
    assert argv[0] == VENV_PYTHON, f"{exec_start!r} does not run the release's virtualenv"
    return [sys.executable, *argv[1:]]


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_runs_as_the_service_user_with_the_env_file(name):
    service = unit(name)

    assert service.one("Service", "User") == "videoeditor"
    assert service.one("Service", "Group") == "videoeditor"
    assert service.one("Service", "WorkingDirectory") == "/srv/videoeditor"
    assert service.one("Service", "EnvironmentFile") == "/etc/videoeditor/env"
    assert service.all("Service", "ExecStart")
    # hardened, with the state directory (VAR_DIR) as the one writable place
    assert service.one("Service", "ProtectSystem") == "strict"
    assert service.one("Service", "NoNewPrivileges") == "yes"
    assert service.one("Service", "PrivateTmp") == "yes"
    assert service.one("Service", "ProtectHome") == "yes"
    assert service.one("Service", "StateDirectory") == "videoeditor"
    # the gpu cluster needs /dev/nvidia*; torch generates code at run time
    assert not service.all("Service", "PrivateDevices")
    assert not service.all("Service", "MemoryDenyWriteExecute")


def test_the_state_directory_is_var_dir_and_nginx_serves_its_static_files():
    var_dir = env_example()["VAR_DIR"]

    assert var_dir == "/var/lib/videoeditor"  # StateDirectory=videoeditor
    # STATIC_ROOT is VAR_DIR/static (videoeditor/settings.py)
    assert f"alias {var_dir}/static/;" in site()


def test_the_web_unit_runs_the_same_command_line_as_make_run():
    web = unit("videoeditor-web@.service")
    exec_start = web.one("Service", "ExecStart")
    assert exec_start == f"{VENV_PYTHON} -m videoeditor.serve --port %i"

    # when: the unit's command, for instance 8001, asked for the command line it execs
    argv = [part.replace("%i", "8001") for part in local_argv(exec_start)]
    result = subprocess.run(
        [*argv, "--print"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False
    )

    # then: exactly what `make run` starts (videoeditor/stack.py), on loopback
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout.strip().splitlines()[-1]) == web_command("127.0.0.1", 8001)
    assert web.environment()["DATABASE_POOL"] == "true"


def test_the_web_unit_stops_gracefully_before_systemd_kills_it():
    web = unit("videoeditor-web@.service")
    argv = web_command("127.0.0.1", 8001)

    assert web.one("Service", "KillSignal") == "SIGTERM"
    assert web.one("Service", "Restart") == "on-failure"
    stop_timeout = int(web.one("Service", "TimeoutStopSec"))
    if "--timeout-graceful-shutdown" in argv:
        # uvicorn gives up on requests in flight first; systemd's SIGKILL comes after
        assert stop_timeout > int(argv[argv.index("--timeout-graceful-shutdown") + 1])
    assert stop_timeout >= 10


def test_the_serve_module_refuses_a_port_that_is_not_one():
    result = subprocess.run(
        [sys.executable, "-m", "videoeditor.serve", "--port", "70000", "--print"],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert "is not a TCP port" in result.stderr


def manage_py_help(command: str) -> str:
    """`manage.py help COMMAND`, in this process: the command exists and these are its flags."""
    app = get_commands().get(command)
    assert app is not None, f"manage.py has no command {command!r}"
    return load_command_class(app, command).create_parser("manage.py", command).format_help()


def test_the_worker_unit_runs_the_named_cluster_and_stops_it_in_order():
    worker = unit("videoeditor-worker@.service")

    assert local_argv(worker.one("Service", "ExecStart"))[1:] == ["manage.py", "qcluster"]
    manage_py_help("qcluster")
    env = worker.environment()
    assert env["Q_CLUSTER_NAME"] == "%i"
    assert env["DATABASE_POOL"] == "false"  # task workers fork
    # the orderly stop `make run` uses too (videoeditor/clusters.py), before systemd's own
    stop = local_argv(worker.one("Service", "ExecStop"))
    assert stop[1:5] == ["-m", "videoeditor.serve", "stop-cluster", "$MAINPID"]
    stop_timeout = float(stop[stop.index("--timeout") + 1])
    # then SIGTERM to the leader only (its sentinel dies at once on SIGTERM), and
    # SIGKILL for what is left only after ExecStop had its time
    assert worker.one("Service", "KillMode") == "mixed"
    assert worker.one("Service", "KillSignal") == "SIGTERM"
    assert int(worker.one("Service", "TimeoutStopSec")) > stop_timeout >= 30
    assert worker.one("Service", "Restart") == "on-failure"


def test_the_worker_units_stop_command_runs_when_the_cluster_has_already_exited():
    # systemd expands $MAINPID to no argument at all once the main process has exited
    argv = local_argv(unit("videoeditor-worker@.service").one("Service", "ExecStop"))
    argv.remove("$MAINPID")

    result = subprocess.run(argv, cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert "the cluster has already exited" in result.stderr


def test_the_release_step_migrates_and_collects_static_files_once():
    migrate = unit("videoeditor-migrate.service")

    assert migrate.one("Service", "Type") == "oneshot"
    assert migrate.one("Service", "RemainAfterExit") == "yes"
    commands = [local_argv(line)[1:] for line in migrate.all("Service", "ExecStart")]
    assert commands == [["manage.py", "migrate", "--noinput"], ["manage.py", "collectstatic", "--noinput"]]
    for _, command, *flags in commands:
        usage = manage_py_help(command)
        assert all(flag in usage for flag in flags), (command, flags)


def test_the_target_starts_the_release_step_before_web_and_workers():
    target = unit("videoeditor.target")

    assert "videoeditor-migrate.service" in target.one("Unit", "Wants").split()
    assert target.one("Install", "WantedBy") == "multi-user.target"
    for name in ("videoeditor-web@.service", "videoeditor-worker@.service"):
        service = unit(name)
        assert service.one("Install", "WantedBy") == "videoeditor.target"
        assert service.one("Unit", "PartOf") == "videoeditor.target"
        assert "videoeditor-migrate.service" in service.one("Unit", "Requires").split()
        assert "videoeditor-migrate.service" in service.one("Unit", "After").split()


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        # An extra check where systemd is installed (this project's machines have it):
        # the tests above parse every unit and check its commands on any machine.
        pytest.skip("systemd-analyze is not installed")
    # given: the units pointed at this checkout (verify checks that commands exist)
    env_file = tmp_path / "env"
    env_file.write_text("")
    for path in SYSTEMD.iterdir():
        text = path.read_text()
        text = text.replace(VENV_PYTHON, sys.executable).replace("/etc/videoeditor/env", str(env_file))
        (tmp_path / path.name).write_text(
            text.replace("WorkingDirectory=/srv/videoeditor", f"WorkingDirectory={BASE_DIR}")
        )

    # when
    names = [
        "videoeditor-web@8001.service", "videoeditor-worker@cpu.service",
        "videoeditor-migrate.service", "videoeditor.target",
    ]  # fmt: skip
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True, text=True, timeout=60, check=False,
        env={"SYSTEMD_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip

    # then: no error, and no complaint about our files (systemd ignores a bad value with a warning)
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "videoeditor" in line]
    assert result.returncode == 0, result.stdout + result.stderr
    assert ours == []
