"""Plugins: pluggy hooks through which built-ins and extensions register."""

from wissenswerk.plugins.hookspecs import hookimpl
from wissenswerk.plugins.manager import Plugins

__all__ = ["Plugins", "hookimpl"]
