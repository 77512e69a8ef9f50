"""Readers for the shipped deployment files (deploy/): systemd units and the nginx site."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import BASE_DIR

DEPLOY = BASE_DIR / "deploy"
SYSTEMD = DEPLOY / "systemd"
SITE = DEPLOY / "nginx" / "videoeditor.conf"
ENV_EXAMPLE = DEPLOY / "env.example"


class Unit:
    """A systemd unit file: sections of (key, value) in order, keys may repeat
    (ExecStart, Environment), so configparser is no fit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sections: dict[str, list[tuple[str, str]]] = {}
        section = None
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = self.sections.setdefault(line[1:-1], [])
                continue
            key, sep, value = line.partition("=")
            assert section is not None, f"{path.name}:{number}: a setting outside any [section]"
            assert sep, f"{path.name}:{number}: not a key=value line"
            section.append((key.strip(), value.strip()))

    def all(self, section: str, key: str) -> list[str]:
        return [value for name, value in self.sections.get(section, []) if name == key]

    def one(self, section: str, key: str) -> str:
        values = self.all(section, key)
        assert len(values) == 1, f"{self.path.name}: [{section}] {key} is set {len(values)} times"
        return values[0]

    def environment(self) -> dict[str, str]:
        return dict(
            item.split("=", 1) for value in self.all("Service", "Environment") for item in value.split()
        )


def unit(name: str) -> Unit:
    return Unit(SYSTEMD / name)


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs if not key.startswith("#")}


def site() -> str:
    """The site without its comments (they mention braces and directives too)."""
    return "\n".join(line.split("#", 1)[0] for line in SITE.read_text().splitlines())


def block(conf: str, opening: str) -> str:
    """The text between the braces of the block that starts with `opening`
    (e.g. "location /ws/"), nested blocks included."""
    start = conf.index(opening + " ")
    depth, position = 0, conf.index("{", start)
    for end in range(position, len(conf)):
        if conf[end] == "{":
            depth += 1
        elif conf[end] == "}":
            depth -= 1
            if depth == 0:
                return conf[position + 1 : end]
    raise AssertionError(f"unbalanced braces after {opening!r}")


def directives(text: str, name: str) -> list[str]:
    """Values of a directive at this block's level (nested blocks left out)."""
    flat, depth = [], 0
    for char in text:
        depth += char == "{"
        if depth == 0:
            flat.append(char)
        depth -= char == "}"
    return [match.strip() for match in re.findall(rf"(?:^|\s){re.escape(name)}\s+([^;]*);", "".join(flat))]


def seconds(value: str) -> int:
    number, unit_ = re.fullmatch(r"(\d+)([smh]?)", value).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit_]


def size_bytes(value: str) -> int:
    number, unit_ = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit_.lower()]
