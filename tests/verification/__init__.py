"""Analytic verification suite: hubsim against queueing theory, exact results and Ciw.

The cases live in :mod:`.cases` (hubsim), :mod:`.peer` (the same cases in Ciw) and
:mod:`.theory` (the formulas), with the tolerances in :mod:`.checks`; the tests and
``python tests/verification/report.py`` (which writes ``docs/verification.md``) share them, so
each case has one definition.

Run the report as a script, not with ``python -m tests...``: Ciw installs a top-level
``tests`` package of its own into site-packages, which shadows this directory's name.
"""
