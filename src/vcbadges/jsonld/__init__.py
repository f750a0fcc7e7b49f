"""JSON-LD processing that never touches the network: bundled contexts, safe-mode expansion, RDFC-1.0."""
