"""Fixtures every test package may use: the real HTTPS test server and its fetcher."""

pytest_plugins = ["net.https_server"]
