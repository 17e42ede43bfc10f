"""reportmine: annual work summaries of trade-union units → searchable, countable, cited facts."""

__version__ = "0.1.0"
