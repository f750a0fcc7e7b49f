"""One module per cryptosuite, named after the spec identifier."""
