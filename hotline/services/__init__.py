"""Business rules. Services flush; the request (or CLI command) commits once."""
