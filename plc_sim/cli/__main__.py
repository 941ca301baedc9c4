import sys

from plc_sim.cli.main import main

sys.exit(main())
