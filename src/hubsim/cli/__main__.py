"""``python -m hubsim.cli``: the hubsim command."""

import sys

from hubsim.cli.main import main

sys.exit(main())
