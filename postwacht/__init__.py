"""postwacht: think before you post. Command line entry points live in postwacht.cli."""

__version__ = "0.1.0"
