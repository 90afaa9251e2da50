"""The studio as a real server: killed with SIGKILL in the middle of a render and started
again, it keeps its listings and uploads and finishes the render, frame for frame as an
uninterrupted one; and a real browser (Debian's chromium and chromium-driver, driven by
selenium) goes from a new listing to a downloaded ZIP."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SHARED
from test_studio import png

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, port: int):
        self.data, self.port, self.proc = data, port, None
        self.base = f"http://127.0.0.1:{port}"

    def start(self):
        env = dict(os.environ, PYTHONPATH=str(REPO / "workflow"))
        cmd = [sys.executable, "-m", "roomtour", "studio", "--data", str(self.data), "--port", str(self.port)]
        if (SHARED / "weights").is_dir():
            cmd += ["--weights-dir", str(SHARED / "weights")]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                self.get("/api/listings")
                return self
            except OSError:
                time.sleep(0.3)
        raise AssertionError("the studio did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def request(self, method, path, body=None, files=None):
        headers = {}
        data = None
        if files:
            boundary = "roomtourtestboundary"
            parts = []
            for name, content in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                             f"Content-Type: image/png\r\n\r\n".encode() + content + b"\r\n")
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return json.loads(raw) if r.headers.get_content_type() == "application/json" else raw

    def get(self, path):
        return self.request("GET", path)

    def wait(self, job_id, timeout=300, until=("done", "failed", "cancelled")):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(f"/api/jobs/{job_id}")
            if job["state"] in until:
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id}: still {job['state']}")


def decoded(raw: bytes, tmp: Path) -> np.ndarray:
    from roomtour.video import read_video

    tmp.write_bytes(raw)
    return read_video(tmp)


def make_listing(server, address):
    lid = server.request("POST", "/api/listings", {"address": address, "agent": {"name": "Jane Roe"}})["id"]
    server.request("POST", f"/api/listings/{lid}/photos",
                   files=[("a.png", png("living")), ("b.png", png("bedroom")), ("c.png", png("living", 300, 200))])
    server.request("PUT", f"/api/listings/{lid}/options",
                   {"formats": ["16:9", "9:16"], "size": "320x180", "seconds_per_photo": 3, "fps": 12})
    return lid


def test_a_render_killed_with_the_server_finishes_after_a_restart_frame_for_frame(tmp_path):
    server = Server(tmp_path / "data", free_port()).start()
    try:
        lid = make_listing(server, "1 Kill Street")
        job = server.request("POST", f"/api/listings/{lid}/renders")
        running = server.wait(job["id"], until=("running", "done", "failed"))
        end = time.monotonic() + 120
        while not any(running["progress"].values()) and running["state"] == "running" and time.monotonic() < end:
            time.sleep(0.2)
            running = server.get(f"/api/jobs/{job['id']}")
        assert running["state"] == "running", "the render ended before the kill"
        server.kill()
        assert server.proc.returncode == -signal.SIGKILL
        time.sleep(1.0)
        server.start()
        listing = server.get(f"/api/listings/{lid}")
        assert len(listing["photos"]) == 3 and listing["address"] == "1 Kill Street"
        done = server.wait(job["id"])
        assert done["state"] == "done", done["message"]
        # an uninterrupted render of the same listing, for comparison
        other = make_listing(server, "1 Kill Street")
        clean = server.wait(server.request("POST", f"/api/listings/{other}/renders")["id"])
        assert clean["state"] == "done"
        for name in ("1_kill_street-16x9.mp4", "1_kill_street-9x16.mp4"):
            a = decoded(server.get(f"/renders/{done['id']}/{name}"), tmp_path / "a.mp4")
            b = decoded(server.get(f"/renders/{clean['id']}/{name}"), tmp_path / "b.mp4")
            assert a.shape == b.shape and np.array_equal(a, b), name
        assert not list((tmp_path / "data" / "jobs").iterdir())  # the killed attempt's folder is gone
    finally:
        server.stop()


def _browser():
    driver_path = shutil.which("chromedriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not driver_path or not chromium:
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    pytest.importorskip("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1400",
                "--autoplay-policy=no-user-gesture-required", "--mute-audio"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def test_a_browser_from_new_listing_to_downloaded_zip(tmp_path):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _browser()
    shots = Path(os.environ.get("ROOMTOUR_STUDIO_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    server = Server(tmp_path / "data", free_port()).start()
    photos = SHARED / "data" / "interior_photos" / "cami2v_postprocessing_re10k"
    if not photos.is_dir():
        pytest.skip(f"{photos} not available")
    try:
        wait = WebDriverWait(driver, 60)
        driver.get(server.base + "/")
        form = driver.find_element(By.ID, "new-listing")
        form.find_element(By.NAME, "address").send_keys("12 Oak Street <b>")
        form.find_element(By.NAME, "price").send_keys("$450,000")
        form.find_element(By.NAME, "agent_name").send_keys("Jane Roe")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: "/listings/" in d.current_url)
        files = driver.find_element(By.ID, "files")
        files.send_keys("\n".join(str(photos / n) for n in ("bed.png", "couch.png", "bathroom.png")))
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#photos .photo")) == 3)
        captions = [e.get_attribute("value") for e in driver.find_elements(By.CSS_SELECTOR, "#photos .caption")]
        assert captions == ["Bedroom", "Living room", "Bathroom"]  # in the order chosen
        # reorder: drag the last photo first (HTML5 drag and drop, dispatched as the browser would)
        items = driver.find_elements(By.CSS_SELECTOR, "#photos .photo")
        driver.execute_script("""
            const [src, dst] = arguments; const dt = new DataTransfer();
            src.dispatchEvent(new DragEvent('dragstart', {dataTransfer: dt, bubbles: true}));
            const r = dst.getBoundingClientRect();
            dst.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, clientX: r.left + 2, clientY: r.top + 2}));
            src.dispatchEvent(new DragEvent('dragend', {dataTransfer: dt, bubbles: true}));""", items[2], items[0])
        lid = driver.find_element(By.ID, "listing").get_attribute("data-id")
        wait.until(lambda d: server.get(f"/api/listings/{lid}")["photos"][0]["original"] == "bathroom.png")
        first = driver.find_elements(By.CSS_SELECTOR, "#photos .caption")[0]
        first.clear()
        first.send_keys("Spa bathroom <script>")
        driver.find_element(By.ID, "drop").click()  # blur: the change is saved
        wait.until(lambda d: server.get(f"/api/listings/{lid}")["photos"][0]["caption"] == "Spa bathroom <script>")
        driver.save_screenshot(str(shots / "listing.png"))
        form = driver.find_element(By.ID, "render")
        size = form.find_element(By.NAME, "size")
        size.send_keys("320x180")
        spp = form.find_element(By.NAME, "seconds_per_photo")
        spp.clear()
        spp.send_keys("2")
        for box in form.find_elements(By.CSS_SELECTOR, "input[name=formats]"):
            if (box.get_attribute("value") in ("16:9", "9:16")) != box.is_selected():
                box.click()
        form.find_element(By.NAME, "unbranded").click() if not form.find_element(By.NAME, "unbranded").is_selected() else None
        driver.find_element(By.ID, "render-button").click()
        seen = set()

        def finished(d):
            try:
                for bar in d.find_elements(By.CSS_SELECTOR, "#jobs progress"):
                    seen.add((bar.get_attribute("data-format"), int(float(bar.get_attribute("value")))))
            except StaleElementReferenceException:  # the page redraws the bars every second
                pass
            errors = d.find_element(By.ID, "render-error").text
            assert not errors, errors
            return d.find_elements(By.CSS_SELECTOR, "#results video")

        try:
            WebDriverWait(driver, 300, poll_frequency=0.3).until(finished)
        finally:
            driver.save_screenshot(str(shots / "render.png"))
        assert any(v > 0 for _, v in seen)  # the bars moved while it rendered
        job = server.get(f"/api/listings/{lid}")["last_render"]
        assert job["progress"] == {"16:9": 1.0, "9:16": 1.0}
        video = driver.find_elements(By.CSS_SELECTOR, "#results video")[0]
        driver.execute_script("arguments[0].muted = true; arguments[0].play();", video)
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return arguments[0].currentTime", video) > 0.3)
        driver.save_screenshot(str(shots / "results.png"))
        href = driver.find_element(By.ID, "zip").get_attribute("href")
        zip_path = tmp_path / "all.zip"
        zip_path.write_bytes(server.get(href.replace(server.base, "")))
        with zipfile.ZipFile(zip_path) as z:
            names = set(z.namelist())
        assert {"12_oak_street_b-16x9.mp4", "12_oak_street_b-16x9-unbranded.mp4", "12_oak_street_b-9x16.mp4",
                "12_oak_street_b-9x16-unbranded.mp4"} <= names
        assert "&lt;script&gt;" in driver.page_source or "<script>" not in driver.find_element(By.ID, "photos").get_attribute("innerHTML")
        driver.get(server.base + "/")
        driver.save_screenshot(str(shots / "index.png"))
    finally:
        driver.quit()
        server.stop()
