"""mmgen-migrate: migrate MMGeneration 0.x configs to MMagic 1.x configs."""

__version__ = "0.1.0"
