"""Every deliverable of a listing from one run (roomtour.tour.deliver, .platforms, .cards):
formats, branded and unbranded twins, posters, contact sheets, length, platform checks."""

import subprocess
import wave

import numpy as np
import pytest

from conftest import room_photo
from roomtour.errors import RoomtourError
from roomtour.tour import TourOptions, render_tour
from roomtour.tour.cards import contact_details, fit_text, safe_area
from roomtour.tour.platforms import check_video
from roomtour.images import read_image, write_image
from roomtour.video import ffmpeg_exe, probe, read_video

FPS = 24
MAGENTA = (255, 0, 255)


@pytest.fixture(scope="module")
def listing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listing")
    write_image(folder / "01_living-room.png", room_photo("living"))
    write_image(folder / "02_bedroom.png", room_photo("bedroom"))
    logo = np.zeros((40, 80, 4), np.uint8)
    logo[8:32, 8:72] = (*MAGENTA, 255)  # an opaque magenta block on a transparent ground
    from PIL import Image

    Image.fromarray(logo, "RGBA").save(folder.parent / "logo_rgba.png")
    return folder


AGENT = dict(agent_name="Jane Roe", agent_phone="555-0100", agent_email="jane@oakrealty.com",
             brokerage="Oak Realty", price="$450,000", address="12 Oak Street")


def _options(listing, **kw):
    base = dict(formats=["16:9", "9:16"], seconds_per_photo=1.5, fps=FPS, crossfade=0.25, resolution=(128, 72),
                preset="veryfast", title="12 Oak Street", outro="Call 555-0100", unbranded=True,
                logo=str(listing.parent / "logo_rgba.png"), **AGENT)
    base.update(kw)
    return TourOptions(**base)


