"""Scenario layer: what a run is asked to simulate, read, checked and changed (no simulation).

``fields``
    field declarations with unit and description, the base model, the field table, unit lookup
``schema``, ``changes``
    the sections of a scenario (network, demand, targets; disruptions, growth, investments)
``distributions``
    random durations and sizes (``exp(24)``, ``tri(1, 2, 4)``) and their bulk samplers
``loader``, ``yamlread``, ``build``, ``resources``
    YAML and CSV files (size-limited, duplicate keys and alias bombs refused) to a validated
    :class:`~hubsim.scenario.schema.Scenario`; the bundled scenario and data files shipped in
    the package
``checks``, ``disruptions``, ``limits``
    cross-checks a single field cannot do, each a small registered function
``paths``, ``overlay``, ``diff``
    change a scenario by path, overlay files that extend another file, differences between two
"""
