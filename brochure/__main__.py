"""``python -m brochure`` and the ``brochure`` script: the command line, started so that Ctrl-C
never ends in a traceback. While the command line itself loads (before any command runs, so
nothing has been done), Ctrl-C ends the process at once, as the system ends one that sets no
handler; from then on each command answers it (``interrupted``, exit 130), and a batch from
the moment it starts (see :mod:`signals`). A process started with Ctrl-C ignored (in the
background) keeps ignoring it."""

import signal


def run() -> None:
    answering = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if answering:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    from .cli import main

    if answering:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    main()


if __name__ == "__main__":
    run()
