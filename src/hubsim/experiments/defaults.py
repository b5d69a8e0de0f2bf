"""Defaults the experiment commands share, in a module that imports nothing, so the command
line can show them in its help without loading the experiments (start-up time)."""

__all__ = ["COMPARE_REPLICATIONS", "RUN_REPLICATIONS"]

#: Replications of the default ``hubsim run``: four yearly runs fit the time of two single
#: runs on two cores (one in the command's process with the event log and figures, three on
#: two workers), and give a t interval with 3 degrees of freedom (half-width 1.59 standard
#: deviations of one year).
RUN_REPLICATIONS = 4
#: Replications of ``hubsim compare`` unless told otherwise: four paired runs per scenario give
#: each difference a t interval with 3 degrees of freedom, as ``hubsim run`` gives its
#: verdict; on two cores they take about the time of two single runs per scenario.
COMPARE_REPLICATIONS = 4
