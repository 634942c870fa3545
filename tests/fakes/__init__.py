"""Local fakes of third-party services, so that tests never reach the internet."""
