"""Build step: compile the engine's hot modules with mypyc (pyproject.toml holds the rest).

The modules stay plain Python source; mypyc compiles them to C extensions at install, which
run the same code in 19 to 30% less time for a simulated year (``benchmarks/README.md``).
Compiling needs a C compiler and Python's headers: where they are missing, or with
``HUBSIM_PURE_PYTHON=1`` set at install, hubsim installs and runs as pure Python (the same
results; ``hubsim.sim.compiled()`` says which modules are compiled).
"""

import os
import tempfile

from setuptools import setup

#: the engine's modules that run on every event (hubsim.sim), compiled when possible
COMPILED = ["cargo", "demand", "flow", "hubs", "network", "records", "services", "slots",
            "terminals", "travel", "trucks"]

#: mypy's settings for the compile: the package's own [tool.mypy] loads the pydantic plugin,
#: which the build environment lacks. Other packages are not read (no_site_packages: their
#: imports are typed Any), so the compile is the same, and takes a minute, whether or not they
#: are installed (reading pandas' stubs alone takes minutes).
MYPY_CONFIG = "[mypy]\npython_version = 3.11\nignore_missing_imports = True\n" \
              "follow_imports = silent\nno_site_packages = True\n"


def _extensions() -> list:
    if os.environ.get("HUBSIM_PURE_PYTHON") == "1":
        return []
    from mypyc.build import mypycify

    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "mypy.ini")
        with open(config, "w") as f:
            f.write(MYPY_CONFIG)
        extensions = mypycify(["--config-file", config,
                               *(f"src/hubsim/sim/{name}.py" for name in COMPILED)],
                              opt_level="3", group_name="hubsim_engine")
    for ext in extensions:
        ext.optional = True  # no compiler: a warning, and the pure-Python modules run
    return extensions


setup(ext_modules=_extensions())
