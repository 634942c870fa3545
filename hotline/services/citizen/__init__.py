"""What citizens do: log in, follow and rate their orders, submit requests."""
