"""`python -m listencheck` and the `listencheck` command.

Ctrl-C (or SIGTERM) while the command line module itself is being imported
is an interruption like any other (exit 130, or 143, one line), not a traceback.
"""

import os
import sys


def main() -> None:
    from listencheck import signals

    signals.install()
    try:
        from listencheck.cli import main as cli_main
    except KeyboardInterrupt:
        by = signals.stop_signal()
        sys.stderr.write(f"listencheck: interrupted ({by})\n")
        sys.stderr.flush()
        os._exit(signals.exit_status(by))  # see listencheck.cli.exit_now
    cli_main()


if __name__ == "__main__":
    main()
