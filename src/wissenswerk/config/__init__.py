"""Typed settings."""

from wissenswerk.config.settings import Settings

__all__ = ["Settings"]
