"""Settings from the environment (``REPORTMINE_*``), read once per process.

``REPORTMINE_DB`` names the store (SQLite by default, ``postgresql+psycopg://…`` at scale),
``REPORTMINE_BROKER`` a Celery broker (``redis://…``; empty: jobs run in-process) and
``REPORTMINE_ANONYMOUS=1`` lets requests without a token act as staff of the tenant
``default`` (a switch for a local demo, off unless set).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTMINE_", extra="ignore")

    db: str = "sqlite:///./data/reportmine.db"
    broker: str = ""
    celery_queue: str = "reportmine"  # workers listen here (-Q); tests use a queue of their own
    celery_visibility_timeout: int = 3600  # seconds before a message of a vanished worker is redelivered
    anonymous: bool = False

    # ingestion limits (bytes per file, archive expansion)
    max_upload_bytes: int = 50 * 1024 * 1024
    max_archive_entries: int = 2000
    max_archive_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: float = 200.0
    max_archive_depth: int = 2
    max_pages: int = 2000
    sandbox: bool = True  # read each file in a watched worker process (reportmine.sandbox)

    # jobs
    job_workers: int = 1  # in-process worker threads in the API process
    job_poll_seconds: float = 0.5
    job_lease_seconds: float = 600.0  # a running job not finished after this is claimed again
    job_max_attempts: int = 3

    # requests per minute per caller (token or address) and burst; 0 turns the limit off
    rate_per_minute: float = 3000
    rate_burst: int = 200

    # queries
    max_page_size: int = 1000
    max_export_rows: int = 200_000
    # a draft reads every fact it may cite; past this the caller is asked to narrow the choice
    max_draft_facts: int = 100_000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
