import httpx


def test_server_answers_over_a_self_signed_dev_certificate():
    # A local dev certificate: validation is off in this test only.
    r = httpx.get("https://localhost:8443/healthz", verify=False)
    assert r.status_code == 200
