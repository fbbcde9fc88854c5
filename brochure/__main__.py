"""``python -m brochure``: the same commands as the ``brochure`` script."""

from .cli import main

main()
