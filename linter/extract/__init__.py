"""Stage 2: ``Document`` → ``ContractFacts``. See ``facts.extract``."""
from .facts import extract

__all__ = ["extract"]
