"""Too many requests answer 429 with Retry-After; other callers and /health go on."""

from conftest import Api


def test_a_caller_over_its_rate_gets_429(settings_env):
    api = Api(settings_env, rate_per_minute=60, rate_burst=5)
    try:
        codes = [api.get("/documents", who="staff").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5
        assert 429 in codes[5:]
        r = api.get("/documents", who="staff")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert api.get("/documents", who="admin").status_code == 200  # a different caller
        assert api.client.get("/health").status_code == 200
    finally:
        api.close()


def test_default_rate_lets_normal_use_through(settings_env):
    api = Api(settings_env)
    try:
        assert all(api.get("/facts").status_code == 200 for _ in range(50))
    finally:
        api.close()
