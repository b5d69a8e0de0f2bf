"""Experiments layer: many runs of a scenario, on any executor (nothing here prints or draws).

``params``
    points (parameter changes), run names, replication seeds from one ``SeedSequence``, ``--set``
``store``
    the task a worker runs, the results folder of finished runs (atomic, resumable), the run cache
``executors``
    serial, local process pool, dask; outcomes in completion order; ``stop_after`` interrupts
``replicate``
    replications (with a precision target) and parameter sweeps, tabulated with 95% intervals
``goal``
    goal-seeking: the smallest value of one field that meets a target with a probability
``capacity``
    the demand a network sustains, the resource that binds first, one more unit of it
``compare``
    what-ifs against a base, side by side on common random numbers
``golden``
    rerun scenarios and check their KPIs against the golden files
``calibration``
    simulated figures beside the published ones
"""
