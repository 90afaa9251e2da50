"""End-to-end runs of the Snakemake workflow on the small test config."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.slow
TEST_CONFIG = REPO / "config" / "test.yaml"


def snakemake(workdir, *args, configfile=TEST_CONFIG):
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "2",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


def job_counts(dry_run_output: str) -> dict:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    table = dry_run_output.split("Job stats:")[1]
    counts = {}
    for line in table.splitlines()[3:]:
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not m:
            break
        counts[m.group(1)] = int(m.group(2))
    return counts


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("run")
    proc = snakemake(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (work / "snakemake.log").write_text(proc.stdout + proc.stderr)
    return work


def test_gpu_capable_jobs_run_side_by_side_on_a_host_without_a_gpu(finished_run):
    # the test config denoises with fastdvdnet, a GPU-capable method: on a host
    # with no GPU its jobs must not queue behind the profile's gpu=1
    from roomtour.jobenv import host_has_gpu

    if host_has_gpu():
        pytest.skip("this host has a GPU: the jobs keep gpu=1")
    blocks = (finished_run / "snakemake.log").read_text().split("rule denoise:")[1:]
    assert blocks
    for block in blocks:
        line = next(line for line in block.splitlines() if "resources:" in line)
        assert "gpu=0" in line, line


def test_grid_outputs_and_summary(finished_run):
    res = finished_run / "results"
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    chains = cfg["chains"] + ["frozen"]
    for motion in cfg["motions"]:
        for chain in chains:
            rows = pd.read_csv(res / "metrics" / "bedroom" / motion / f"{chain}.csv")
            assert len(rows) == cfg["video"]["frames"]
            assert set(rows.chain) == {chain}
        for chain in cfg["chains"]:
            assert (res / "videos" / "bedroom" / motion / f"{chain}.mp4").stat().st_size > 0
        assert (res / "figures" / "contact" / "bedroom" / f"{motion}.png").stat().st_size > 0
    summary = pd.read_csv(res / "summary.csv")
    assert list(summary.chain) == chains
    assert (summary.n == len(cfg["motions"])).all()
    frozen = summary.set_index("chain").loc["frozen"]
    assert frozen.temporal_ssim_mean == pytest.approx(1.0)
    assert np.isinf(frozen.temporal_psnr_mean)
    # the frozen video is a poor rendition of a moving camera: ground truth says so
    raw = summary.set_index("chain").loc["raw"]
    assert frozen.ref_psnr_mean < raw.ref_psnr_mean
    md = (res / "summary.md").read_text()
    assert "proxy" in md and "| frozen |" in md and "Paired difference to raw" in md
    assert (res / "figures" / "metrics.png").stat().st_size > 0
    diffs = pd.read_csv(res / "paired_differences.csv")
    assert set(diffs.chain) == set(chains) - {"raw"}
    # each video says what post-processed it, with which arithmetic and device, steps in chain order
    done = pd.read_csv(res / "per_video.csv", keep_default_na=False).set_index(["motion", "chain"]).processing
    fastdvdnet = r"denoise: fastdvdnet (fp32|bf16|fp16) (cpu|cuda\S*)"
    for motion in cfg["motions"]:
        assert done[motion, "raw"] == done[motion, "frozen"] == ""
        assert re.fullmatch(fastdvdnet, done[motion, "dn"])
        assert done[motion, "up"] == "upscale: lanczos x2"
        assert re.fullmatch(fastdvdnet + "; upscale: lanczos x2", done[motion, "dn-up"])
        assert done[motion, "up-dn"] == done[motion, "dn-up"]
    assert "`up`: upscale: lanczos x2 ·" in md and "`dn-up`, `up-dn`: denoise: fastdvdnet" in md


def test_chains_are_built_from_cached_intermediates(finished_run):
    from roomtour.video import read_video

    v = finished_run / "results" / "videos" / "bedroom" / "pan_left"
    raw, dn, up, dn_up, up_dn = (read_video(v / f"{c}.mkv") for c in ["raw", "dn", "up", "dn-up", "up-dn"])
    assert dn.shape == raw.shape and up.shape[1:3] == (2 * raw.shape[1], 2 * raw.shape[2])
    assert dn_up.shape == up.shape == up_dn.shape
    # dn-up is exactly upscale(dn): redo the step from the cached dn video
    from roomtour.upscalers import UPSCALERS

    again = UPSCALERS.create("lanczos").upscale(dn, 2)
    assert np.abs(again.astype(int) - dn_up.astype(int)).max() <= 1  # the job may have used other threads
    ref = read_video(finished_run / "results" / "reference" / "bedroom" / "pan_left.mkv")
    assert ref.shape == up.shape


def test_nothing_to_do_after_a_finished_run(finished_run):
    proc = snakemake(finished_run, "-n")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_denoise_settings_reruns_only_the_denoise_branches(finished_run, tmp_path):
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["denoise"]["options"]["sigma"] = 20
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    proc = snakemake(finished_run, "-n", configfile=changed)
    assert proc.returncode == 0, proc.stderr[-2000:]
    counts = job_counts(proc.stdout)
    n_motions = len(cfg["motions"])
    assert counts["denoise"] == 2 * n_motions  # dn and up-dn
    assert counts["upscale"] == n_motions  # dn-up only: up is untouched
    assert counts["metrics"] == 3 * n_motions  # dn, dn-up, up-dn
    for untouched in ("generate", "render_reference", "prepare_input", "camera_path", "freeze"):
        assert untouched not in counts


def test_bad_photo_fails_its_branch_with_one_line_and_keeps_the_rest(tmp_path):
    from roomtour.images import write_image

    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    write_image(photos / "good.png", rng.integers(0, 256, (60, 90, 3), dtype=np.uint8))
    (photos / "broken.jpg").write_text("not an image")
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["images"] = {"directory": str(photos)}
    cfg["motions"] = {"look_left": cfg["motions"]["look_left"]}
    cfg_path = tmp_path / "photos.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    work = tmp_path / "run"
    proc = snakemake(work, "--keep-going", configfile=cfg_path)
    assert proc.returncode != 0
    log = (work / "results" / "logs" / "prepare_input" / "broken.log").read_text().strip().splitlines()
    assert log[-1] == f"roomtour: error: {photos / 'broken.jpg'}: not a decodable image (OpenCV cannot read it)"
    assert not (work / "results" / "inputs" / "broken.png").exists()
    # the good photo's branch finished, with temporal metrics only (no ground truth for photos)
    good = pd.read_csv(work / "results" / "metrics" / "good" / "look_left" / "up-dn.csv")
    assert good.ref_psnr.isna().all() and good.temporal_psnr.notna().sum() == cfg["video"]["frames"] - 1
    # and the summary covers what finished and lists what failed, and why
    videos = pd.read_csv(work / "results" / "per_video.csv")
    assert set(videos.image) == {"good"}
    md = (work / "results" / "summary.md").read_text()
    assert "## Not finished" in md and "| broken | look_left |" in md and "not a decodable image" in md


def test_a_missing_depth_file_fails_only_its_image(tmp_path):
    photos = tmp_path / "photos"
    depths = tmp_path / "depths"
    photos.mkdir()
    depths.mkdir()
    from roomtour.images import write_image

    rng = np.random.default_rng(1)
    for name in ("a", "b"):
        write_image(photos / f"{name}.png", rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    np.save(depths / "a.npy", np.full((48, 64), 3.0, np.float32))  # b has none
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["images"] = {"directory": str(photos)}
    cfg["motions"] = {"pan_left": cfg["motions"]["pan_left"]}
    cfg["chains"] = ["raw"]
    cfg["generate"] = {"method": "parallax", "options": {"depth": {"source": "file", "directory": str(depths),
                                                                    "pattern": "{image}.npy"}}}
    cfg_path = tmp_path / "depth.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    work = tmp_path / "run"
    proc = snakemake(work, "--keep-going", configfile=cfg_path)
    assert proc.returncode != 0  # b failed ...
    assert (work / "results" / "metrics" / "a" / "pan_left" / "raw.csv").is_file()  # ... a did not wait for it
    log = (work / "results" / "logs" / "generate" / "b" / "pan_left.log").read_text().strip().splitlines()
    assert log[-1] == f"roomtour: error: {depths / 'b.npy'}: depth file not found"
    assert "depth file not found" in (work / "results" / "summary.md").read_text()


def test_tour_target_caches_shots_and_changing_the_music_only_remuxes(tmp_path):
    import wave

    from roomtour.camera import preset_path
    from roomtour.scenes import get_scene, render_frame
    from roomtour.images import write_image
    from roomtour.video import probe

    photos = tmp_path / "listing"
    photos.mkdir()
    cam = preset_path("stationary", 1, 60, 16 / 9)
    for i, scene in enumerate(["living", "bedroom"]):
        write_image(photos / f"{i}_{scene}.png", render_frame(get_scene(scene), cam.w2c[0], cam.intrinsics[0],
                                                              256, 144)[0])
    for name, freq in (("one.wav", 440), ("two.wav", 330)):
        with wave.open(str(tmp_path / name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes((np.sin(2 * np.pi * freq * np.arange(8000 * 3) / 8000) * 5000).astype(np.int16).tobytes())
    cfg = {"tours": {"oak": {"photos": str(photos), "formats": ["16:9", "9:16"], "seconds_per_photo": 1, "fps": 8,
                             "crossfade": 0.25, "size": "96x54", "title": "12 Oak Street",
                             "price": "$450,000", "unbranded": True, "music": str(tmp_path / "one.wav")}}}
    cfg_path = tmp_path / "tour.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    work = tmp_path / "run"
    proc = snakemake(work, configfile=cfg_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for fmt in ("16x9", "9x16", "16x9-unbranded", "9x16-unbranded"):
        info = probe(work / "results" / "tours" / "oak" / f"{fmt}.mp4")
        assert info["audio"]["codec"] == "aac" and info["video"]["codec"] == "h264"
        assert info["video"]["profile"] == "High" and info["audio"]["sample_rate"] == 48000
    assert len(list((work / "results" / "tours" / "oak" / "16x9" / "shots").glob("*.mp4"))) == 2
    from roomtour.images import read_image

    for stem in ("16x9", "9x16-unbranded"):
        assert read_image(work / "results" / "tours" / "oak" / f"{stem}.jpg").shape[:2] in ((54, 96), (96, 54))
        assert read_image(work / "results" / "tours" / "oak" / f"{stem}.contact.png").std() > 5
    # the twins come from the same shots; the badge is on the branded one only
    from roomtour.video import read_video

    branded = read_video(work / "results" / "tours" / "oak" / "16x9.mp4").astype(int)
    unbranded = read_video(work / "results" / "tours" / "oak" / "16x9-unbranded.mp4").astype(int)
    assert branded.shape == unbranded.shape
    assert np.abs(branded - unbranded)[24:30, :16, :40].max() > 60  # 2.5 s title card, then the badge
    cfg["tours"]["oak"]["music"] = str(tmp_path / "two.wav")
    cfg_path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(work, "-n", configfile=cfg_path).stdout)
    assert counts == {"tour_mux": 4, "all": 1, "total": 5}
    # no poster or contact sheet where the listing asks for none, and the videos do not change
    cfg["tours"]["oak"].update(poster=False, contact_sheet=False)
    cfg_path.write_text(yaml.safe_dump(cfg))
    assert job_counts(snakemake(work, "-n", configfile=cfg_path).stdout) == counts
    fresh = job_counts(snakemake(tmp_path / "fresh", "-n", configfile=cfg_path).stdout)
    assert "tour_poster" not in fresh and "tour_contact_sheet" not in fresh and fresh["tour_video"] == 4


def test_invalid_config_stops_with_one_clear_line(tmp_path):
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["video"]["frames"] = 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    proc = snakemake(tmp_path / "run", "-n", configfile=bad)
    assert proc.returncode != 0
    assert f"roomtour: {bad}: video.frames: 1 is less than the minimum of 2" in proc.stdout + proc.stderr


@pytest.mark.parametrize("method", ["fsrcnn", "realesr-animevideov3"])
def test_learned_up_job_in_the_small_config(tmp_path, method):
    from conftest import shared_path
    from roomtour.video import read_video

    weights = shared_path("weights")
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["upscale"] = {"method": method, "scale": 2}
    cfg["weights_dir"] = str(weights)
    cfg_path = tmp_path / "learned.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    work = tmp_path / "run"
    target = "results/metrics/bedroom/look_left/up.csv"
    proc = snakemake(work, target, configfile=cfg_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    up = read_video(work / "results" / "videos" / "bedroom" / "look_left" / "up.mkv")
    assert up.shape[1:3] == (2 * cfg["video"]["height"], 2 * cfg["video"]["width"])
    rows = pd.read_csv(work / target)
    assert rows.ref_psnr.iloc[1:].gt(15).all()  # a real upscale of the scene, compared with ground truth
    assert method in (work / "results" / "logs" / "upscale" / "bedroom" / "look_left" / "up.log").read_text()


def _snapshot(work):
    """Every finished output of the grid (videos, metrics, inputs, paths) -> mtime."""
    res = work / "results"
    return {p: p.stat().st_mtime_ns for sub in ("videos", "metrics", "inputs", "paths", "reference")
            for p in (res / sub).rglob("*") if p.is_file() and not p.name.startswith(".")}


def _incomplete(work) -> set:
    """Files snakemake itself marks incomplete (a dry run without --rerun-incomplete lists them)."""
    proc = snakemake(work, "-n")
    text = proc.stdout + proc.stderr
    if "IncompleteFilesException" not in text:
        return set()
    block = text.split("seem to be incomplete")[1]
    return {(work / line.strip()).resolve() for line in block.splitlines() if line.strip().startswith("results/")}


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_interrupted_run_resumes_to_identical_results_without_redoing_finished_jobs(finished_run, tmp_path, sig):
    import os
    import signal
    import time

    from roomtour.video import read_video

    work = tmp_path / "run"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(TEST_CONFIG), "--cores", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    # interrupt in the middle: some metrics written, the grid not finished
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((work / "results" / "metrics").rglob("*.csv"))) >= 3:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    if sig == "SIGINT":
        proc.send_signal(signal.SIGINT)
    else:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole job tree, as a power cut would
    proc.wait(timeout=120)
    before = _snapshot(work)
    # no half-written video under a final name: every one decodes completely
    frames = yaml.safe_load(TEST_CONFIG.read_text())["video"]["frames"]
    for path in before:
        if path.suffix == ".mkv":
            assert len(read_video(path)) == frames, path
    if sig == "SIGKILL":
        # a killed snakemake cannot release its lock; the documented recovery is --unlock
        assert snakemake(work, "--unlock").returncode == 0
    incomplete = _incomplete(work)
    rerun = snakemake(work, "--rerun-incomplete")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    redone = {p.resolve() for p, mtime in before.items() if p.exists() and p.stat().st_mtime_ns != mtime}
    assert redone <= incomplete, f"finished outputs were recomputed: {sorted(redone - incomplete)[:5]}"
    assert len(before) > len(redone)  # there was finished work to keep
    got = pd.read_csv(work / "results" / "per_video.csv").sort_values(["image", "motion", "chain"])
    want = pd.read_csv(finished_run / "results" / "per_video.csv").sort_values(["image", "motion", "chain"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_gpu_methods_are_wired_with_gpu_tags_and_depth_inputs(tmp_path):
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["generate"] = {"method": "svd", "options": {"depth": {"source": "procedural"}, "strength": 0.5}}
    cfg["upscale"] = {"method": "sd-x4", "scale": 4}
    path = tmp_path / "gpu.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = snakemake(tmp_path / "run", "-n", configfile=path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    counts = job_counts(out)
    assert counts["render_depth"] == 1  # svd renders with parallax from the exact depth

    def resources(rule):  # the resources line of the rule's first job in the dry run
        block = out.split(f"rule {rule}:")[1].split("\n[")[0]
        return next(line for line in block.splitlines() if "resources:" in line)

    for rule in ("generate", "upscale", "denoise"):
        assert "gpu=1" in resources(rule), (rule, resources(rule))
    assert "gpu" not in resources("freeze")


def test_the_configs_min_visible_reaches_the_fit_framing_of_a_generated_video(tmp_path):
    # issue 31: generate.min_visible reached only the summary; fit framing used the CLI's default
    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    cfg["generate"] = {"method": "parallax", "options": {"depth": {"source": "procedural"}}, "framing": "fit"}
    cfg["motions"] = {"look_left": {"preset": "look_left", "params": {"angle_deg": 25}}}
    framings = {}
    for share in (0.8, 0.99):
        cfg["generate"]["min_visible"] = share
        path = tmp_path / f"cfg{share}.yaml"
        path.write_text(yaml.safe_dump(cfg))
        work = tmp_path / f"run{share}"
        target = "results/coverage/bedroom/look_left.csv"
        proc = snakemake(work, target, configfile=path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        table = pd.read_csv(work / target)
        framings[share] = (float(table.zoom[0]), float(table.damping[0]), float(table.visible.min()))
    loose, tight = framings[0.8], framings[0.99]
    assert tight[2] >= 0.99 - 0.01 and loose[2] >= 0.8 - 0.01
    # a tighter budget narrows the view or damps the turn more: the framing follows the config
    assert (tight[0], -tight[1]) > (loose[0], -loose[1]), framings
