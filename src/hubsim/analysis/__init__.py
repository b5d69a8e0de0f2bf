"""Analysis layer: pure functions of a run's tables (DataFrame in, DataFrame out, no simulation).

``kpis``
    the counting rules and the KPI table (names, scopes and units as in :mod:`hubsim.catalogue`),
    target verdicts, the corridor of a consignment
``yard``
    the yard content of the hubs and its time-weighted mean, peak and end value
``series``
    per-day, per-week and per-link tables behind the figures
``yearly``
    the KPI table and verdicts per simulated year of a multi-year run
``diagnostics``
    offered load, queue growth and utilisation per resource (read by the capacity search)
``stats``
    the one Student-t and Wilson interval every printed, written or drawn interval uses
``golden``
    golden files of expected KPIs: format, tolerance rule, comparison
"""
