"""The Graph sandbox answers as Graph does: errors in Graph's shape, the token checked."""

from __future__ import annotations

import requests

from tests.support.sandbox import PAGE_ID, PAGE_TOKEN


def test_feed_post_needs_the_page_token(sandbox):
    refused = requests.post(
        f"{sandbox.url}/v21.0/{PAGE_ID}/feed", data={"message": "x", "access_token": "bad"}, timeout=5
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 190
    made = requests.post(
        f"{sandbox.url}/v21.0/{PAGE_ID}/feed", data={"message": "hello", "access_token": PAGE_TOKEN}, timeout=5
    )
    assert made.json()["id"].startswith(f"{PAGE_ID}_")
    posts = requests.get(f"{sandbox.url}/sandbox/facebook/posts", timeout=5).json()["data"]
    assert posts[0]["message"] == "hello"


def test_unknown_version_and_missing_message(sandbox):
    assert (
        requests.post(f"{sandbox.url}/latest/{PAGE_ID}/feed", data={"access_token": PAGE_TOKEN}, timeout=5).status_code
        == 400
    )
    missing = requests.post(f"{sandbox.url}/v21.0/{PAGE_ID}/feed", data={"access_token": PAGE_TOKEN}, timeout=5)
    assert missing.json()["error"]["code"] == 100
