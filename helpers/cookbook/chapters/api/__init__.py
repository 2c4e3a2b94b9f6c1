"""Chapter 6: the Engine API lab (hand-made requests, the SDK, TLS clients)."""
