"""A tour run delivers everything it promised or leaves everything as it was: one transaction
over every format (a failed format, Ctrl-C, SIGTERM), only files it owns replaced, and only the
photos the tour shows decoded."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, room_photo
from roomtour.errors import RoomtourError
from roomtour.images import write_image
from roomtour.tour import TourOptions, render_tour
from roomtour.tour.outputs import MANIFEST


@pytest.fixture
def listing(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, scene in enumerate(["living", "bedroom", "living"]):
        write_image(folder / f"{i + 1:02d}_{scene}.png", room_photo(scene, 320 - 20 * i, 180))
    return folder


def options(**kw):
    base = dict(formats=["16:9", "9:16"], seconds_per_photo=1.0, fps=12, crossfade=0.25, resolution=(128, 72),
                title="12 Oak Street", agent_name="Jane Roe", unbranded=True)
    base.update(kw)
    return TourOptions(**base)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_a_failed_format_leaves_the_previous_set_as_it_was_and_no_temp_file(listing, tmp_path, monkeypatch):
    from roomtour.tour import deliver

    out = tmp_path / "out" / "oak.mp4"
    render_tour(listing, out, options())
    before = snapshot(out.parent)
    assert len([n for n in before if n.endswith(".mp4")]) == 4
    real = deliver.contact_sheet

    def failing(tiles, *a, **k):  # the 9:16 contact sheet fails, after 16:9 has finished
        if tiles and tiles[0][1].shape[0] > tiles[0][1].shape[1]:
            raise RoomtourError("oak-9x16.contact.png", "the disk is full")
        return real(tiles, *a, **k)

    monkeypatch.setattr(deliver, "contact_sheet", failing)
    monkeypatch.setattr(deliver, "_cores", lambda: 2)  # each format in its own worker process
    with pytest.raises(RoomtourError) as err:
        render_tour(listing, out, options(title="A new title"))
    assert str(err.value) == "oak-9x16.contact.png: the disk is full"  # crossed the process whole
    assert snapshot(out.parent) == before  # not a mixed set: 16:9 was not replaced either
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == [MANIFEST]


def test_the_run_replaces_only_what_roomtour_wrote(listing, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.mp4").write_text("my notes")
    (folder / "notes.jpg").write_bytes(b"a photo of mine")
    opts = options(formats=["16:9"], unbranded=False)
    with pytest.raises(RoomtourError, match=r"notes.mp4: exists and was not made by roomtour.*--overwrite"):
        render_tour(listing, folder / "notes.mp4", opts)
    assert (folder / "notes.mp4").read_text() == "my notes" and (folder / "notes.jpg").read_bytes() == b"a photo of mine"
    render_tour(listing, folder / "tour.mp4", opts)
    render_tour(listing, folder / "tour.mp4", options(formats=["16:9"], unbranded=False, title="Again"))  # its own
    (folder / "tour.jpg").write_bytes(b"edited by hand")  # changed since: no longer roomtour's to replace
    with pytest.raises(RoomtourError, match="tour.jpg: exists and was not made by roomtour"):
        render_tour(listing, folder / "tour.mp4", opts)
    render_tour(listing, folder / "notes.mp4", options(formats=["16:9"], unbranded=False, overwrite=True))
    assert (folder / "notes.mp4").read_bytes()[4:8] == b"ftyp"


def test_an_output_inside_the_photo_folder_is_refused(listing):
    with pytest.raises(RoomtourError, match="inside the photo folder"):
        render_tour(listing, listing / "tours" / "oak.mp4", options(formats=["16:9"]))
    assert not (listing / "tours").exists() or not any((listing / "tours").iterdir())


def test_only_the_photos_the_tour_shows_are_decoded(tmp_path, monkeypatch):
    from roomtour import images

    folder = tmp_path / "many"
    folder.mkdir()
    photo = room_photo("living", 160, 90)
    for i in range(12):
        write_image(folder / f"{i:02d}_room.png", photo if i % 2 else photo[:, ::-1].copy())
    write_image(folder / "03_room.png", photo)
    (folder / "01_room.png").write_bytes(b"broken")  # among the first: replaced by the next one
    decoded = []
    real = images.read_image
    monkeypatch.setattr(images, "read_image", lambda p, *a, **k: decoded.append(p.name) or real(p, *a, **k))
    opts = options(formats=["16:9"], length=7.0, min_seconds_per_photo=1.0, title="", agent_name="")
    report = render_tour(folder, tmp_path / "t.mp4", opts)
    shown = [s["photo"] for s in report["shots"]]
    assert "01_room.png" not in shown and len(shown) < 12
    assert set(decoded) == set(shown) | {"01_room.png"}  # nothing else was decoded


@pytest.mark.slow
@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "stopped")])
def test_an_interrupted_multi_format_run_ends_at_once_with_one_line(listing, tmp_path, sig, code, word):
    out = tmp_path / "out" / "oak.mp4"
    cmd = [sys.executable, "-m", "roomtour", "tour", str(listing), "-o", str(out), "--format", "16:9,9:16",
           "--size", "640x360", "--seconds-per-photo", "4", "--unbranded", "--depth", "layout"]
    env = dict(os.environ, PYTHONPATH=str(REPO / "workflow"), ROOMTOUR_PROGRESS_SECONDS="0.2")
    subprocess.run(cmd[:-2] + ["--size", "128x72", "--seconds-per-photo", "1"], env=env, check=True,
                   capture_output=True)  # a previous complete set
    before = snapshot(out.parent)
    proc = subprocess.Popen(cmd + ["--title", "Second"], env=env, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "frame" in line:  # rendering in the format workers
            break
    sent = time.monotonic()
    proc.send_signal(sig)
    rest = proc.stderr.read()
    proc.wait(10)
    assert time.monotonic() - sent <= 2.0
    assert proc.returncode == code
    lines = [ln for ln in rest.splitlines() if not ln.startswith("tour: ")]
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in rest, rest
    assert snapshot(out.parent) == before
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == [MANIFEST]


def test_a_newline_in_a_file_name_stays_on_one_line_of_the_log(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "bad\nname.jpg").write_bytes(b"not a photo")
    env = dict(os.environ, PYTHONPATH=str(REPO / "workflow"))
    proc = subprocess.run([sys.executable, "-m", "roomtour", "tour", str(folder), "-o", str(tmp_path / "t.mp4"),
                           "--strict"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "bad\\nname.jpg" in proc.stderr, proc.stderr


def test_a_directory_given_as_music_or_logo_is_named_as_one(listing, tmp_path):
    with pytest.raises(RoomtourError, match="a directory, not a music file"):
        render_tour(listing, tmp_path / "t.mp4", options(formats=["16:9"], music=str(tmp_path)))
    with pytest.raises(RoomtourError, match="a directory, not a logo"):
        render_tour(listing, tmp_path / "t.mp4", options(formats=["16:9"], logo=str(tmp_path)))
