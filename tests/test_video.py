import numpy as np
import pytest

from roomtour.errors import RoomtourError
from roomtour.images import fit_to_size, read_image, write_image
from roomtour.video import iter_frames, read_video, video_info, video_tags, write_preview, write_video


@pytest.mark.parametrize("shape", [(3, 33, 47, 3), (1, 16, 16, 3)])
def test_ffv1_round_trip_is_bit_exact(tmp_path, rng, shape):
    frames = rng.integers(0, 256, shape, dtype=np.uint8)
    write_video(tmp_path / "v.mkv", frames, fps=12)
    back = read_video(tmp_path / "v.mkv")
    assert back.dtype == np.uint8 and back.shape == frames.shape
    assert np.array_equal(back, frames)
    assert video_info(tmp_path / "v.mkv")["fps"] == 12


def test_tags_travel_in_the_file_and_leave_the_frames_alone(tmp_path, rng):
    from roomtour.chains import processing, step_tags

    frames = rng.integers(0, 256, (3, 12, 10, 3), dtype=np.uint8)
    write_video(tmp_path / "a.mkv", frames, tags={"roomtour_upscale": "lanczos x2",
                                                  "roomtour_denoise": "fastdvdnet bf16 cpu"})
    tags = video_tags(tmp_path / "a.mkv")
    assert tags == {"roomtour_upscale": "lanczos x2", "roomtour_denoise": "fastdvdnet bf16 cpu"}
    assert np.array_equal(read_video(tmp_path / "a.mkv"), frames)
    # chain-step order, whatever order the file lists them in
    assert processing(tags) == "denoise: fastdvdnet bf16 cpu; upscale: lanczos x2"
    write_video(tmp_path / "b.mkv", frames)
    assert video_tags(tmp_path / "b.mkv") == {} and processing({}) == ""
    # a step carries only the post-processing tags on, not an imported MP4's own
    write_preview(tmp_path / "c.mp4", frames)
    assert "major_brand" in video_tags(tmp_path / "c.mp4") and step_tags(video_tags(tmp_path / "c.mp4")) == {}
    assert step_tags({**tags, "major_brand": "isom"}) == tags


def test_a_reader_may_stop_early(tmp_path, rng):
    # more frames than a pipe holds, so the decoder is still writing when the reader stops
    frames = rng.integers(0, 256, (30, 240, 320, 3), dtype=np.uint8)
    write_video(tmp_path / "a.mkv", frames)
    reader = iter_frames(tmp_path / "a.mkv")
    assert np.array_equal(next(reader), frames[0])
    reader.close()  # no "could not decode" for the decoder's broken pipe
    assert np.array_equal(np.stack(list(iter_frames(tmp_path / "a.mkv"))), frames)


def test_write_leaves_no_temporary_files(tmp_path, rng):
    write_video(tmp_path / "v.mkv", rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["v.mkv"]


def test_preview_is_h264_mp4_padded_to_even_size(tmp_path, rng):
    frames = rng.integers(0, 256, (4, 33, 47, 3), dtype=np.uint8)
    write_preview(tmp_path / "v.mp4", frames)
    info = video_info(tmp_path / "v.mp4")
    assert (info["width"], info["height"]) == (48, 34)
    assert len(read_video(tmp_path / "v.mp4")) == 4


def test_bad_frames_are_refused(tmp_path):
    with pytest.raises(ValueError):
        write_video(tmp_path / "v.mkv", np.zeros((2, 8, 8), np.uint8))
    assert not (tmp_path / "v.mkv").exists()


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda p: None, "not found"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("this is not a picture"), "not a decodable image"),
        (lambda p: p.mkdir(), "directory"),
    ],
)
def test_bad_photos_give_one_line_naming_the_file(tmp_path, make, problem):
    p = tmp_path / "photo.png"
    make(p)
    with pytest.raises(RoomtourError) as exc:
        read_image(p)
    assert str(p) in str(exc.value) and problem in str(exc.value) and "\n" not in str(exc.value)


def test_bad_video_is_reported(tmp_path):
    p = tmp_path / "v.mkv"
    p.write_text("garbage")
    with pytest.raises(RoomtourError, match="not a readable video"):
        read_video(p)


def test_image_round_trip_and_grey_and_alpha(tmp_path, rng):
    rgb = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    write_image(tmp_path / "a.png", rgb)
    assert np.array_equal(read_image(tmp_path / "a.png"), rgb)
    import cv2

    cv2.imwrite(str(tmp_path / "g.png"), rgb[..., 0])
    g = read_image(tmp_path / "g.png")
    assert g.shape == (20, 30, 3) and np.array_equal(g[..., 0], g[..., 2])
    rgba = np.dstack([rgb[..., ::-1], np.full((20, 30), 255, np.uint8)])
    cv2.imwrite(str(tmp_path / "a4.png"), rgba)
    assert np.array_equal(read_image(tmp_path / "a4.png"), rgb)


