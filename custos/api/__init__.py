from custos.api import schema as _schema  # noqa: F401  (registers drf-spectacular extensions)
