"""Staff API views."""
