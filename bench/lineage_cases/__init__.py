"""Hand-written lineage cases for bench/lineage_bench.py (see cases.py)."""
