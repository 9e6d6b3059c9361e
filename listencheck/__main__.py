"""`python -m listencheck` and the `listencheck` command.

Ctrl-C while the command line module itself is being imported is an
interruption like any other (exit 130, one line), not a traceback.
"""

import os
import sys


def main() -> None:
    try:
        from listencheck.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("listencheck: interrupted\n")
        sys.stderr.flush()
        os._exit(130)  # see listencheck.cli.exit_interrupted
    cli_main()


if __name__ == "__main__":
    main()
