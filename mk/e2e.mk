# Browser tests (tests/e2e) use Debian's chromium through Playwright; no browser download
# (`playwright install` cannot work offline).
#
# Usage:  make browser   (the Makefile includes mk/*.mk), then  .venv/bin/pytest tests/e2e

E2E_SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: browser

browser:  ## install Debian's chromium for the browser tests, only if missing
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ] \
		|| ($(E2E_SUDO) apt-get update && $(E2E_SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	@echo "chromium: $$(command -v chromium || echo /usr/lib/chromium/chromium)"
