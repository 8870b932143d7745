"""Spoken commands for hands-free mode."""

import pytest

from interplat.services.transcription.commands import parse_command


@pytest.mark.parametrize(
    ("transcript", "command"),
    [
        ("Reply.", "reply"),
        (" reply ", "reply"),
        ("Respond, please.", "reply"),
        ("Yes.", "yes"),
        ("Yeah!", "yes"),
        ("Yes, yes.", "yes"),
        ("Okay.", "yes"),
        ("Um, yep.", "yes"),
        ("No.", "no"),
        ("Nope.", "no"),
        ("No, thank you.", "no"),
        ("STOP", "stop"),
        ("Cancel.", "stop"),
        ("Okay, stop.", "stop"),
        ("Never mind.", "stop"),
    ],
)
def test_short_utterances_are_commands(transcript, command):
    assert parse_command(transcript) == command


@pytest.mark.parametrize(
    "transcript",
    [
        "",
        "...",
        "You",
        "No, I said the bill is wrong.",  # a message that starts with "no"
        "Yes I would like to pay the bill now please",
        "Stop charging my card twice.",
        "Yes, no.",  # contradictory
        "Reply yes",  # two different commands
        "Hello.",
    ],
)
def test_anything_else_is_not_a_command(transcript):
    assert parse_command(transcript) is None
