"""Presentation layer: text, figures, map, HTML report, results folder (reads results, runs
nothing)."""
