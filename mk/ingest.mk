# OpenMetadata ingestion virtualenv, kept apart from the web process' .venv.
#
# openmetadata-ingestion is ~850 MB with ~170 packages and pins its own sqlglot;
# it is only used by `metadata ingest` runs and the PII comparison bench
# (bench/pii_bench.py), always as a subprocess with .venv-ingest/bin/python.
# The postgres and mysql extras bring the drivers (psycopg2-binary, PyMySQL) that
# `manage.py om_ingest` needs for PostgreSQL and MariaDB/MySQL sources.
# Its wheel is under the Collate Community License 1.0.
#
# Usage:  make -f mk/ingest.mk ingest-env   (or include mk/ingest.mk from the Makefile)

INGEST_VENV ?= .venv-ingest
INGEST_PYTHON ?= 3.12
INGEST_PACKAGE ?= openmetadata-ingestion[pii-processor,postgres,mysql]==2.0.7.0
INGEST_CONSTRAINTS ?= mk/ingest-constraints.txt

.PHONY: ingest-env ingest-env-clean

ingest-env: $(INGEST_VENV)/.installed

$(INGEST_VENV)/.installed: $(INGEST_CONSTRAINTS) mk/ingest.mk
	python3 -m uv venv --allow-existing --python $(INGEST_PYTHON) $(INGEST_VENV)
	python3 -m uv pip install --python $(INGEST_VENV)/bin/python \
		--compile-bytecode --constraint $(INGEST_CONSTRAINTS) "$(INGEST_PACKAGE)"
	touch $@

ingest-env-clean:
	rm -rf $(INGEST_VENV)
