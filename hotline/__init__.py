"""阳光办理's domain: configuration, models, the order lifecycle and its services, reports,
synthetic data, the command line and the migrations. It imports no front door; the app is
put together in ``yangguang``."""
