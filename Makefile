# PROLAN Probe & Console. `make demo` and `make test` work on a fresh Debian machine as root.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

# Debian packages: the demo needs Qt's runtime libraries; the tests also need the real peers
# (net-snmp tools, smitools, socat, OpenLDAP, ffmpeg/sox, PostgreSQL, Xvfb, and the NMSs the
# probe is proven with: Zabbix 6.0 server and frontend, Prometheus and snmp_exporter, check_snmp).
DEBIAN_RUNTIME := python3 python3-venv python3-pip ca-certificates unixodbc libgl1 libegl1 libxkbcommon0 \
	libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 \
	libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libglib2.0-0 ffmpeg
DEBIAN_TEST := $(DEBIAN_RUNTIME) snmp snmpd snmptrapd smitools socat slapd ldap-utils sox xvfb postgresql \
	qt6-l10n-tools zabbix-server-pgsql zabbix-frontend-php php-cli php-pgsql php-bcmath php-mbstring \
	php-gd php-xml prometheus prometheus-snmp-exporter monitoring-plugins-standard

DEMO_CONFIG ?=
# The tests run in random order (pytest-randomly prints "Using --randomly-seed=N" first); repeat an
# order with `make test PYTEST_ARGS=--randomly-seed=N`.
PYTEST_ARGS ?=
# Most tests wait on real processes (the probe, Zabbix, Prometheus, snmptrapd): three workers on two
# cores halve the wall time. Tests bound by a CPU or wall-clock budget (marker `serial`) run after
# them, alone. `make test TEST_WORKERS=0` runs everything in one process.
TEST_WORKERS ?= 3
CONFIG_ARG := $(if $(DEMO_CONFIG),--config $(DEMO_CONFIG),)
# ru | en: the demo's language (help, logs, mails); default: the locale's (Russian when it is Russian)
DEMO_LANG ?=
LANG_ARG := $(if $(DEMO_LANG),--lang $(DEMO_LANG),)

.PHONY: demo test deps-runtime deps-test venv postgres lint typecheck pytest bench clean translations catalogues

# The living demo: history, then the probe, the pads' simulator, the local mail server and (with a
# display) the console under one supervisor; Ctrl-C stops all of them (README, "The first hour").
demo: deps-runtime venv
	$(VENV)/bin/prolan-probe $(CONFIG_ARG) db init
	$(VENV)/bin/prolan-probe $(CONFIG_ARG) $(LANG_ARG) demo --live

test: deps-test venv postgres
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen PROLAN_REQUIRE_PG=1 $(VENV)/bin/pytest -p randomly -p no:cacheprovider \
		-n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS)
	QT_QPA_PLATFORM=offscreen PROLAN_REQUIRE_PG=1 $(VENV)/bin/pytest -p randomly -p no:cacheprovider \
		-m serial $(PYTEST_ARGS)

deps-runtime:
	@dpkg -s $(DEBIAN_RUNTIME) >/dev/null 2>&1 || { apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBIAN_RUNTIME); }

deps-test:
	@dpkg -s $(DEBIAN_TEST) >/dev/null 2>&1 || { apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBIAN_TEST); }

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,demo]'
	touch $(STAMP)

# PostgreSQL must be up for the tests (they never skip it in CI).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1 || \
		psql -h 127.0.0.1 -U postgres -d postgres -c "create database test"

# The console's translations (Qt Linguist): pylupdate6 (PyQt6) adds new texts of the code to the
# .ts sources (translate them with Qt Linguist or in the XML), lrelease (qt6-l10n-tools) compiles
# the .qm files the console loads. tests/gui/test_translations.py fails while either is stale.
LRELEASE ?= $(shell command -v lrelease || echo /usr/lib/qt6/bin/lrelease)
TS := console/translations/console_ru.ts console/translations/console_en.ts
translations: venv
	$(VENV)/bin/pylupdate6 --no-obsolete console $(foreach ts,$(TS),--ts $(ts))
	$(LRELEASE) -silent $(TS)

# gettext catalogues of the probe and the notifier (probe/i18n.py): new texts into the .po files
# (Russian left to translate), then the .mo files; `check` lists what is untranslated or stale.
catalogues: venv
	$(PY) -m tools.i18n extract
	$(PY) -m tools.i18n compile
	$(PY) -m tools.i18n check

bench: venv postgres
	$(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
