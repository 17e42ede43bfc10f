"""The HTTP API (FastAPI): ``api.main:app``."""
