"""Property tours: a photo folder -> one MP4 (small sizes: the logic, not the 1080p speed)."""

import subprocess
import sys
import wave

import numpy as np
import pytest

from conftest import REPO, room_photo
from roomtour.errors import RoomtourError
from roomtour.tour import TourOptions, caption_from_name, crossfade, read_folder, render_tour, timeline_frames
from roomtour.images import write_image
from roomtour.video import probe, read_video

SIZE = (128, 72)
FPS = 12


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listing")
    write_image(folder / "01_living-room.png", room_photo("living"))
    write_image(folder / "02_bedroom.jpg", room_photo("bedroom"))
    write_image(folder / "03_second_bedroom.png", room_photo("bedroom")[:, ::-1])
    return folder


def _options(**kw):
    base = dict(seconds_per_photo=1.0, fps=FPS, crossfade=0.25, resolution=SIZE, preset="ultrafast")
    base.update(kw)
    return TourOptions(**base)


@pytest.fixture(scope="module")
def made(photo_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("tour") / "tour.mp4"
    report = render_tour(photo_folder, out, _options(captions=True))
    return out, report


def test_a_three_photo_tour_decodes_with_the_right_size_length_and_format(made):
    out, report = made
    frames = read_video(out)
    assert frames.shape[1:3] == (SIZE[1], SIZE[0])
    # n photos x seconds x fps, less one crossfade per join
    expected = 3 * FPS - 2 * 3
    assert abs(len(frames) - expected) <= 1 and report["frames"] == len(frames)
    info = probe(out)
    assert info["video"]["codec"] == "h264" and info["video"]["pix_fmt"] == "yuv420p"
    assert info["faststart"] is True and info["audio"] is None
    assert info["duration"] == pytest.approx(expected / FPS, abs=1.5 / FPS)


def test_the_camera_moves_no_frame_is_constant_and_every_frame_comes_from_the_photos(made):
    out, report = made
    frames = read_video(out).astype(np.int16)
    steps = np.abs(np.diff(frames, axis=0)).reshape(len(frames) - 1, -1).mean(axis=1)
    assert (steps > 0.05).all()  # consecutive frames differ everywhere in the tour
    assert (frames.reshape(len(frames), -1, 3).std(axis=1).max(axis=1) > 5).all()
    assert all(s["min_visible"] >= 0.97 for s in report["shots"])
    assert {s["photo"] for s in report["shots"]} == {"01_living-room.png", "02_bedroom.jpg",
                                                      "03_second_bedroom.png"}


def test_music_is_trimmed_under_the_tour_as_aac(photo_folder, tmp_path):
    music = tmp_path / "music.wav"
    rate = 8000
    tone = (np.sin(2 * np.pi * 440 * np.arange(rate * 10) / rate) * 8000).astype(np.int16)  # 10 s
    with wave.open(str(music), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    out = tmp_path / "with_music.mp4"
    render_tour(photo_folder, out, _options(music=str(music), title="12 Oak Street"))
    info = probe(out)
    assert info["audio"]["codec"] == "aac"
    video_seconds = len(read_video(out)) / FPS
    assert info["duration"] == pytest.approx(video_seconds, abs=0.2)  # cut to the video, not 10 s
    assert info["faststart"] is True
    assert not list(tmp_path.glob("*.silent.mp4"))


def test_portrait_windows_travel_across_the_photo(photo_folder, tmp_path):
    out = tmp_path / "portrait.mp4"
    report = render_tour(photo_folder, out, _options(format="9:16", resolution=(72, 128), transition="cut"))
    frames = read_video(out)
    assert frames.shape[1:3] == (128, 72)
    # the coverage of the frames as rendered, not only of the framing search, keeps the promise
    assert all(s["min_visible"] >= 0.97 for s in report["shots"])
    first, last = frames[0].astype(float), frames[FPS - 1].astype(float)
    # the window has travelled sideways: the last frame matches a shifted first frame better than an unshifted one
    shifts = {dx: np.abs(np.roll(first, dx, axis=1)[:, 12:-12] - last[:, 12:-12]).mean() for dx in range(-10, 11)}
    assert min(shifts, key=shifts.get) != 0


def test_cards_and_crossfades_count_in_the_timeline():
    opts = _options(title="A", outro="B")
    from roomtour.tour import Shot
    from pathlib import Path

    shots = [Shot(Path(f"{i}.png")) for i in range(4)]
    card = int(round(2.5 * FPS))
    assert timeline_frames(opts, shots) == 4 * FPS + 2 * card - 5 * 3
    a = [np.full((2, 2, 3), 0, np.uint8)] * 6
    b = [np.full((2, 2, 3), 200, np.uint8)] * 6
    joined = list(crossfade([a, b], 2))
    assert len(joined) == 10
    assert [int(f[0, 0, 0]) for f in joined[3:7]] == [0, 67, 133, 200]  # a ramp, no jump


def test_order_and_captions_from_a_tour_yaml(tmp_path, caplog):
    for name in ("a.png", "b.png", "c.png"):
        write_image(tmp_path / name, room_photo("living", 64, 36))
    (tmp_path / "tour.yaml").write_text("photos:\n  - {file: c.png, caption: Kitchen, motion: push_in, seconds: 2}\n"
                                        "  - a.png\n")
    caplog.set_level("INFO", logger="roomtour")
    shots = read_folder(tmp_path)
    messages = [r.getMessage() for r in caplog.records]
    assert [s.path.name for s in shots] == ["c.png", "a.png"]
    assert shots[0].caption == "Kitchen" and shots[0].move == "push_in" and shots[0].seconds == 2
    assert any("leaves out 1 photo" in m and "b.png" in m for m in messages)
    assert caption_from_name(tmp_path / "07_master-bedroom.jpg") == "Master bedroom"
    # a camera's or a data set's name is no room name, whatever number comes before or after it
    for name in ("IMG_2041.jpg", "470_image.png", "DSC0042.JPG", "119 image.png", "photo 3.jpg"):
        assert caption_from_name(tmp_path / name) == "", name
    (tmp_path / "tour.yaml").write_text("photos:\n  - {file: a.png, motion: fly}\n")
    with pytest.raises(RoomtourError, match="tour.yaml: line 2: photos\\[0\\]: motion must be one of"):
        read_folder(tmp_path)


def test_a_bad_photo_is_skipped_with_a_warning_unless_strict(photo_folder, tmp_path, caplog):
    import shutil

    folder = tmp_path / "photos"
    shutil.copytree(photo_folder, folder)
    (folder / "04_broken.jpg").write_bytes(b"not a jpeg at all")
    report = render_tour(folder, tmp_path / "t.mp4", _options())
    messages = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(report["shots"]) == 3
    assert sum("skipping" in m and "04_broken.jpg" in m for m in messages) == 1
    with pytest.raises(RoomtourError, match="04_broken.jpg"):
        render_tour(folder, tmp_path / "t2.mp4", _options(strict=True))
    assert not (tmp_path / "t2.mp4").exists()


def test_an_empty_folder_is_one_clear_error(tmp_path):
    with pytest.raises(RoomtourError, match="no photos"):
        render_tour(tmp_path, tmp_path / "t.mp4", _options())
    (tmp_path / "x.jpg").write_bytes(b"")
    with pytest.raises(RoomtourError, match="no usable photo"):
        render_tour(tmp_path, tmp_path / "t.mp4", _options())


def test_tour_command_line(photo_folder, tmp_path):
    out = tmp_path / "cli.mp4"
    proc = subprocess.run([sys.executable, "-m", "roomtour", "tour", str(photo_folder), "-o", str(out),
                           "--size", "96x54", "--fps", "8", "--seconds-per-photo", "1", "--crossfade", "0.25",
                           "--title", "12 Oak Street", "--captions"],
                          capture_output=True, text=True, cwd=REPO, env=_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.is_file() and "frames" in proc.stdout
    assert "tour: photo 3/3" in proc.stderr  # progress
    bad = subprocess.run([sys.executable, "-m", "roomtour", "tour", str(tmp_path / "nowhere"), "-o",
                          str(tmp_path / "x.mp4")], capture_output=True, text=True, cwd=REPO, env=_env())
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("roomtour: error:")


def _env():
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "workflow")
    return env


# --------------------------------------------------------------------------- nothing lost, nothing late


def _one_photo_folder(tmp_path):
    import cv2

    folder = tmp_path / "listing"
    folder.mkdir()
    img = np.zeros((48, 64, 3), np.uint8)
    img[:, 32:] = 200
    cv2.imwrite(str(folder / "kitchen.png"), img)
    return folder


@pytest.mark.parametrize("name", ["kitchen.png", "link.mp4", "hard.mp4"])
def test_tour_refuses_to_write_over_one_of_its_photos(tmp_path, name):
    import os

    from roomtour.tour import TourOptions, render_tour

    folder = _one_photo_folder(tmp_path)
    (tmp_path / "link.mp4").symlink_to(folder / "kitchen.png")
    os.link(folder / "kitchen.png", tmp_path / "hard.mp4")
    name = name if name == "kitchen.png" else f"../{name}"
    before = (folder / "kitchen.png").read_bytes()
    with pytest.raises(RoomtourError, match="refusing to overwrite"):
        render_tour(folder, folder / name, TourOptions(resolution=(64, 36), seconds_per_photo=1.0))
    assert (folder / "kitchen.png").read_bytes() == before


@pytest.mark.parametrize("out, problem", [("tour.avi", "name it"), ("tour", "name it"), ("adir", "directory")])
def test_tour_checks_the_output_before_the_first_frame(tmp_path, out, problem):
    from roomtour.tour import TourOptions, render_tour

    folder = _one_photo_folder(tmp_path)
    (tmp_path / "adir").mkdir()
    with pytest.raises(RoomtourError, match=problem):
        render_tour(folder, tmp_path / out, TourOptions(resolution=(64, 36), seconds_per_photo=1.0))
    assert not list(tmp_path.glob("tour*"))


@pytest.mark.parametrize("content", [b"", b"this is not music\n"])
def test_bad_music_is_found_before_rendering(tmp_path, content):
    from roomtour.tour import TourOptions, render_tour

    folder = _one_photo_folder(tmp_path)
    music = tmp_path / "song.mp3"
    music.write_bytes(content)
    with pytest.raises(RoomtourError, match="song.mp3"):
        render_tour(folder, tmp_path / "tour.mp4",
                    TourOptions(resolution=(64, 36), seconds_per_photo=1.0, music=str(music)))
    assert not (tmp_path / "tour.mp4").exists()


def test_tour_yaml_may_not_name_files_outside_its_folder(tmp_path):
    from roomtour.tour import read_folder

    folder = _one_photo_folder(tmp_path)
    (folder / "tour.yaml").write_text("photos: [kitchen.png, ../outside.png]\n")
    with pytest.raises(RoomtourError, match="outside the tour's folder"):
        read_folder(folder)


def test_prepare_input_refuses_to_overwrite_its_source(tmp_path):
    import subprocess
    import sys

    folder = _one_photo_folder(tmp_path)
    photo = folder / "kitchen.png"
    before = photo.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "roomtour", "prepare-input", str(photo), str(photo), "--size",
                           "32x18"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "refusing to overwrite" in proc.stderr and proc.stderr.count("\n") == 1
    assert photo.read_bytes() == before


def test_dangling_links_warn_and_stop_under_strict(tmp_path, caplog):
    from roomtour.tour import read_folder

    folder = _one_photo_folder(tmp_path)
    (folder / "gone.jpg").symlink_to(tmp_path / "missing.jpg")
    shots = read_folder(folder)
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [s.path.name for s in shots] == ["kitchen.png"]
    assert any("gone.jpg" in m and "does not exist" in m for m in said)
    with pytest.raises(RoomtourError, match="gone.jpg: a link whose target does not exist"):
        read_folder(folder, strict=True)


def test_identical_photos_are_named_in_a_warning(tmp_path, caplog):
    import shutil

    from roomtour.tour import TourOptions, load_for_tour, read_folder

    folder = _one_photo_folder(tmp_path)
    shutil.copy(folder / "kitchen.png", folder / "kitchen_copy.png")
    loaded = load_for_tour(read_folder(folder), TourOptions())
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(loaded) == 2
    assert any("kitchen_copy.png shows the same pixels as kitchen.png" in m for m in said)


def test_a_shot_with_little_parallax_travels_further_within_its_budgets(tmp_path, monkeypatch):
    from pathlib import Path

    import roomtour.tour.shot as shot_module
    from roomtour.tour import PhotoGeometry, Shot, ShotRenderer

    path = tmp_path / "living.png"
    write_image(path, room_photo("living"))
    options = TourOptions(depth="layout", size="160x90", min_visible=0.5, max_bend=50.0)
    shot = Shot(Path(path), move="push_in")
    geometry = PhotoGeometry.solve(room_photo("living"), shot, options)

    def render(target):
        monkeypatch.setattr(shot_module, "PARALLAX_TARGET", target)
        return ShotRenderer(geometry, shot, options, 12, options.size_px)

    enough = render(0.0)  # any parallax is enough: the move as designed
    assert enough.reach == 1.0
    wanting = render(10.0)  # no parallax is enough: the longest travel the budgets allow
    assert wanting.reach == max(shot_module.REACHES)
    assert wanting.framing.parallax_px > enough.framing.parallax_px
    # the path really is longer: the last camera is farther from the first
    assert np.linalg.norm(wanting.camera.centers[-1]) > 1.5 * np.linalg.norm(enough.camera.centers[-1])
