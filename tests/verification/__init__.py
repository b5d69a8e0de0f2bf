"""Analytic verification suite: hubsim against queueing theory, exact results and Ciw.

The cases live in :mod:`.cases` (hubsim), :mod:`.peer` (the same cases in Ciw) and
:mod:`.theory` (the formulas); the tests and ``python -m tests.verification.report`` (which
writes ``docs/verification.md``) share them, so each case has one definition.
"""
