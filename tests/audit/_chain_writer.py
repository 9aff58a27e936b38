"""Subprocess used by test_concurrency: append N events to the chain, one per transaction."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings")
django.setup()

from django.db import transaction  # noqa: E402

from audit import services  # noqa: E402

count, label = int(sys.argv[1]), sys.argv[2]
for i in range(count):
    with transaction.atomic():
        services.record(action=f"test.concurrent.{label}", changes={"i": i})
