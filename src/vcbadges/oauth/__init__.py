"""OAuth 2.0 plumbing shared by the OpenID4VCI and OpenID4VP cores (secrets, times, forms,
strict JSON, URL rules, injected transport), kept below both so neither imports the other."""
