"""roomtour studio through FastAPI's test client: the listing's whole path, auth, and the
fault and security probes (bad uploads, paths, scripts, other sites); each ends in one clear
refusal with nothing written outside the data folder."""

import io
import time

import numpy as np
import pytest

from conftest import SHARED, room_photo

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from roomtour.studio.app import create_app  # noqa: E402
from roomtour.studio.security import Settings  # noqa: E402

SMALL = {"formats": ["16:9", "9:16"], "size": "160x90", "seconds_per_photo": 1, "fps": 8, "unbranded": True}


def png(scene="living", w=320, h=180) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(room_photo(scene, w, h)).save(buf, "PNG")
    return buf.getvalue()


def files_under(path):
    return {p for p in path.rglob("*")}


def client(tmp_path, token=None, workers=True, base="http://127.0.0.1:8000"):
    weights = str(SHARED / "weights") if (SHARED / "weights").is_dir() else ""
    app = create_app(Settings(data=str(tmp_path / "data"), token=token, weights_dir=weights), start_workers=workers)
    return TestClient(app, base_url=base)


def new_listing(c, address="12 Oak Street", **extra):
    r = c.post("/api/listings", json={"address": address, "price": "$450,000",
                                      "agent": {"name": "Jane Roe", "phone": "555-0100"}, **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(c, lid, *named):
    return c.post(f"/api/listings/{lid}/photos", files=[("files", (n, data, "image/png")) for n, data in named])


def wait(c, job_id, timeout=240):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"render {job_id} did not finish in {timeout} s")


@pytest.mark.slow
def test_a_listing_from_upload_to_zip(tmp_path):
    import zipfile

    with client(tmp_path) as c:
        lid = new_listing(c)
        r = upload(c, lid, ("03_kitchen.png", png("living")), ("IMG_2041.png", png("bedroom")),
                   ("hall.png", png("living", 300, 200)))
        assert r.status_code == 200, r.text
        photos = r.json()["photos"]
        assert [p.get("error") for p in photos] == [None] * 3
        assert all(p["caption"] not in ("Image", "IMG 2041", "Img 2041") for p in photos)
        ids = [p["id"] for p in photos]
        assert c.put(f"/api/listings/{lid}/order", json={"photo_ids": ids[::-1]}).status_code == 200
        assert c.patch(f"/api/listings/{lid}/photos/{ids[0]}", json={"caption": "Open kitchen"}).status_code == 200
        listing = c.get(f"/api/listings/{lid}").json()
        assert [p["id"] for p in listing["photos"]] == ids[::-1]
        assert listing["photos"][-1]["caption"] == "Open kitchen"
        assert c.put(f"/api/listings/{lid}/options", json=SMALL).status_code == 200
        job = c.post(f"/api/listings/{lid}/renders").json()
        done = wait(c, job["id"])
        assert done["state"] == "done", done["message"]
        assert done["progress"] == {"16:9": 1.0, "9:16": 1.0}
        names = {f["name"] for f in done["files"]}
        videos = {n for n in names if n.endswith(".mp4")}
        assert videos == {"12_oak_street-16x9.mp4", "12_oak_street-16x9-unbranded.mp4",
                          "12_oak_street-9x16.mp4", "12_oak_street-9x16-unbranded.mp4"}
        assert all(done["platforms"][v] for v in videos)
        zipped = c.get(done["zip"])
        assert zipped.status_code == 200
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
            assert set(z.namelist()) == names
        one = c.get(f"/renders/{job['id']}/12_oak_street-9x16.mp4")
        assert one.status_code == 200 and one.content[4:8] == b"ftyp"
        # the listing's last complete render is what the page shows
        assert c.get(f"/api/listings/{lid}").json()["last_render"]["id"] == job["id"]
        # nothing half-written or left behind: no working folder, no hidden file among the results
        data = tmp_path / "data"
        assert not any((data / "jobs").iterdir())
        from roomtour.tour.outputs import MANIFEST

        assert not [p for p in data.rglob(".*") if p.is_file() and p.name != MANIFEST]


def test_the_agent_card_is_remembered_and_options_follow_the_schema(tmp_path):
    with client(tmp_path, workers=False) as c:
        new_listing(c)
        agents = c.get("/api/listings/agents").json()
        assert agents == [{"name": "Jane Roe", "phone": "555-0100", "email": "", "brokerage": ""}]
        lid = new_listing(c, "3 Elm Road")
        bad = c.put(f"/api/listings/{lid}/options", json={"formats": ["4:3"]})
        assert bad.status_code == 400 and "formats" in bad.json()["detail"]
        assert "unknown option" in c.put(f"/api/listings/{lid}/options", json={"music": "/etc/passwd"}).json()["detail"]
        from roomtour.tour.options import tour_defaults

        ok = c.put(f"/api/listings/{lid}/options", json={}).json()
        assert ok["seconds_per_photo"] == tour_defaults()["seconds_per_photo"]
        assert c.post(f"/api/listings/{lid}/renders").json()["detail"].endswith("no photos yet: upload some first")


def test_uploads_are_checked_by_content_and_limited(tmp_path, monkeypatch):
    from roomtour.studio import uploads

    with client(tmp_path, workers=False) as c:
        lid = new_listing(c)
        r = upload(c, lid, ("house.jpg", b"this is text, not a photo"))
        assert r.status_code == 400
        assert r.json()["detail"] == "house.jpg: not a photo the image decoder can open (UnidentifiedImageError)"
        truncated = png()[:500]
        assert "not a photo" in upload(c, lid, ("cut.png", truncated)).json()["detail"]
        monkeypatch.setattr(uploads, "MAX_PHOTO_BYTES", 1000)
        big = upload(c, lid, ("big.png", png())).json()["detail"]
        assert big.startswith("big.png: ") and "MB allowed per photo" in big
        monkeypatch.setattr(uploads, "MAX_PHOTO_BYTES", 30 * 2**20)
        from roomtour.studio.routes import photos as photo_routes

        monkeypatch.setattr(photo_routes, "MAX_PHOTOS", 2)
        r = upload(c, lid, ("a.png", png()), ("b.png", png()), ("c.png", png())).json()["photos"]
        assert [p.get("error") for p in r][:2] == [None, None]
        assert r[2]["error"] == "c.png: a listing holds at most 2 photos"
        music = c.post(f"/api/listings/{lid}/music", files={"file": ("song.mp3", png(), "audio/mpeg")})
        assert music.status_code == 400 and "song.mp3: no audio stream" in music.json()["detail"]
        assert c.get(f"/api/listings/{lid}").json()["has_music"] is False


def test_no_name_or_parameter_reaches_outside_the_data_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    before = files_under(tmp_path)
    with client(tmp_path, workers=False) as c:
        lid = new_listing(c)
        names = ["../../etc/passwd", "/etc/passwd", "..\\..\\outside\\x.png", f"{outside}/evil.png"]
        r = upload(c, lid, *[(n, png()) for n in names]).json()["photos"]
        assert all("error" not in p for p in r)
        assert [p["name"] for p in r] == ["passwd", "passwd", "x.png", "evil.png"]  # shown as text only
        for url in ["/media/previews/..%2F..%2Fouter.mp4", "/media/previews/../../studio.db",
                    f"/renders/1/..%2F..%2Fstudio.db", "/renders/1/%2Fetc%2Fpasswd", "/media/photos/1/..%2F..",
                    "/static/..%2F..%2Fstudio.db", "/renders/..%2F1.zip", f"/media/previews/{'a' * 32}.mp4"]:
            assert c.get(url).status_code in (404, 422), url
        assert c.get("/media/photos/1/thumb").status_code == 200
    made = files_under(tmp_path) - before
    assert all(str(p).startswith(str(tmp_path / "data")) for p in made)
    assert (outside / "secret.txt").read_text() == "secret" and sorted(outside.iterdir()) == [outside / "secret.txt"]
    from roomtour.errors import RoomtourError
    from roomtour.studio.store import Store

    with pytest.raises(RoomtourError):
        Store(tmp_path / "data").file_path("../studio.db")


def test_what_people_type_is_shown_as_text(tmp_path):
    script = "<script>alert(1)</script>"
    with client(tmp_path, workers=False) as c:
        lid = new_listing(c, f"1 {script} Lane", price=f"{script}")
        pid = upload(c, lid, ("p.png", png())).json()["photos"][0]["id"]
        c.patch(f"/api/listings/{lid}/photos/{pid}", json={"caption": script})
        for page in ("/", f"/listings/{lid}"):
            html = c.get(page).text
            assert script not in html and "&lt;script&gt;" in html
        assert c.get(f"/api/listings/{lid}").json()["photos"][0]["caption"] == script  # kept, escaped where shown
        assert "script-src 'self'" in c.get("/").headers["content-security-policy"]


def test_changes_from_another_site_are_refused(tmp_path):
    with client(tmp_path, workers=False) as c:
        lid = new_listing(c)
        r = c.post("/api/listings", json={"address": "x"}, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "CSRF" in r.json()["detail"]
        assert c.delete(f"/api/listings/{lid}", headers={"Referer": "https://evil.example/page"}).status_code == 403
        assert c.post("/api/listings", json={"address": "x"}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert c.post("/api/listings", json={"address": "x"}, headers={"Origin": "null"}).status_code == 403
        assert c.get(f"/api/listings/{lid}").status_code == 200  # nothing was deleted
        assert c.post("/api/listings", json={"address": "y"},
                      headers={"Origin": "http://127.0.0.1:8000"}).status_code == 201


def test_a_token_guards_every_page_and_call(tmp_path):
    with client(tmp_path, token="s3cret-token", workers=False) as c:
        assert c.get("/api/listings").status_code == 401
        assert c.post("/api/listings", json={"address": "x"}).status_code == 401
        assert c.get("/media/photos/1/thumb").status_code == 401
        page = c.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login"
        assert c.get("/login").status_code == 200
        wrong = c.post("/login", data={"token": "guess"}, follow_redirects=False)
        assert wrong.headers["location"] == "/login?failed=1" and "roomtour_session" not in wrong.cookies
        right = c.post("/login", data={"token": "s3cret-token"}, follow_redirects=False)
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "s3cret" not in cookie
        assert c.get("/api/listings").status_code == 200  # the cookie now
    with client(tmp_path, token="s3cret-token", workers=False) as c:
        assert c.get("/api/listings", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert c.get("/api/listings", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_listening_beyond_loopback_without_a_token_makes_one(tmp_path, monkeypatch, capsys):
    from roomtour.cli import main
    from roomtour.studio.security import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    seen = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(token=app.state.settings.token))
    assert main(["studio", "--host", "0.0.0.0", "--data", str(tmp_path / "d")]) == 0
    assert seen["token"] and seen["token"] in capsys.readouterr().out
    assert main(["studio", "--data", str(tmp_path / "d")]) == 0
    assert seen["token"] is None  # loopback: a person's own machine


@pytest.mark.slow
def test_a_failed_render_says_why_and_keeps_the_earlier_videos(tmp_path):
    with client(tmp_path) as c:
        lid = new_listing(c)
        pid = upload(c, lid, ("a.png", png()), ("b.png", png("bedroom"))).json()["photos"][0]["id"]
        c.put(f"/api/listings/{lid}/options", json={**SMALL, "formats": ["16:9"], "unbranded": False})
        first = wait(c, c.post(f"/api/listings/{lid}/renders").json()["id"])
        assert first["state"] == "done"
        store = c.app.state.store
        stored = store.file_path(store.photo(lid, pid)["file"])
        stored.write_bytes(b"\x89PNG broken on disk")  # a photo that can no longer be decoded
        second = wait(c, c.post(f"/api/listings/{lid}/renders").json()["id"])
        assert second["state"] == "failed"
        assert "\n" not in second["message"] and "01_" in second["message"]
        listing = c.get(f"/api/listings/{lid}").json()
        assert listing["last_render"]["id"] == first["id"]
        assert c.get(first["files"][0]["url"]).status_code == 200


def test_room_captions_from_what_the_photo_shows():
    from roomtour.studio.captions import room_from_classes, suggest_caption

    classes = np.zeros((100, 100), np.uint8)
    classes[:] = 1  # wall
    assert room_from_classes(classes) == ""
    bed = classes.copy()
    bed[60:90, 10:70] = 8
    assert room_from_classes(bed) == "Bedroom"
    bath = classes.copy()
    bath[70:80, 40:50] = 66  # a toilet
    assert room_from_classes(bath) == "Bathroom"
    table = classes.copy()
    table[50:80, 20:80] = 16
    assert room_from_classes(table) == ""  # a table alone: a desk, not a dining room
    table[80:95, 20:40] = 20
    assert room_from_classes(table) == "Dining room"
    assert suggest_caption(None, "IMG_2041.jpg") == ""
    assert suggest_caption(None, "04_master-bedroom.jpg") == "Master bedroom"


def test_segmentation_names_the_rooms_of_real_photos():
    from conftest import shared_path
    from roomtour.images import read_image
    from roomtour.studio.captions import suggest_caption

    folder = shared_path("data", "interior_photos", "cami2v_postprocessing_re10k")
    weights = str(SHARED / "weights")
    got = {n: suggest_caption(read_image(folder / f"{n}.png"), "IMG_0001.png", weights)
           for n in ("bed", "couch", "bathroom")}
    assert got == {"bed": "Bedroom", "couch": "Living room", "bathroom": "Bathroom"}


def test_a_request_larger_than_the_cap_is_refused_before_it_is_stored(tmp_path, monkeypatch):
    from roomtour.studio import limits

    monkeypatch.setattr(limits, "MAX_REQUEST_BYTES", 50_000)
    with client(tmp_path, workers=False) as c:
        lid = new_listing(c)
        big = png("living", 640, 360)
        assert len(big) > 50_000
        r = upload(c, lid, ("big.png", big))
        assert r.status_code == 413 and "one request may carry" in r.json()["detail"]

        body = (b'--x\r\nContent-Disposition: form-data; name="files"; filename="big.png"\r\n'
                b"Content-Type: image/png\r\n\r\n" + big + b"\r\n--x--\r\n")

        def chunks():  # no Content-Length: counted as it arrives
            for i in range(0, len(body), 8192):
                yield body[i: i + 8192]

        r = c.post(f"/api/listings/{lid}/photos", content=chunks(),
                   headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert r.status_code == 413
        assert c.get(f"/api/listings/{lid}").json()["photos"] == []
