"""The README and docs/ tell the truth about the commands, targets, settings and files they name.

Checks, without running any pipeline step:

1. every ``python -m qa …`` command (also ``python ingest.py``/``python app.py`` and
   ``python -m qa.train …``) shown in README.md or docs/*.md names a subcommand and flags that its
   ``--help`` lists; every ``python benchmarks/….py`` script shown exists and defines its flags;
2. every ``make`` target named in README.md exists in the Makefile;
3. docs/settings.md is exactly what ``python docs/settings_table.py`` prints;
4. README.md has at most 250 lines;
5. every relative link in README.md (and docs/*.md) points to a file that exists, and to a heading
   that exists when it names one.
"""

from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_LINES = 250
# ``python X.py`` scripts at the top level that are ``python -m qa SUBCOMMAND``.
SCRIPTS = {"ingest.py": "ingest", "app.py": "serve"}


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def inline_code(text: str) -> list[str]:
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"`([^`\n]+)`", prose)


def command_lines(text: str, inline: bool = True) -> list[str]:
    lines = [line for block in code_blocks(text) for line in block.splitlines()]
    return lines + (inline_code(text) if inline else [])


def tokens(line: str) -> list[str]:
    """The words of a shell line without comments, leading ``VAR=value`` and ``nice``; [] if unparsable."""
    try:
        words = shlex.split(line.replace("…", "x"), comments=True)
    except ValueError:
        return []
    while words and (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]) or words[0] in ("nice", "export")):
        words = words[1:]
    return words


def is_python(word: str) -> bool:
    return Path(word).name in ("python", "python3") or word.endswith("/bin/python")


def python_args(words: list[str]) -> list[str] | None:
    """What follows the interpreter's own options (``-X importtime``), or None if not a python command."""
    if not words or not is_python(words[0]):
        return None
    rest = words[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        rest = rest[2:] if rest[0] in ("-X", "-W") else rest[1:]
    return rest


def flags_of(args: list[str]) -> list[str]:
    out = []
    for word in args:
        word = word.strip("[]")
        if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", word):
            out.append(word.split("=", 1)[0])
    return out


def qa_commands(text: str) -> list[tuple[str, str, list[str]]]:
    """(module, subcommand, flags) of each qa command shown; ``a|b`` subcommands give one entry each."""
    found = []
    for line in command_lines(text):
        args = python_args(tokens(line))
        if not args:
            continue
        if args[0] == "-m" and len(args) > 1 and re.fullmatch(r"qa(\.\w+)?", args[1]):
            module, rest = args[1], args[2:]
        elif args[0] in SCRIPTS:
            module, rest = "qa", [SCRIPTS[args[0]], *args[1:]]
        else:
            continue
        if not rest or rest[0].startswith("-"):
            found.append((module, "", flags_of(rest)))
            continue
        for sub in rest[0].split("|"):
            if sub.isupper():  # a placeholder such as COMMAND
                continue
            found.append((module, sub, flags_of(rest[1:])))
    return found


def benchmark_commands(text: str) -> list[tuple[str, list[str]]]:
    found = []
    for line in command_lines(text):
        args = python_args(tokens(line))
        if args and args[0].startswith("benchmarks/") and args[0].endswith(".py"):
            found.append((args[0], flags_of(args[1:])))
    return found


@functools.cache
def help_text(module: str, sub: str) -> str:
    argv = [sys.executable, "-m", module, *([sub] if sub else []), "--help"]
    result = subprocess.run(argv, check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{' '.join(argv[2:])} failed: {result.stderr.strip()[-500:]}"
    return result.stdout


def has_flag(help_output: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_output) is not None


def documents() -> list[Path]:
    return [README, *DOCS]


def test_every_qa_command_shown_has_its_subcommand_and_flags() -> None:
    problems = []
    seen = 0
    for doc in documents():
        for module, sub, flags in qa_commands(doc.read_text(encoding="utf-8")):
            seen += 1
            where = f"{doc.relative_to(ROOT)}: python -m {module} {sub}".rstrip()
            if sub:
                listed = help_text(module, "")
                if not re.search(rf"(?<![\w-]){re.escape(sub)}(?![\w-])", listed):
                    problems.append(f"{where}: no such subcommand")
                    continue
            usage = help_text(module, sub)
            problems += [f"{where}: no flag {flag}" for flag in flags if flag not in ("-h", "--help") and not has_flag(usage, flag)]
    assert seen >= 10, "the README should show the ingest/ask/serve/eval commands"
    assert not problems, "\n".join(problems)


def test_readme_shows_each_main_command() -> None:
    shown = {(m, s) for m, s, _ in qa_commands(README.read_text(encoding="utf-8"))}
    assert {("qa", "ingest"), ("qa", "ask"), ("qa", "serve"), ("qa", "eval")} <= shown


def test_every_benchmark_command_shown_exists_with_its_flags() -> None:
    problems = []
    for doc in documents():
        for script, flags in benchmark_commands(doc.read_text(encoding="utf-8")):
            path = ROOT / script
            if not path.is_file():
                problems.append(f"{doc.relative_to(ROOT)}: {script} does not exist")
                continue
            source = path.read_text(encoding="utf-8")
            problems += [f"{doc.relative_to(ROOT)}: {script} has no {flag}" for flag in flags
                         if f'"{flag}"' not in source and f"'{flag}'" not in source]
    assert not problems, "\n".join(problems)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, flags=re.MULTILINE))
    for phony in re.findall(r"^\.PHONY\s*:(.*)$", text, flags=re.MULTILINE):
        targets |= set(phony.split())
    return {t for t in targets if not t.startswith(".")}


def test_every_make_target_named_in_the_readme_exists() -> None:
    named = set()
    for line in command_lines(README.read_text(encoding="utf-8")):
        words = tokens(line)
        if words and words[0] == "make":
            named |= {w for w in words[1:] if not w.startswith("-") and "=" not in w}
    assert {"run", "test"} <= named
    missing = named - make_targets()
    assert not missing, f"README names make targets the Makefile lacks: {sorted(missing)}"


def test_readme_opens_with_make_run_and_make_test() -> None:
    first = code_blocks(README.read_text(encoding="utf-8"))[0].splitlines()
    assert [tokens(line)[:2] for line in first] == [["make", "run"], ["make", "test"]]


def test_settings_doc_is_the_generated_table() -> None:
    result = subprocess.run([sys.executable, "docs/settings_table.py"], check=False, cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    current = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert current == result.stdout, "docs/settings.md is stale: run python docs/settings_table.py > docs/settings.md"


def test_readme_is_at_most_250_lines() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    text = re.sub(r"^```[^\n]*\n.*?^```", "", doc.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return {slug(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, flags=re.MULTILINE)}


def relative_links(doc: Path) -> list[str]:
    text = re.sub(r"^```[^\n]*\n.*?^```", "", doc.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    links = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)
    return [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:", link, flags=re.IGNORECASE)]


@pytest.mark.parametrize("doc", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_that_exists(doc: Path) -> None:
    problems = []
    for link in relative_links(doc):
        target, _, fragment = link.partition("#")
        path = (doc.parent / target).resolve() if target else doc
        if not path.exists():
            problems.append(f"{link}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} does not exist")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            problems.append(f"{link}: no heading #{fragment} in {path.relative_to(ROOT)}")
    assert not problems, "\n".join(problems)