@pytest.fixture(scope="module")
def delivered(listing, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "tour.mp4"
    return out, render_tour(listing, out, _options(listing))


def test_one_run_writes_every_format_its_unbranded_twin_posters_and_contact_sheets(delivered):
    out, report = delivered
    names = sorted(p.name for p in out.parent.iterdir())
    for stem in ("tour-16x9", "tour-16x9-unbranded", "tour-9x16", "tour-9x16-unbranded"):
        assert {f"{stem}.mp4", f"{stem}.jpg", f"{stem}.contact.png"} <= set(names)
    from roomtour.tour.outputs import MANIFEST

    # no temp file left; the manifest records what the run wrote (so a rerun may replace it)
    assert not [n for n in names if (n.startswith(".") and n != MANIFEST) or "silent" in n]
    sizes = {v["path"].rsplit("/", 1)[1]: read_video(v["path"]).shape for v in report["videos"]}
    assert sizes["tour-16x9.mp4"][1:3] == (72, 128) and sizes["tour-9x16.mp4"][1:3] == (128, 72)
    # twins come from the same timeline: same length
    assert sizes["tour-16x9.mp4"][0] == sizes["tour-16x9-unbranded.mp4"][0]
    # the poster is a frame of the first shot with nearly all of it from the photo
    poster = read_image(out.parent / "tour-16x9.jpg")
    assert poster.shape[:2] == (72, 128) and poster.std() > 10


def test_each_video_passes_the_youtube_and_instagram_checks_and_the_portrait_one_is_a_short(delivered):
    out, report = delivered
    for v in report["videos"]:
        for platform in ("youtube", "instagram", "tiktok"):
            assert check_video(v["path"], platform, decode=True) == [], (v["path"], platform)
        info = probe(v["path"])
        assert info["video"]["profile"] == "High" and info["faststart"]
        shorts = check_video(v["path"], "shorts")
        assert (shorts == []) == (v["format"] == "9:16"), shorts
        assert (check_video(v["path"], "mls", branded=v["variant"] == "branded") == []) == \
               (v["variant"] == "unbranded")


def test_the_unbranded_twin_shows_none_of_the_agent_card_or_badge(delivered):
    out, _ = delivered
    branded, unbranded = read_video(out.parent / "tour-16x9.mp4"), read_video(out.parent / "tour-16x9-unbranded.mp4")

    def magenta(frames):
        f = frames.astype(int)
        return ((f[..., 0] > 180) & (f[..., 1] < 90) & (f[..., 2] > 180)).sum()

    assert magenta(branded) > 100 and magenta(unbranded) == 0  # the logo
    # the closing card: white text on the branded one, none on the unbranded (a darkened photo only)
    assert branded[-3].max() > 200 and unbranded[-3].max() < 150
    # during the shots the videos differ only where the badge is (top left of the safe area)
    x0, y0, x1, y1 = safe_area(128, 72)
    n_card = int(round(2.5 * FPS))
    diff = np.abs(branded.astype(int) - unbranded.astype(int))[n_card + 8: -n_card - 8].max(axis=(0, 3))
    inside = np.zeros_like(diff, bool)
    inside[y0 - 2: y0 + 20, x0 - 2:] = True
    assert diff[inside].max() > 60  # the badge is there on one
    assert diff[~inside].max() < 40  # and nothing else differs beyond codec noise


def test_contact_details_are_found_in_text():
    opts = TourOptions(**AGENT)
    assert contact_details("Call 555-0100 today", opts)
    assert contact_details("(612) 555 0199", opts)
    assert contact_details("see www.oakrealty.com", opts) and contact_details("mail jane@x.org", opts)
    assert contact_details("Presented by Jane Roe", opts)
    assert contact_details("12 Oak Street, 3 bedrooms", opts) == []


def test_length_sets_the_duration_and_leaves_out_the_last_photos_that_do_not_fit(listing, tmp_path, caplog):
    import shutil

    folder = tmp_path / "photos"
    shutil.copytree(listing, folder)
    write_image(folder / "03_kitchen.png", room_photo("living")[:, ::-1])
    caplog.set_level("INFO", logger="roomtour")
    opts = TourOptions(formats=["16:9"], fps=12, crossfade=0.25, resolution=(64, 36), preset="ultrafast",
                       length=6.0, min_seconds_per_photo=2.5, poster=False, contact_sheet=False)
    report = render_tour(folder, tmp_path / "t.mp4", opts)
    assert report["frames"] == 6 * 12
    assert len(report["shots"]) == 2  # 3 x 2.5 s less two crossfades is more than 6 s
    assert any("leaving out 03_kitchen.png" in r.getMessage() for r in caplog.records)
    with pytest.raises(RoomtourError, match="too short"):
        render_tour(folder, tmp_path / "u.mp4", TourOptions(length=1.0, title="A", resolution=(64, 36)))


@pytest.mark.parametrize("target, kw, problem", [
    ("shorts", {}, "square or vertical"),
    ("instagram", {"fps": 12}, "23-60 fps"),
    ("shorts", {"formats": ["9:16"], "length": 200, "seconds_per_photo": 50}, "longer than"),
])
def test_a_platform_that_would_refuse_the_video_stops_the_run_before_any_frame(listing, tmp_path, target, kw,
                                                                                 problem):
    opts = dict(formats=["16:9"], resolution=(64, 36), target=target)
    opts.update(kw)
    with pytest.raises(RoomtourError, match=problem):
        render_tour(listing, tmp_path / "t.mp4", TourOptions(**opts))
    assert not list(tmp_path.iterdir())


def _tone(path, channels, amplitude, seconds=6, rate=44100):
    t = np.arange(rate * seconds) / rate
    x = (np.sin(2 * np.pi * 330 * t) * amplitude).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(x[:, None], channels, axis=1).tobytes())


def _audio(path):
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "2", "-ar", "48000",
                          "-"], capture_output=True).stdout
    return np.frombuffer(raw, np.int16).reshape(-1, 2).astype(float)