def test_fit_to_size_crops_to_aspect_then_resizes():
    img = np.zeros((100, 300, 3), np.uint8)
    img[:, 100:200] = 255  # the centre square is white
    out = fit_to_size(img, 50, 50)
    assert out.shape == (50, 50, 3)
    assert out.min() == 255  # the black sides were cropped away


def test_exif_orientation_is_applied(tmp_path):
    from PIL import Image

    # a landscape-stored photo tagged "rotate 90 CW to view" (orientation 6): upright it is portrait
    stored = np.zeros((40, 60, 3), np.uint8)
    stored[:, :10] = (255, 0, 0)  # red along the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    img = read_image(tmp_path / "phone.jpg")
    assert img.shape[:2] == (60, 40)
    assert img[:10, :, 0].mean() > 200 and img[-10:, :, 0].mean() < 60  # the left edge is now the top


def test_heic_photos_are_read(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:, 32:] = (30, 200, 90)
    pillow_heif.from_bytes(mode="RGB", size=(64, 48), data=rgb.tobytes()).save(str(tmp_path / "p.heic"), quality=95)
    img = read_image(tmp_path / "p.heic")
    assert img.shape == (48, 64, 3)
    assert np.abs(img[:, 40:].astype(int) - (30, 200, 90)).mean() < 12


def test_huge_images_are_refused_by_their_header_with_one_line(tmp_path):
    import struct
    import zlib

    # a PNG header claiming 40000 x 30000 pixels (1.2 gigapixels); no pixel data needed to refuse it
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40000, 30000, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    (tmp_path / "giant.png").write_bytes(png)
    with pytest.raises(RoomtourError, match="giant.png: image is 40000x30000 .*downscale it first"):
        read_image(tmp_path / "giant.png")


def test_outputs_get_the_ordinary_file_mode(tmp_path, rng):
    import os
    import stat

    old = os.umask(0o022)
    try:
        write_video(tmp_path / "v.mkv", rng.integers(0, 256, (2, 8, 8, 3), dtype=np.uint8))
        write_image(tmp_path / "i.png", np.zeros((8, 8, 3), np.uint8))
    finally:
        os.umask(old)
    for name in ("v.mkv", "i.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_trim_borders_removes_uniform_frame_lines():
    from roomtour.images import trim_borders

    img = np.random.default_rng(0).integers(0, 256, (50, 60, 3), dtype=np.uint8)
    framed = np.pad(img, ((2, 1), (0, 2), (0, 0)), constant_values=255)
    assert trim_borders(framed).shape == img.shape
    assert trim_borders(img).shape == img.shape


def test_a_magnified_photo_is_sampled_from_an_enlarged_copy():
    import cv2
    from skimage.metrics import peak_signal_noise_ratio

    from conftest import room_photo
    from roomtour.images import enlarged_for_sampling

    img = np.zeros((20, 30, 3), np.uint8)
    assert enlarged_for_sampling(img, 0.8)[1] == 1 and enlarged_for_sampling(img, 0.8)[0] is img  # nothing magnified
    assert enlarged_for_sampling(img, 1.5)[0].shape == (40, 60, 3)
    assert enlarged_for_sampling(img, 2.7)[1] == 2 and enlarged_for_sampling(img, 2.7, max_factor=3)[1] == 3

    # a photo shrunk 2.5x and sampled back on a frame's pixel-centre grid is closer to itself
    # when bilinear sampling reads the enlarged copy (its pixel centres at (x + 0.5) * f - 0.5)
    truth = room_photo("bedroom", 320, 200)
    small = cv2.resize(truth, (128, 80), interpolation=cv2.INTER_AREA)

    def sampled(src):
        xs, ys = np.meshgrid(np.arange(320, dtype=np.float32), np.arange(200, dtype=np.float32))
        mx, my = (xs + 0.5) * (src.shape[1] / 320) - 0.5, (ys + 0.5) * (src.shape[0] / 200) - 0.5
        return cv2.remap(src, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)[8:-8, 8:-8]

    enlarged, factor = enlarged_for_sampling(small, 2.5)
    assert factor == 2
    plain = peak_signal_noise_ratio(truth[8:-8, 8:-8], sampled(small), data_range=255)
    better = peak_signal_noise_ratio(truth[8:-8, 8:-8], sampled(enlarged), data_range=255)
    assert better > plain + 0.5, (plain, better)
