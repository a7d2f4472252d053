# Two commands for a new user: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX_VERSION := 2.0.11
WORKBOX_VERSION := 7.4.1
IDB_VERSION := 8.0.4
VNU_VERSION := 26.9.27
AXE_VERSION := 4.14.1
export FLASK_APP := wsgi.py

.PHONY: run test install install-test vendor translations messages db demo browser-deps office-deps bench clean

run: install vendor translations db demo  ## install, migrate, seed the demo and serve on :5000
	@echo
	@echo "Kiểm Tra chạy tại http://127.0.0.1:5000"
	@echo "Tài khoản demo (mật khẩu demo12345): admin, leader, inspector, inspector2, unithead, unithead2"
	@echo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-test vendor translations browser-deps office-deps  ## install what tests need and run the whole suite
	$(BIN)/pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# JS libraries are not committed: unpack the pinned releases' built files from their npm packages.
# htmx for the pages; Workbox's modules and idb for the service worker and the offline outbox.
WORKBOX_MODULES := workbox-sw workbox-core workbox-routing workbox-strategies workbox-precaching \
	workbox-broadcast-update
vendor: app/static/vendor/htmx.min.js app/static/vendor/workbox/workbox-sw.js app/static/vendor/idb/umd.js
app/static/vendor/htmx.min.js:
	@mkdir -p app/static/vendor
	@if command -v npm >/dev/null 2>&1; then \
		tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && \
		tar xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js && \
		cp package/dist/htmx.min.js $(CURDIR)/app/static/vendor/htmx.min.js && rm -rf $$tmp; \
	else echo "npm not found: htmx will load from the pinned CDN address"; fi
app/static/vendor/workbox/workbox-sw.js:
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p app/static/vendor/workbox && tmp=$$(mktemp -d) && cd $$tmp && \
		for module in $(WORKBOX_MODULES); do \
			npm pack --silent $$module@$(WORKBOX_VERSION) >/dev/null && tar xzf $$module-$(WORKBOX_VERSION).tgz && \
			cp package/build/$$module*.js $(CURDIR)/app/static/vendor/workbox/ && rm -rf package || exit 1; \
		done; rm -f $(CURDIR)/app/static/vendor/workbox/*.dev.js; rm -rf $$tmp; \
	else echo "npm not found: no service worker, so no offline work (everything else works)"; fi
app/static/vendor/idb/umd.js:
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p app/static/vendor/idb && tmp=$$(mktemp -d) && cd $$tmp && \
		npm pack --silent idb@$(IDB_VERSION) >/dev/null && tar xzf idb-$(IDB_VERSION).tgz package/build/umd.js && \
		cp package/build/umd.js $(CURDIR)/app/static/vendor/idb/umd.js && rm -rf $$tmp; \
	else echo "npm not found: no offline outbox"; fi

translations:
	$(BIN)/pybabel compile -d app/translations 2>/dev/null

db:
	$(BIN)/flask db upgrade

demo:
	$(BIN)/flask seed-demo

# Browser tests use Debian's chromium; fonts-liberation2 has the Vietnamese glyphs (Liberation 1.x
# lacks them); WeasyPrint (the documents' PDF) needs Pango; the Nu HTML checker needs Java.
APT_DEPS := chromium fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 default-jre-headless
browser-deps: tests/.tools/vnu.jar tests/.tools/axe.min.js
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/liberation2 ] || \
		! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! command -v java >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y -q $(APT_DEPS) >/dev/null || \
			(apt-get update -q >/dev/null && apt-get install -y -q $(APT_DEPS) >/dev/null); \
		else echo "chromium or java missing and not root: browser tests will be skipped"; fi; \
	fi

# The Word layout tests (tests/web/test_documents_word_layout.py) convert the Word files to PDF with
# headless LibreOffice: Debian's libreoffice-writer-nogui (Writer without the desktop parts).
OFFICE_DEPS := libreoffice-writer-nogui
office-deps:
	@if ! command -v soffice >/dev/null && ! command -v libreoffice >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y -q $(OFFICE_DEPS) >/dev/null || \
			(apt-get update -q >/dev/null && apt-get install -y -q $(OFFICE_DEPS) >/dev/null); \
		else echo "LibreOffice missing and not root: the Word layout tests will be skipped"; fi; \
	fi

# The HTML checks (tests/browser/test_html_checks.py): the Nu HTML checker and axe-core, unpacked
# from their pinned npm packages into the git-ignored tests/.tools/.
tests/.tools/vnu.jar:
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p tests/.tools && tmp=$$(mktemp -d) && cd $$tmp && \
		npm pack --silent vnu-jar@$(VNU_VERSION) >/dev/null && tar xzf vnu-jar-$(VNU_VERSION).tgz package/build/dist/vnu.jar && \
		cp package/build/dist/vnu.jar $(CURDIR)/tests/.tools/vnu.jar && rm -rf $$tmp; \
	else echo "npm not found: the HTML checks will be skipped"; fi
tests/.tools/axe.min.js:
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p tests/.tools && tmp=$$(mktemp -d) && cd $$tmp && \
		npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js && \
		cp package/axe.min.js $(CURDIR)/tests/.tools/axe.min.js && rm -rf $$tmp; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

clean:
	rm -rf $(VENV) app/static/vendor tests/.tools *.egg-info

# After changing user-facing text: re-extract, merge into the catalogs, then translate what is new.
messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs '.* __pycache__ node_modules' -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

# Speed of the tablet checklist against bare references (needs wrk; not part of the tests).
bench: install
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
	$(BIN)/python bench/checklist.py
