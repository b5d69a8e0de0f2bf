"""``python -m hubsim``: the hubsim command."""

import sys

from hubsim.cli.main import main

sys.exit(main())
