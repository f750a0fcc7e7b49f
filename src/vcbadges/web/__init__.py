"""The aiohttp service: issuer, verifier and wallet sub-applications. Only this package
imports ``aiohttp.web``; every handler is a thin call into the framework-free layers."""
