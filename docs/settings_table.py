"""Print docs/settings.md: every qa setting as a markdown table, from the pydantic model in qa/settings.py.

    python docs/settings_table.py > docs/settings.md

The environment variable names follow ``Settings.model_config`` (its ``env_prefix`` and
``env_nested_delimiter``). Defaults are computed with an empty environment, so the table is the same
on every machine: paths under the home folder are shown with ``~``, paths inside the repository
relative to it, and no secret from the environment can end up in it. tests/integration/test_readme.py
checks that docs/settings.md is this script's output.
"""

from __future__ import annotations

import os
import sys
import types
import typing
from pathlib import Path

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, SecretStr
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.settings import Settings

HEADER = """\
# Settings

Every setting of qa, generated from the pydantic `Settings` model in `qa/settings.py` by
`python docs/settings_table.py > docs/settings.md` (a test checks this file is that script's output).

Set them as environment variables named `{prefix}` + the field; a section's fields join the
section's name with `{delimiter}` (`{prefix}RETRIEVAL{delimiter}K=8`). {case} Command-line flags
(`python -m qa COMMAND --help`) override the environment.
"""


def plain_environment_default(field) -> object:
    """The field's default as an unconfigured machine sees it (factories run with no environment variables)."""
    if field.default is not PydanticUndefined:
        return field.default
    if field.default_factory is None:
        return PydanticUndefined
    saved = dict(os.environ)
    home = os.environ.get("HOME")
    os.environ.clear()
    if home is not None:
        os.environ["HOME"] = home
    try:
        return field.default_factory()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def show_default(value: object) -> str:
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, Path):
        path = value.expanduser()
        if path.is_absolute():
            for base, shown in ((ROOT, ""), (Path.home(), "~/")):
                try:
                    return f"`{shown}{path.relative_to(base).as_posix()}`"
                except ValueError:
                    pass
        return f"`{value.as_posix()}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{value!r}`"


def show_type(annotation: object, metadata: list) -> str:
    """A short type: the allowed values of a Literal, the bounds of a number, 'or unset' for Optional."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
        origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        text = " / ".join(f"`{v}`" for v in typing.get_args(annotation))
    else:
        text = {SecretStr: "secret", Path: "path"}.get(annotation, getattr(annotation, "__name__", str(annotation)))
    bounds = []
    for m in metadata:
        for cls, attr, sign in ((Ge, "ge", "≥"), (Gt, "gt", ">"), (Le, "le", "≤"), (Lt, "lt", "<")):
            if isinstance(m, cls):
                bounds.append(f"{sign} {getattr(m, attr)}")
    if bounds:
        text += ", " + ", ".join(bounds)
    return text + (" or unset" if optional else "")


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rows(model: type[BaseModel], prefix: str, delimiter: str) -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        env = f"{prefix}{name.upper()}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.append(f"| **{name}** | | | {cell(annotation.__doc__ or '')} |")
            out += rows(annotation, env + delimiter, delimiter)
            continue
        out.append(
            f"| `{env}` | {cell(show_type(annotation, field.metadata))} | {cell(show_default(plain_environment_default(field)))} "
            f"| {cell(field.description or '')} |"
        )
    return out


def table() -> str:
    config = Settings.model_config
    prefix, delimiter = config.get("env_prefix", ""), config.get("env_nested_delimiter") or "__"
    lines = [
        HEADER.format(prefix=prefix, delimiter=delimiter, case="Names are case-sensitive." if config.get(
            "case_sensitive") else "Names are not case-sensitive."),
        "| environment variable | type | default | description |",
        "|---|---|---|---|",
        *rows(Settings, prefix, delimiter),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
