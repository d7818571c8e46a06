# Everyday commands. GNU make; needs only Python 3.11+ on a fresh clone.
#
#   make run        install, compile translations, migrate, load the demo, serve :5000
#   make test       install, compile translations, run pytest: the tests without a browser in
#                   TEST_WORKERS processes, then the browser tests (PYTEST_ARGS="-k foo -x":
#                   one run of those)
#   make lint       ruff, and the import contracts of the floors (ARCHITECTURE.md)
#   make i18n       extract messages, update (or create) the es/fr/pt catalogs, compile
#   make serve      gunicorn with 4 workers on 127.0.0.1:8000, production settings
#                   (LMS_SECRET_KEY, LMS_PUBLIC_URL ... see README; for a proxy in front)
#   make bench      the exam-rush, gradebook and certificates benchmarks (tables, not tests)
#   make migration MESSAGE="what changed"   autogenerate the next Alembic revision
#   make clean      caches and compiled catalogs; `make distclean` also drops .venv

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml is newer than the last install.
STAMP := $(VENV)/.installed-stamp

LOCALES := es fr pt
PO_FILES := $(foreach locale,$(LOCALES),translations/$(locale)/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
POT := translations/messages.pot
# Keep in step with tests/web/test_translations.py, which extracts the same way.
EXTRACT_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

PYTEST_ARGS ?=
# The suite's processes: two cores share the tests without a browser; the browser tests
# then run alone, as a server and Chromium under a second worker's load time out.
TEST_WORKERS ?= 2

.PHONY: run test lint i18n serve bench clean distclean install translations migration

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

# One rule per catalog: a .po newer than its .mo (or a missing .mo) is compiled.
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile -d translations -l $*

translations: $(MO_FILES)

# Development explicitly: the caller's LMS_ENV (say, production) is not for the demo.
run: install translations
	LMS_ENV=development $(BIN)/lms db upgrade
	LMS_ENV=development $(BIN)/lms demo --if-empty
	LMS_ENV=development $(BIN)/lms run --host 127.0.0.1 --port 5000

test: install translations
ifeq ($(strip $(PYTEST_ARGS)),)
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not browser"
	$(BIN)/pytest -m browser
else
	$(BIN)/pytest $(PYTEST_ARGS)
endif

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

i18n: install
	$(BIN)/pybabel extract -F babel.cfg $(EXTRACT_KEYWORDS) --add-comments=TRANSLATORS: \
		--project="OAS Training and Certification" -o $(POT) .
	@for locale in $(LOCALES); do \
		po=translations/$$locale/LC_MESSAGES/messages.po; \
		if [ -f $$po ]; then \
			$(BIN)/pybabel update -i $(POT) -d translations -l $$locale \
				--no-fuzzy-matching --ignore-obsolete || exit 1; \
		else \
			$(BIN)/pybabel init -i $(POT) -d translations -l $$locale || exit 1; \
		fi; \
	done
	$(BIN)/pybabel compile -d translations

# wsgi.py defaults to production: without its settings the server refuses to start.
serve: install translations
	$(BIN)/gunicorn -w 4 --worker-class gthread --threads 4 -b 127.0.0.1:8000 wsgi:app

# Benchmarks print tables; they are not tests (see bench/README.md).
bench: install translations
	$(BIN)/python bench/exam_rush.py
	$(BIN)/python bench/exam_rush.py --kill-worker
	$(BIN)/python bench/gradebook.py
	$(BIN)/python bench/certificates.py
	$(BIN)/python bench/db_restart.py

# The next revision: the difference between the models and a temporary SQLite
# database upgraded to the head. Review the file afterwards;
# tests/web/test_migrations.py checks it on SQLite and PostgreSQL.
migration: install
	@test -n "$(MESSAGE)" || { echo 'usage: make migration MESSAGE="what changed"'; exit 2; }
	tmp=$$(mktemp -d) && \
	LMS_ENV=development LMS_DATABASE_URL=sqlite:///$$tmp/head.db LMS_INSTANCE_PATH=$$tmp \
		$(BIN)/lms db upgrade && \
	LMS_ENV=development LMS_DATABASE_URL=sqlite:///$$tmp/head.db LMS_INSTANCE_PATH=$$tmp \
		$(BIN)/lms db migrate -m "$(MESSAGE)" && \
	rm -rf $$tmp

clean:
	rm -f $(MO_FILES) $(POT)
	rm -rf .pytest_cache .ruff_cache build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
