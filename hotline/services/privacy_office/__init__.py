"""The privacy office: officers signing in, searching and exporting the access log,
unusual reads, and proof that the log was not altered (the console is its front door)."""
