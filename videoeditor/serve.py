"""The production processes' entry points, as a service manager runs them (deploy/systemd):

    python -m videoeditor.serve [web] --port 8001 [--host 127.0.0.1] [--print]
    python -m videoeditor.serve stop-cluster PID [--timeout 60]

`web` (the default when the first argument is an option) builds the same uvicorn
command line as `make run` (videoeditor.stack.web_command, with web_env's
DATABASE_POOL) and replaces this process with it, so the service manager's main process
is uvicorn itself: its SIGTERM starts uvicorn's graceful shutdown, and the unit and
`make run` cannot drift apart. `--print` prints the command line instead.

`stop-cluster` stops the qcluster whose leader has that PID as `make run` does
(videoeditor.clusters.stop_cluster): the jobs its workers run go back to the queue,
their attempts not counted. Exit status 0 once the leader has exited; 1 with a
sentence when the PID is no cluster or the leader still runs after --timeout seconds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

COMMANDS = ("web", "stop-cluster")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["web", *argv]  # `serve --port N`, as the web unit has always run it
    parser = argparse.ArgumentParser(prog="python -m videoeditor.serve", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    web = commands.add_parser("web", help="exec one uvicorn web process")
    # Loopback by default: nginx on the same machine is the only client. A load balancer
    # elsewhere needs HOST=0.0.0.0 and its address in FORWARDED_ALLOW_IPS (uvicorn's).
    web.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    web.add_argument("--port", type=int, required=True)
    web.add_argument("--print", action="store_true", help="print the command line and exit")

    stop = commands.add_parser("stop-cluster", help="stop a qcluster, giving its jobs back to the queue")
    # Optional: systemd passes no $MAINPID once the main process has exited.
    stop.add_argument("pid", nargs="?", help="the PID of the qcluster leader")
    stop.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for it to exit")

    args = parser.parse_args(argv)
    if args.command == "stop-cluster":
        return stop_cluster(stop, args.pid, args.timeout)
    return serve_web(web, args)


def stop_cluster(parser: argparse.ArgumentParser, pid_text: str | None, timeout: float) -> int:
    from videoeditor.clusters import NotACluster, check_leader, stop_cluster

    if pid_text is None:
        print("No cluster PID given: the cluster has already exited; nothing to stop.", file=sys.stderr)
        return 0
    if not pid_text.isdigit() or int(pid_text) < 2:
        parser.error(f"PID {pid_text!r} is not a process ID (a whole number above 1).")
    if not 0 < timeout <= 24 * 3600:
        parser.error(f"--timeout {timeout:g} must be a number of seconds above 0 and at most a day.")
    pid = int(pid_text)
    try:
        check_leader(pid)
    except NotACluster as exc:
        print(exc, file=sys.stderr)
        return 1
    if not stop_cluster(pid, timeout):
        print(f"The cluster {pid} still runs after {timeout:g} seconds.", file=sys.stderr)
        return 1
    print(f"The cluster {pid} has stopped.", flush=True)
    return 0


def serve_web(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} is not a TCP port (1 to 65535).")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    import django

    django.setup()
    from videoeditor.stack import web_command, web_env

    command = web_command(args.host, args.port)
    env = web_env(dict(os.environ))
    if args.print:
        print(shlex.join(command))
        return 0
    sys.stdout.flush()
    os.execve(command[0], command, env)
    return 1  # not reached: execve replaces this process


if __name__ == "__main__":
    sys.exit(main())
