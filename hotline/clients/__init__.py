"""Outbound clients for third-party services (WeChat). They need no Flask app context: they
are built from a config mapping and raise :class:`hotline.errors.ApiError` subclasses that the
app already turns into its JSON error shape."""
