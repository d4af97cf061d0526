# Mobility: the two commands are `make book` and `make test`; each sets up .venv from scratch if needed.
SHELL := /bin/bash
# Python 3.11, 3.12 or 3.13: PYTHON=/path/to/python, else the newest python3.13/python3.12/python3.11/python3 on PATH
# that runs (a pyenv shim for a version that is not selected only prints "command not found" and is skipped).
SUPPORTED := 3.11 3.12 3.13
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,python3.13 python3.12 python3.11 python3,$(shell $(p) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' >/dev/null 2>&1 && command -v $(p))))
endif
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2
# The gravity data kit (real mode): MOBILITY_DATA_DIR if set, else data/external once `make data` has filled it;
# MOBILITY_DATA_DIR= (empty) builds on the embedded synthetic panel.
DATA_DIR := data/external
ifeq ($(origin MOBILITY_DATA_DIR),undefined)
MOBILITY_DATA_DIR := $(if $(wildcard $(DATA_DIR)/.complete),$(abspath $(DATA_DIR)))
endif
export MOBILITY_DATA_DIR
# `make data FROM=DIR` copies the kit from a local mirror instead of downloading it.
FROM ?=
# Byte-identical results: a fixed string-hash seed and one BLAS thread (what Dask workers use too; pyfixest's
# three-way PPML moves in its last digits with the hash seed).
export PYTHONHASHSEED := 6640
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
# Optional Dask scheduler for the variants: make book SCHEDULER=local:2 (or tcp://HOST:8786).
SCHEDULER ?=
VARIANTS_EXEC = $(if $(SCHEDULER),--scheduler $(SCHEDULER),--jobs $(JOBS))

.PHONY: book test figures smoke clean venv lock inventory readme bench help browser-deps lint lint-pages pdf data test-fast

help:
	@echo "make book      set up .venv, run the variants, build the HTML book in _build/html"
	@echo "make test      set up .venv and run the test suite (unit tests, quick notebooks, scorecard)"
	@echo "make pdf       the whole book as one PDF, _build/pdf/mobility.pdf (Debian chromium prints it; no TeX)"
	@echo "make figures   run the figure variants only (python -m mobility variants run)"
	@echo "make smoke     run every variant and page with quick parameters"
	@echo "make lint      ruff (check + format) on the library, tests, benchmarks and page code; mypy on the models"
	@echo "make data      download the gravity data kit into data/external (FROM=DIR: copy it from a local mirror)"
	@echo "make clean     remove _build (keeps .venv)"

venv: $(STAMP)

# Quiet: one line per step; pip's output goes to .venv/install.log, and is printed (less the machine's
# "Location ... is ignored" notes) if a step fails.
PIPQ = $(PY) -m pip install --disable-pip-version-check --no-input
LOG := $(VENV)/install.log
# The kernel logs nothing itself (its TCP-without-encryption notice and the KeyboardInterrupt it logs when a run is
# interrupted are not failures); a failing cell's traceback still reaches the executed notebook and the log.
QUIET_KERNEL = 'import json, sys; p = sys.prefix + "/share/jupyter/kernels/python3/kernel.json"; d = json.load(open(p)); d["argv"][-2:-2] = ["--IPKernelApp.log_level=CRITICAL"]; open(p, "w").write(json.dumps(d, indent=1))'
define step
@printf '%s\n' "$(1)"; { $(2); } >>$(LOG) 2>&1 || { echo "error: $(1) failed; its output (full log: $(LOG)):" >&2; \
  grep -v "is ignored: it is neither a file nor a directory" $(LOG) | tail -n 60 >&2; exit 1; }
endef

$(STAMP): requirements.lock pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "error: Python 3.11, 3.12 or 3.13 is required and none was found on PATH (set PYTHON=/path/to/python3.12)" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v in "$(SUPPORTED)".split() else "error: $(PYTHON) is Python " + v + "; 3.11, 3.12 or 3.13 is required (set PYTHON=)")'
	@mkdir -p $(VENV) && : > $(LOG) && date +%s > $(VENV)/.setup-start
	$(call step,setup: creating $(VENV) with $$($(PYTHON) -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])') ($(PYTHON)),$(PYTHON) -m venv $(VENV))
	$(call step,setup: installing the pinned packages (requirements.lock; a few minutes the first time),$(PIPQ) --upgrade pip==26.3 && $(PIPQ) -r requirements.lock)
	$(call step,setup: installing mobility (editable) and the python3 kernel,$(PIPQ) --no-deps --no-build-isolation -e . && $(PY) -m ipykernel install --sys-prefix --name python3 && $(PY) -c $(QUIET_KERNEL))
	@touch $(STAMP) && echo "setup: $(VENV) ready in $$(( $$(date +%s) - $$(cat $(VENV)/.setup-start) )) s"

