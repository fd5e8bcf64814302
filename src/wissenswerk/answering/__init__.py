"""Answering questions with citations."""

from wissenswerk.answering.extractive import ExtractiveAnswerer

__all__ = ["ExtractiveAnswerer"]
