"""Credential status: Bitstring Status List encoding and checks."""
