"""Verifiable Credentials and Open Badges 3.0 documents: builders and structural checks."""
