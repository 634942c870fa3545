"""Media uploads: photos citizens and handlers attach to requests and orders."""
