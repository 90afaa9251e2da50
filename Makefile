# roomtour: the commands README.md gives.
.PHONY: setup run study learned restoration test test-fast lint bench clean

VENV := .venv
BIN := $(VENV)/bin

setup:
	bash scripts/install.sh

# The main job: the default workflow on the embedded procedural rooms.
run: setup
	$(BIN)/snakemake --workflow-profile config/profiles/default --cores 2

# The 6 photos x 3 CamI2V motions grid (needs ../shared beside the repo).
study: setup
	$(BIN)/snakemake --workflow-profile config/profiles/default --cores 2 --configfile config/study.yaml

# The default grid with FSRCNN as the upscaler (weights from ../shared/weights).
learned: setup
	$(BIN)/snakemake --workflow-profile config/profiles/default --cores 2 --configfile config/learned.yaml

# Synthetic-degradation benchmark of the upscalers on RealEstate10K clips.
restoration: setup
	$(BIN)/roomtour --threads 2 restoration config/restoration.yaml --out results/restoration

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

lint:
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf results/* .snakemake
