"""Errors written for people: what went wrong, where, and what to do."""

from __future__ import annotations


class AudiotaleError(Exception):
    """Base class; `exit_code` is what the CLI exits with."""

    exit_code = 1


class InputError(AudiotaleError):
    """The book cannot be read (missing, binary, empty, malformed)."""

    exit_code = 2


class ConfigError(AudiotaleError):
    """voices.toml or a command-line option is wrong."""

    exit_code = 2


class EngineError(AudiotaleError):
    """The speech engine is missing or failed."""

    exit_code = 1


class RenderError(AudiotaleError):
    """Synthesis, assembly or export failed."""

    exit_code = 1