figures: $(STAMP)
	$(PY) -m mobility variants run $(VARIANTS_EXEC)

# One line per stage, then how long each took.
book: $(STAMP)
	@t0=$$SECONDS; echo "book: 1/2 variants"; $(PY) -m mobility variants run $(VARIANTS_EXEC) || exit $$?; \
	t1=$$SECONDS; echo "book: 2/2 pages and HTML (jupyter-book)"; $(PY) -m mobility book build --jobs $(JOBS) || exit $$?; \
	t2=$$SECONDS; echo "book: timings: variants $$((t1 - t0)) s, pages and HTML $$((t2 - t1)) s, total $$((t2 - t0)) s"

# The PDF: the single-page build (same execution cache as `make book`) printed by Debian's chromium.
pdf: $(STAMP) browser-deps
	$(PY) -m mobility variants run $(VARIANTS_EXEC)
	$(PY) -m mobility book pdf --jobs $(JOBS)

test: $(STAMP) browser-deps lint
	$(PY) -m pytest

# Habits, enforced: the same checks as .pre-commit-config.yaml.
lint: $(STAMP) lint-pages
	$(VENV)/bin/ruff check lib tests benchmarks
	$(VENV)/bin/ruff format --check lib tests benchmarks
	$(VENV)/bin/mypy

# Page code is linted through jupytext (the Markdown of a MyST notebook is not Python).
lint-pages: $(STAMP)
	@status=0; for f in $$(git ls-files 'book/*.md' 'variants/notebooks/*.md'); do \
	  grep -q '{code-cell}' "$$f" || continue; \
	  $(VENV)/bin/jupytext --quiet --to py:percent -o - "$$f" | \
	    $(VENV)/bin/ruff check --quiet --select F,E7,E9,B,UP --stdin-filename "$$f.py" - || status=1; \
	done; exit $$status

# The unit tests only (no notebook execution, book build or browser): what CI runs on its second Python version.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not build and not browser"

# Debian's chromium for the real-browser tests and the PDF (never a downloaded browser), and poppler-utils
# (pdftotext, pdfinfo) to read the PDF back. Best effort: without root or the Debian registry the browser tests are
# skipped with that reason, not passed.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils) >/dev/null 2>&1; } || \
	  echo "warning: chromium/poppler-utils are not installed and could not be installed; browser tests will be skipped"

data: $(STAMP)
	$(PY) -m mobility data fetch $(if $(FROM),--from $(FROM))

smoke: $(STAMP)
	$(PY) -m mobility smoke --jobs $(JOBS)

inventory: $(STAMP)
	$(PY) -m mobility inventory

readme: $(STAMP)
	$(PY) -m mobility readme

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

lock:
	rm -rf /tmp/mobility-lock && $(PYTHON) -m venv /tmp/mobility-lock
	/tmp/mobility-lock/bin/pip install --quiet -e '.[dev]' && /tmp/mobility-lock/bin/pip freeze --exclude-editable | grep -v '^mobility' > /tmp/mobility-lock.txt
	{ echo "# Exact pins, installed and tested on Python 3.11, 3.12 and 3.13 (generated by \`pip freeze\` in a clean venv;"; \
	  echo "# regenerate with \`make lock\`, then check the other versions: \`pip install --dry-run -r requirements.lock\`)."; \
	  cat /tmp/mobility-lock.txt; } > requirements.lock

clean:
	rm -rf _build book/replication.md book/appendix
