"""Hazardous materials: Data Integrity proofs and their cryptosuites.

``add_proof`` and ``verify_proof`` raise on failure; the top-level ``verify`` turns those errors
into report checks.
"""
