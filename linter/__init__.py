"""loanlint: a disclosure-standard linter for consumer and micro-loan contracts."""
__version__ = "0.1.0"
