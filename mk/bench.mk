# Benchmark virtualenv for peer tools, kept apart from the project's .venv.
#
# sqllineage pins packages (sqlparse, sqlfluff, networkx...) that conflict with ours,
# so bench/lineage_bench.py runs it as a subprocess with .venv-bench/bin/python.
#
# Usage:  make -f mk/bench.mk bench-env   (or include mk/bench.mk from the Makefile)
#         .venv/bin/python bench/lineage_bench.py

BENCH_VENV ?= .venv-bench
BENCH_PYTHON ?= 3.12
BENCH_PACKAGES ?= sqllineage

.PHONY: bench-env bench-env-clean

bench-env: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed:
	python3 -m uv venv --python $(BENCH_PYTHON) $(BENCH_VENV)
	python3 -m uv pip install --python $(BENCH_VENV) $(BENCH_PACKAGES)
	touch $@

bench-env-clean:
	rm -rf $(BENCH_VENV)
