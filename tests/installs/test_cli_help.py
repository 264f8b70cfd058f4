"""`llmhpo --help` is for users: what llmhpo is in one sentence, then the commands; `--version` tells
the installed distribution's version."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from llmhpo.harness.cli import DESCRIPTION, build_parser, main


def _out(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_help_says_what_llmhpo_is_then_lists_every_command(capsys):
    text = _out(["--help"], capsys)
    paragraphs = text.split("\n\n")
    assert " ".join(paragraphs[1].split()) == DESCRIPTION
    assert DESCRIPTION.count(". ") == 0 and DESCRIPTION.endswith(".")  # one sentence
    assert paragraphs[2].startswith("commands:")
    assert text.index("commands:") < text.index("options:")
    commands = build_parser()._subparsers._group_actions[0].choices  # every registered sub-command
    listed = {line.split()[0] for line in paragraphs[2].splitlines()[2:] if line.startswith("    ") and
              not line.startswith("     ")}
    assert listed == set(commands)
    assert "harness/commands" not in text and "entry point" not in text


def test_version_is_the_installed_distributions(capsys):
    assert _out(["--version"], capsys).strip() == f"llmhpo {version('llmhpo')}"
