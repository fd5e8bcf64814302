"""wissenswerk: on-premise knowledge platform for the German Mittelstand."""

__version__ = "0.1.0"
