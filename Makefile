# roomtour: the commands README.md gives. Every target installs .venv first (scripts/install.sh),
# and calls the venv's programs by path, so nothing needs an activated environment.
.PHONY: setup run study study-exact learned tour restoration restoration-hd re10k re10k-chains depth-share \
	hole-fill train-fastdvdnet finetune-fastdvdnet studio test test-fast lint bench clean

VENV := .venv
BIN := $(VENV)/bin
SNAKEMAKE := $(BIN)/snakemake --workflow-profile config/profiles/default --cores 2

setup:
	bash scripts/install.sh

# The main job: the default workflow on the embedded procedural rooms (results/).
run: setup
	$(SNAKEMAKE)

# The 6 photos x 3 CamI2V motions grid in fit framing (needs ../shared beside the repo; results/study/).
study: setup
	$(SNAKEMAKE) --configfile config/study.yaml

# The same photos along CamI2V's paths as given, raw videos only (results/study_exact/).
study-exact: setup
	$(SNAKEMAKE) --configfile config/study_exact.yaml

# The default grid with FSRCNN as the upscaler (weights from ../shared/weights; results/learned/).
learned: setup
	$(SNAKEMAKE) --configfile config/learned.yaml

# Property tours of a photo folder, 16:9 and 9:16 (results/tour/tours/).
tour: setup
	$(SNAKEMAKE) --configfile config/tour.yaml

# Synthetic-degradation benchmark of the upscalers and denoisers on RealEstate10K clips (384x256).
restoration: setup
	$(BIN)/roomtour --threads 2 restoration config/restoration.yaml --out results/restoration

# The denoising benchmark at 1280x720 (held-out study photos moved along camera paths).
restoration-hd: setup
	$(BIN)/roomtour --threads 2 restoration config/restoration_hd.yaml --out results/restoration_hd --only dn

# Generators (static, homography, parallax, popup) against the real frames of RealEstate10K clips.
re10k: setup
	$(BIN)/roomtour --threads 1 suite config/re10k.yaml --out results/re10k

# The same clips generated at half size, with every post-processing chain compared at full size.
re10k-chains: setup
	$(BIN)/roomtour --threads 2 suite config/re10k_chains.yaml --out results/re10k_chains

# Exact vs estimated depth on the procedural rooms with furniture; hole filling against exact renders.
depth-share: setup
	$(BIN)/python scripts/benchmarks/depth_share.py

hole-fill: setup
	$(BIN)/python scripts/benchmarks/hole_fill.py

# Retrain roomtour's FastDVDnet v1 weights from scratch (a GPU: ~4 min on an H100; days on 2 CPU cores).
train-fastdvdnet: setup
	$(SNAKEMAKE) train_fastdvdnet

# The v2 fine-tune (native-resolution patches, 8-bit noise, strength mismatch; ~45 min on 2 CPU cores).
finetune-fastdvdnet: setup
	$(BIN)/roomtour --threads 2 train-denoiser config/fastdvdnet_finetune.yaml --data-root ../shared/data \
		--out results/training/fastdvdnet-roomtour-v2.safetensors

# The web page for agents: open http://localhost:8000/ (data in studio-data/; Ctrl-C stops it).
studio: setup
	$(BIN)/roomtour studio

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

bench: setup
	$(BIN)/python scripts/benchmarks/bench.py

clean:
	rm -rf results/* .snakemake
