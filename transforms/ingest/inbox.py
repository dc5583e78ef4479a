"""The inbox's layout: one folder per trader (standard library only, so the CLI can look at an inbox
before it imports the data libraries).

Links are followed only while they stay inside the inbox: an entry that is a link to ``/`` or to a
folder elsewhere on the machine is refused with one sentence, never walked, and a file reached twice
(through a link and by its own name) is read once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Walk:
    """The files of one trader folder, and the entries refused on the way (path, one sentence)."""

    files: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)


def _link_refusal(entry: Path, inbox: Path) -> str | None:
    """A sentence when ``entry`` is a link (or lies below one) that leads outside the inbox."""
    try:
        target = entry.resolve(strict=True)
    except (OSError, RuntimeError):
        return (f"{entry.relative_to(inbox).as_posix()} is a link that leads nowhere (a missing target or a loop); "
                "copy the file itself into the trader's folder.")
    if target.is_relative_to(inbox.resolve()):
        return None
    return (f"{entry.relative_to(inbox).as_posix()} is a link to {target}, outside the inbox; links are not "
            "followed out of the inbox, so copy the file itself into the trader's folder.")


def outside_links(inbox: Path) -> list[tuple[Path, str]]:
    """Top-level entries of ``inbox`` that would be trader folders but are links leading outside it, or
    to another trader's folder (which would read that trader's files twice)."""
    refused: list[tuple[Path, str]] = []
    for entry in sorted(inbox.iterdir()):
        if entry.is_symlink() and not entry.name.startswith(("_", ".")):
            reason = _link_refusal(entry, inbox)
            if reason is None:
                inside = entry.resolve().relative_to(inbox.resolve()).parts
                if inside and inside[0] != entry.name and not inside[0].startswith(("_", ".")):
                    reason = (f"{entry.name} is a link to {'/'.join(inside)}, another trader's folder; its files are "
                              "read once, for that trader, so remove the link.")
            if reason is not None:
                refused.append((entry, reason))
    return refused


def trader_folders(inbox: Path) -> list[Path]:
    """The trader folders of ``inbox``, by name; ``_responses``, hidden folders and links leading out of
    the inbox (see :func:`outside_links`) are not traders."""
    refused = {entry for entry, _reason in outside_links(inbox)}
    return sorted(p for p in inbox.iterdir()
                  if p not in refused and p.is_dir() and not p.name.startswith(("_", ".")))


def walk_folder(folder: Path, inbox: Path) -> Walk:
    """Every regular file below ``folder``, following links only while they stay inside ``inbox`` and
    inside this trader's own folder (another trader's file is read for that trader, in its folder).

    Links are looked at after every real entry, so a file reached both ways is listed by its own
    name, once.
    """
    walk = Walk()
    home = folder.resolve()
    seen: set[Path] = {home}
    pending: list[Path] = [folder]
    links: list[Path] = []
    while pending or links:
        if not pending:
            link = links.pop(0)
            reason = _link_refusal(link, inbox)
            if reason is None and not link.resolve().is_relative_to(home):
                reason = (f"{link.relative_to(inbox).as_posix()} is a link to "
                          f"{link.resolve().relative_to(inbox.resolve()).as_posix()}, a file of another "
                          "trader's folder; it is read for that trader only, so remove the link.")
            if reason is not None:
                walk.refused.append((link, reason))
            else:
                _visit(link, walk, seen, pending)
            continue
        current = pending.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError as exc:
            walk.refused.append((current, f"{current.relative_to(inbox).as_posix()} could not be listed "
                                          f"({exc.strerror or type(exc).__name__}); check its permissions."))
            continue
        for entry in entries:
            if entry.is_symlink():
                links.append(entry)
            else:
                _visit(entry, walk, seen, pending)
    return walk


def _visit(entry: Path, walk: Walk, seen: set[Path], pending: list[Path]) -> None:
    real = entry.resolve()
    if real in seen:
        return   # the same file or folder reached twice (a link beside its target)
    seen.add(real)
    if entry.is_dir():
        pending.append(entry)
    elif entry.is_file():
        walk.files.append(entry)
