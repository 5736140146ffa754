"""``python -m mmgen_migrate.verify OLD NEW [...]``: the verify command alone."""
from .command import verify_command

if __name__ == "__main__":  # pragma: no cover
    verify_command(prog_name="python -m mmgen_migrate.verify")
