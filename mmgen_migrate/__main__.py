"""``python -m mmgen_migrate``: the ``mmgen-migrate`` command."""

from .cli import main

if __name__ == "__main__":
    main()
