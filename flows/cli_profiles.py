"""``ssdd profiles list|detect|new|schema``: the source profiles that map an ERP export onto the model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli_common import console, fail

# the same variable `ssdd run` reads (Settings.profiles_dir), so a profile a user put there is
# explained by `profiles detect` exactly as the night will use it
ProfilesDirOption = Annotated[Path | None, typer.Option(help="Extra user profiles folder.",
                                                        envvar="SSDD_PROFILES_DIR", show_envvar=True)]


def profiles_list(profiles_dir: ProfilesDirOption = None) -> None:
    """List the known profiles."""
    from transforms.ingest.profiles.registry import ProfileError, load_profiles

    try:
        profiles = load_profiles(profiles_dir)
    except ProfileError as exc:
        fail(str(exc))
    t = Table("id", "version", "role", "title")
    for p in profiles:
        t.add_row(p.id, str(p.profile_version), p.role, p.title)
    console.print(t)
    for sentence in profiles.refused.values():
        console.print(f"[yellow]not used[/] {escape(sentence)}", highlight=False, soft_wrap=True)


def profiles_detect(file: Path, profiles_dir: ProfilesDirOption = None) -> None:
    """Explain which profile a file matches, and why."""
    from transforms.ingest.profiles.match import detect, header_hint
    from transforms.ingest.profiles.registry import ProfileError, load_profiles
    from transforms.ingest.readers import ReadRefused, read_file

    try:
        profiles = load_profiles(profiles_dir)
    except ProfileError as exc:
        fail(str(exc))
    # a profile that loaded but cannot serve its role says what it lacks, whatever the file matches
    for sentence in profiles.refused.values():
        console.print(f"[yellow]not used[/] {escape(sentence)}", highlight=False, soft_wrap=True)
    try:
        wb = read_file(file, header_hint=header_hint(profiles))  # type: ignore[arg-type]
    except ReadRefused as exc:
        fail(exc.reason)
    found = detect(profiles, wb, file_label=file.name)
    for m in found.candidates:
        console.print(f"{m.profile.id}: sheet '{m.sheet.name}', header row {m.header_row_number}, "
                      f"{len(m.columns)}/{len(m.profile.columns)} columns"
                      + (f", missing {', '.join(m.missing_required)}" if m.missing_required else ""), highlight=False)
    if found.match is None:
        fail(found.reason or "no profile matches")
    else:
        console.print(f"[green]{file.name} -> {found.match.profile.ref}[/]", highlight=False)


def profiles_new(
    from_file: Annotated[Path, typer.Option("--from", help="A sample export of the new ERP.")],
    profile_id: Annotated[str, typer.Option("--id", help="Id for the new profile (lowercase, _).")] = "my_erp_export",
    out: Annotated[Path | None, typer.Option(help="Where to write the draft YAML (default: <id>.yaml).")] = None,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Draft a profile from a sample export, for a person to finish."""
    import yaml

    from transforms.ingest.profiles.draft import draft_yaml, read_sample
    from transforms.ingest.profiles.registry import load_profiles
    from transforms.ingest.readers import ReadRefused

    profiles = load_profiles(profiles_dir)
    try:
        wb = read_sample(from_file, profiles)
    except ReadRefused as exc:
        fail(exc.reason)
    text, coverage = draft_yaml(from_file, wb, profiles, profile_id)
    target = out or Path(f"{profile_id}.yaml")
    if target.exists():
        fail(f"{target} already exists; choose another --out or --id.")
    target.write_text(text, encoding="utf-8")
    role = yaml.safe_load(text)["role"]
    console.print(f"draft {role} profile written to {target} ({coverage:.0%} of the needed fields mapped); review it, "
                  "then put it in your profiles folder (--profiles-dir or SSDD_PROFILES_DIR).", highlight=False)


def profiles_schema(out: Annotated[Path | None, typer.Option(help="Write the JSON schema here.")] = None) -> None:
    """Print (or write) the JSON schema of a profile, for editors."""
    from transforms.ingest.profiles.registry import json_schema

    if out is None:
        console.print(json_schema(), highlight=False)
    else:
        out.write_text(json_schema(), encoding="utf-8")


def register(app: typer.Typer) -> None:
    profiles_app = typer.Typer(no_args_is_help=True, help="List, detect and draft source profiles.")
    profiles_app.command("list")(profiles_list)
    profiles_app.command("detect")(profiles_detect)
    profiles_app.command("new")(profiles_new)
    profiles_app.command("schema")(profiles_schema)
    app.add_typer(profiles_app, name="profiles")
