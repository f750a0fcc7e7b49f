"""DID resolution: did:key and did:jwk (offline), behind a resolver interface."""
