def test_health_reports_the_database(api, db_url):
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": db_url.split(":")[0].split("+")[0]}


def test_openapi_describes_the_api(api):
    spec = api.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Interplat API"
    assert {"/api/health", "/api/auth/login", "/api/auth/me"} <= set(spec["paths"])
