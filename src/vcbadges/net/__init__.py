"""Outbound HTTP for did:web, status lists and protocol metadata, under one SSRF-safe policy."""
