"""Presentation layer: text, figures, map, HTML report, results folder (reads results, runs
nothing).

- :mod:`~hubsim.present.text`: ``format_value`` (a number with its unit) and ``table`` (the
  one text table layout), used by every command and the report;
- :mod:`~hubsim.present.tables`: the tables the commands print (run summary, experiment
  targets, golden check, what-if comparison);
- :mod:`~hubsim.present.calibration_text`: ``hubsim calibrate`` as text or Markdown;
- :mod:`~hubsim.present.plots`, :mod:`~hubsim.present.mapplot`: the figures of one run;
- :mod:`~hubsim.present.experiment_plots`: comparison and sweep figures (tables in);
- :mod:`~hubsim.present.experiment_output`: the comparison folder and ``sweep.png``;
- :mod:`~hubsim.present.output`: the results folder of a run, all or nothing;
- :mod:`~hubsim.present.report`: the self-contained ``report.html``;
- :mod:`~hubsim.present.progress`: the one-line progress bar.
"""
