# roomtour: the commands README.md gives.
.PHONY: setup run study learned restoration re10k re10k-chains train-fastdvdnet test test-fast lint bench clean

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

# Synthetic-degradation benchmark of the upscalers and denoisers on RealEstate10K clips.
restoration: setup
	$(BIN)/roomtour --threads 2 restoration config/restoration.yaml --out results/restoration

# Generators (static, homography, parallax) against the real frames of RealEstate10K clips.
re10k: setup
	$(BIN)/roomtour --threads 1 suite config/re10k.yaml --out results/re10k

# The same clips generated at half size, with every post-processing chain compared at full size.
re10k-chains: setup
	$(BIN)/roomtour --threads 2 suite config/re10k_chains.yaml --out results/re10k_chains

# Retrain roomtour's FastDVDnet weights (use a GPU: ~4 min on an H100, hours on 2 CPU cores).
train-fastdvdnet: setup
	$(BIN)/snakemake --workflow-profile config/profiles/default --cores 2 train_fastdvdnet

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
