"""Subcommands of the postwacht CLI."""