def test_music_becomes_aac_lc_48k_stereo_loudness_normalised_and_faded(listing, tmp_path):
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    _tone(loud, 6, 12000)  # 5.1 channels
    _tone(quiet, 1, 1200)  # 20 dB quieter
    opts = dict(formats=["16:9"], seconds_per_photo=2.0, fps=FPS, resolution=(64, 36), preset="ultrafast",
                poster=False, contact_sheet=False)
    levels = []
    for music in (loud, quiet):
        out = tmp_path / f"{music.stem}.mp4"
        render_tour(listing, out, TourOptions(music=str(music), **opts))
        info = probe(out)["audio"]
        assert (info["codec"], info["profile"], info["sample_rate"], info["channels"]) == ("aac", "LC", 48000,
                                                                                            "stereo")
        pcm = _audio(out)
        rms = lambda a: float(np.sqrt((a ** 2).mean()) + 1e-9)  # noqa: E731
        middle = rms(pcm[len(pcm) // 2 - 4800: len(pcm) // 2 + 4800])
        assert rms(pcm[:2400]) < 0.5 * middle and rms(pcm[-2400:]) < 0.5 * middle  # faded in and out
        levels.append(20 * np.log10(middle))
    assert abs(levels[0] - levels[1]) < 3.0  # 20 dB apart in, within 3 dB out


def test_long_words_shrink_or_break_inside_the_width_and_cut_text_ends_in_an_ellipsis(caplog):
    from PIL import Image, ImageDraw

    probe_draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines, font = fit_text("A" * 300, 200, 30, 3)
    assert all(probe_draw.textlength(ln, font=font) <= 200 for ln in lines)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert any("cut" in r.getMessage() for r in caplog.records)
    lines, _ = fit_text("Sunny living room 🏡 with a view ✨", 400, 30, 2)
    assert "🏡" not in " ".join(lines) and "Sunny living room with a view" == " ".join(lines)
    assert any("emoji (no installed font draws them)" in r.getMessage() for r in caplog.records)


def test_tour_flags_and_options_take_their_defaults_and_choices_from_the_schema():
    from roomtour.cli import build_parser
    from roomtour.tour.options import tour_option_specs

    specs = tour_option_specs()
    args = build_parser().parse_args(["tour", "photos"])
    options = TourOptions()
    for key, spec in specs.items():
        assert getattr(args, key) == spec["default"], key
        # TourOptions keeps the depth as a spec ({"source": name}); every other option as given
        expected = {"source": spec["default"]} if key == "depth" else spec["default"]
        assert getattr(options, key) == expected, key
    with pytest.raises(SystemExit):
        build_parser().parse_args(["tour", "photos", "--target", "myspace"])
    assert build_parser().parse_args(["tour", "p", "--format", "16:9,1:1"]).formats == ["16:9", "1:1"]


def test_tour_yaml_errors_name_the_line(tmp_path):
    from roomtour.tour import read_folder

    write_image(tmp_path / "a.png", room_photo("living", 64, 36))
    (tmp_path / "tour.yaml").write_text("photos:\n  - a.png\n  - {file: a.png, motion: fly}\n")
    with pytest.raises(RoomtourError, match=r"tour.yaml: line 3: photos\[1\]: motion"):
        read_folder(tmp_path)
    (tmp_path / "tour.yaml").write_text("photos:\n  - a.png\n  - {file: a.png\n")
    with pytest.raises(RoomtourError, match=r"tour.yaml: line \d+: not valid YAML"):
        read_folder(tmp_path)


def test_captions_in_any_script_are_drawn_and_only_what_no_font_has_is_dropped(caplog):
    import os

    from roomtour.tour.cards import FALLBACK_FONTS, card, fit_text, font_for, font_path

    if not any(os.path.isfile(p) for p in FALLBACK_FONTS[True]):
        pytest.skip("no CJK font installed (Debian's fonts-noto-cjk: scripts/install_fonts.sh)")
    assert font_for("Living room") == font_path(True)
    for text in ("日本の家", "거실", "客厅 Living room"):
        lines, font = fit_text(text, 400, 32, 2)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing dropped
        assert font_for(text) != font_path(True)
    blank = card("", 160, 90)
    drawn = card("日本の家", 160, 90)
    assert np.abs(drawn.astype(int) - blank).sum() > 0
    caplog.clear()
    lines, _ = fit_text("Pool 🏊", 400, 32, 2)
    assert lines == ["Pool"]
    assert any("emoji" in r.getMessage() and "U+1F3CA" in r.getMessage() for r in caplog.records)


def test_a_contact_sheet_is_bounded_however_long_the_tour():
    from roomtour.tour.cards import MAX_SHEET_TILES, contact_sheet

    tiles = [(f"shot {i}", np.full((18, 32, 3), i, np.uint8)) for i in range(200)]
    sheet = contact_sheet(tiles)
    few = contact_sheet(tiles[:MAX_SHEET_TILES])
    assert sheet.shape == few.shape  # 200 shots: the same 4 x 6 grid as 24
    assert contact_sheet(tiles[:5]).shape[0] < few.shape[0]
