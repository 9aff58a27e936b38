# Dependency audit: every locked package (runtime and dev) against PyPI's known-vulnerability
# data (pip-audit). Fails on a known vulnerability. Where the vulnerability service cannot be
# reached (an offline mirror), the packages are reported as not checked instead of passing
# silently as clean.
.PHONY: audit-deps
audit-deps: sync
	@mkdir -p var
	@$(UV) export --frozen --no-hashes --format requirements-txt --no-emit-project > var/requirements-audit.txt
	@$(PY) -m pip_audit -r var/requirements-audit.txt --no-deps --disable-pip --progress-spinner off \
	  -s pypi -f json -o var/pip-audit.json 2> var/pip-audit.log || true
	@$(PY) mk/audit_deps.py var/pip-audit.json
