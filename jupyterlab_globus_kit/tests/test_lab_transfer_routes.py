"""Copies between the Jupyter contents root and a collection (issue #16) against the
emulator's GCS HTTPS server, through a real jupyter_server: upload of files and folders
(bytes equal), download (bytes equal), overwrite refusal, ``..`` and symlink escapes
refused, cancel mid-stream leaves no partial file, XSRF, and no token anywhere."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from .processes import Emulator, JupyterServer, secrets_of, serve_with_globus_data

GUEST = "9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[JupyterServer]:
    # The guest collection serves this server's files, as a hub's GLOBUS_LOCAL_ENDPOINT
    # says (read by the plan route only).
    yield from serve_with_globus_data(emulator, timeout="5",
                                      extra_env={"GLOBUS_LOCAL_ENDPOINT": GUEST})


def root(server: JupyterServer) -> Path:
    return Path(server.tmp.name)


def wait_for_job(server: JupyterServer, job_id: str, seconds: float = 30) -> dict:
    """Poll the job until it ends (bounded in time)."""
    deadline = time.monotonic() + seconds
    while True:
        r = server.get(f"/globus-kit/lab-transfers/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def partials(folder: Path) -> list:
    return [p.name for p in folder.rglob("*") if ".globus-kit-partial-" in p.name
            or ".upload" in p.name]


class TestUpload:
    def test_should_upload_a_file_and_a_folder_recursively(self, server, emulator):
        (root(server) / "up").mkdir()
        (root(server) / "up" / "data.csv").write_bytes(b"a,b\n1,2\n")
        (root(server) / "up" / "tree" / "inner").mkdir(parents=True)
        (root(server) / "up" / "tree" / "one.txt").write_bytes(b"one")
        (root(server) / "up" / "tree" / "inner" / "two.bin").write_bytes(bytes(range(256)) * 9)
        (emulator.collection_dir(GUEST) / "uploads").mkdir()
        r = server.post("/globus-kit/lab-transfers/upload",
                        {"paths": ["up/data.csv", "up/tree"], "collection": GUEST,
                         "path": "/uploads/"})
        assert r.status_code == 200, r.text
        job = wait_for_job(server, r.json()["id"])
        assert job["status"] == "succeeded", job
        assert (job["filesDone"], job["filesTotal"]) == (3, 3)
        assert job["bytesDone"] == job["bytesTotal"] == 8 + 3 + 256 * 9
        dest = emulator.collection_dir(GUEST) / "uploads"
        assert (dest / "data.csv").read_bytes() == b"a,b\n1,2\n"
        assert (dest / "tree" / "one.txt").read_bytes() == b"one"
        assert (dest / "tree" / "inner" / "two.bin").read_bytes() == bytes(range(256)) * 9
        assert partials(dest) == []

    def test_should_refuse_to_replace_a_remote_file_without_overwrite(self, server, emulator):
        (root(server) / "again.txt").write_bytes(b"new")
        (emulator.collection_dir(GUEST) / "again.txt").write_bytes(b"old")
        body = {"paths": ["again.txt"], "collection": GUEST, "path": "/"}
        job = wait_for_job(server, server.post("/globus-kit/lab-transfers/upload",
                                               body).json()["id"])
        assert job["status"] == "failed"
        assert [e["code"] for e in job["errors"]] == ["EXISTS"]
        assert (emulator.collection_dir(GUEST) / "again.txt").read_bytes() == b"old"
        assert partials(emulator.collection_dir(GUEST)) == []
        job = wait_for_job(server, server.post("/globus-kit/lab-transfers/upload",
                                               dict(body, overwrite=True)).json()["id"])
        assert job["status"] == "succeeded", job
        assert (emulator.collection_dir(GUEST) / "again.txt").read_bytes() == b"new"

    def test_should_list_a_missing_remote_folder_as_an_error(self, server):
        (root(server) / "lost.txt").write_bytes(b"x")
        job = wait_for_job(server, server.post(
            "/globus-kit/lab-transfers/upload",
            {"paths": ["lost.txt"], "collection": GUEST, "path": "/no/such/folder/"}
        ).json()["id"])
        assert job["status"] == "failed"
        assert job["errors"] and job["errors"][0]["path"] == "lost.txt"
        assert job["files"][0]["status"] == "failed"

    @pytest.mark.parametrize("path,code,status", [
        ("../etc/passwd", "BAD_PATH", 400),
        ("up/../../x", "BAD_PATH", 400),
        ("/etc/passwd", "BAD_PATH", 400),
        ("a\u0000b", "BAD_PATH", 400),
        ("", "BAD_INPUT", 400),
        ("never-there.txt", "NOT_FOUND", 404),
    ])
    def test_should_refuse_a_path_outside_or_missing(self, server, path, code, status):
        r = server.post("/globus-kit/lab-transfers/upload",
                        {"paths": [path], "collection": GUEST, "path": "/"})
        assert (r.status_code, r.json()["code"]) == (status, code), r.text

    def test_should_refuse_a_symlink_that_leads_out_of_the_root(self, server, tmp_path):
        secret = tmp_path / "outside.txt"
        secret.write_text("outside the root")
        os.symlink(secret, root(server) / "link.txt")
        os.symlink(tmp_path, root(server) / "linkdir")
        for path in ("link.txt", "linkdir", "linkdir/outside.txt"):
            r = server.post("/globus-kit/lab-transfers/upload",
                            {"paths": [path], "collection": GUEST, "path": "/"})
            assert (r.status_code, r.json()["code"]) == (403, "OUTSIDE_ROOT"), path

    def test_should_skip_a_link_out_of_the_root_inside_a_folder(self, server, emulator,
                                                               tmp_path):
        (tmp_path / "secret.txt").write_text("outside")
        folder = root(server) / "mixed"
        folder.mkdir()
        (folder / "ok.txt").write_text("ok")
        os.symlink(tmp_path / "secret.txt", folder / "escape.txt")
        job = wait_for_job(server, server.post(
            "/globus-kit/lab-transfers/upload",
            {"paths": ["mixed"], "collection": GUEST, "path": "/"}).json()["id"])
        assert [e["code"] for e in job["errors"]] == ["OUTSIDE_ROOT"]
        assert (emulator.collection_dir(GUEST) / "mixed" / "ok.txt").read_text() == "ok"
        assert not (emulator.collection_dir(GUEST) / "mixed" / "escape.txt").exists()

    def test_should_refuse_hidden_paths_and_leave_out_hidden_files(self, server, emulator):
        (root(server) / ".secrets").mkdir()
        (root(server) / ".secrets" / "key").write_text("private")
        (root(server) / "visible").mkdir()
        (root(server) / "visible" / "shown.txt").write_text("shown")
        (root(server) / "visible" / ".env").write_text("TOKEN=private")
        (root(server) / "visible" / ".git").mkdir()
        (root(server) / "visible" / ".git" / "config").write_text("private")
        for path in (".secrets", ".secrets/key", "visible/.env"):
            r = server.post("/globus-kit/lab-transfers/upload",
                            {"paths": [path], "collection": GUEST, "path": "/"})
            assert (r.status_code, r.json()["code"]) == (403, "HIDDEN_PATH"), path
        job = wait_for_job(server, server.post(
            "/globus-kit/lab-transfers/upload",
            {"paths": ["visible"], "collection": GUEST, "path": "/"}).json()["id"])
        assert job["status"] == "succeeded", job
        assert [f["local"] for f in job["files"]] == ["visible/shown.txt"]
        assert sorted(p.name for p in (emulator.collection_dir(GUEST) / "visible").iterdir()
                      ) == ["shown.txt"]
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/x.txt"], "localDir": ".secrets"})
        assert (r.status_code, r.json()["code"]) == (403, "HIDDEN_PATH")

    def test_should_cancel_mid_stream_and_leave_no_partial_file(self, server, emulator):
        big = root(server) / "big.bin"
        with open(big, "wb") as f:
            f.truncate(200 * 1024 * 1024)  # sparse: 200 MB
        r = server.post("/globus-kit/lab-transfers/upload",
                        {"paths": ["big.bin"], "collection": GUEST, "path": "/"})
        job_id = r.json()["id"]
        deadline = time.monotonic() + 20
        while server.get(f"/globus-kit/lab-transfers/{job_id}").json()["bytesDone"] == 0:
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.02)
        r = server.post(f"/globus-kit/lab-transfers/{job_id}/cancel", {})
        assert r.status_code == 200, r.text
        job = wait_for_job(server, job_id)
        assert job["status"] == "cancelled", job
        assert 0 < job["bytesDone"] < job["bytesTotal"]
        time.sleep(0.5)
        assert not (emulator.collection_dir(GUEST) / "big.bin").exists()
        assert partials(emulator.collection_dir(GUEST)) == []
        big.unlink()


HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>.txt",
    "\u202egnp.exe",
    "100% ?query=1 #frag & a+b.txt",
    "é ü 中文 " + "x" * 200 + ".txt",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_should_copy_hostile_names_both_ways_as_sent(server, emulator, name):
    """A name with markup, a bidi override, URL syntax or 200+ characters reaches the
    collection and comes back unchanged, and lands nowhere else."""
    sub = f"hostile-{HOSTILE_NAMES.index(name)}"
    folder = root(server) / sub
    folder.mkdir()
    (folder / name).write_bytes(name.encode())
    (emulator.collection_dir(GUEST) / sub).mkdir()
    job = wait_for_job(server, server.post(
        "/globus-kit/lab-transfers/upload",
        {"paths": [f"{sub}/{name}"], "collection": GUEST, "path": f"/{sub}/"}).json()["id"])
    assert job["status"] == "succeeded", job
    remote = emulator.collection_dir(GUEST) / sub
    assert (remote / name).read_bytes() == name.encode()
    assert partials(remote) == []
    (folder / name).unlink()
    job = wait_for_job(server, server.post(
        "/globus-kit/lab-transfers/download",
        {"collection": GUEST, "paths": [f"/{sub}/{name}"], "localDir": sub}
    ).json()["id"])
    assert job["status"] == "succeeded", job
    assert [p.name for p in folder.iterdir()] == [name]
    assert (folder / name).read_bytes() == name.encode()


class TestPlan:
    """``POST lab-transfers/plan``: what a copy would move, for the choice between HTTPS
    and a Globus transfer when GLOBUS_LOCAL_ENDPOINT serves the server's files."""

    def test_should_count_an_upload_with_its_folders_expanded(self, server):
        (root(server) / "plan-up" / "deep" / "er").mkdir(parents=True)
        (root(server) / "plan-up" / "a.bin").write_bytes(b"x" * 1000)
        (root(server) / "plan-up" / "deep" / "b.bin").write_bytes(b"y" * 200)
        (root(server) / "plan-up" / "deep" / "er" / "c.bin").write_bytes(b"z" * 30)
        (root(server) / "plan-one.txt").write_bytes(b"1234")
        r = server.post("/globus-kit/lab-transfers/plan",
                        {"kind": "upload", "paths": ["plan-up", "plan-one.txt"]})
        assert r.status_code == 200, r.text
        plan = r.json()
        assert (plan["files"], plan["bytes"]) == (4, 1234)
        assert plan["folders"] == ["plan-up"]
        assert plan["localEndpoint"] == GUEST
        assert plan["localEndpointName"] == "Tutorial Guest Collection"

    def test_should_count_a_download_and_name_what_exists(self, server, emulator):
        remote = emulator.collection_dir(GUEST) / "plan-down"
        (remote / "sub").mkdir(parents=True)
        (remote / "one.csv").write_bytes(b"a" * 500)
        (remote / "sub" / "two.csv").write_bytes(b"b" * 70)
        (remote / "single, name.txt").write_bytes(b"c" * 9)
        (emulator.collection_dir(GUEST) / "alone.txt").write_bytes(b"d" * 11)
        # Named alone, a comma has no exact ls filter: counted, its size unknown.
        (emulator.collection_dir(GUEST) / "odd, name.txt").write_bytes(b"e" * 5)
        (root(server) / "plan-here" / "plan-down").mkdir(parents=True)
        r = server.post("/globus-kit/lab-transfers/plan", {
            "kind": "download", "collection": GUEST, "localDir": "plan-here",
            "paths": ["/plan-down/", "/alone.txt", "/odd, name.txt"]})
        assert r.status_code == 200, r.text
        plan = r.json()
        assert (plan["files"], plan["bytes"]) == (5, 500 + 70 + 9 + 11)
        assert plan["existing"] == ["plan-here/plan-down"]
        assert plan["localEndpoint"] == GUEST

    @pytest.mark.parametrize("body,code", [
        ({"kind": "sideways", "paths": ["a"]}, "BAD_INPUT"),
        ({"kind": "upload", "paths": ["../etc/passwd"]}, "BAD_PATH"),
        ({"kind": "upload", "paths": [""]}, "BAD_INPUT"),
        ({"kind": "download", "collection": GUEST, "paths": ["/"], "localDir": ""},
         "BAD_INPUT"),
        ({"kind": "download", "collection": GUEST, "paths": ["/a"], "localDir": ".."},
         "BAD_PATH"),
    ])
    def test_should_refuse_bad_input(self, server, body, code):
        r = server.post("/globus-kit/lab-transfers/plan", body)
        assert (r.status_code, r.json()["code"]) == (400, code), r.text

    def test_should_read_the_local_endpoint_from_the_environment(self, monkeypatch):
        from jupyterlab_globus_kit.lab_transfer import local_endpoint
        monkeypatch.setenv("GLOBUS_LOCAL_ENDPOINT", GUEST.upper())
        assert local_endpoint() == GUEST
        for value in ("", "  ", "not-a-uuid", "{" + GUEST + "}"):
            monkeypatch.setenv("GLOBUS_LOCAL_ENDPOINT", value)
            assert local_endpoint() is None, value
        monkeypatch.delenv("GLOBUS_LOCAL_ENDPOINT")
        assert local_endpoint() is None


class TestDownload:
    def test_should_download_files_into_a_folder(self, server, emulator):
        (emulator.collection_dir(GUEST) / "dl").mkdir()
        (emulator.collection_dir(GUEST) / "dl" / "table.csv").write_bytes(b"x,y\n3,4\n")
        payload = os.urandom(3 * 1024 * 1024 + 5)
        (emulator.collection_dir(GUEST) / "dl" / "blob.bin").write_bytes(payload)
        (root(server) / "inbox").mkdir()
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/dl/table.csv", "/dl/blob.bin"],
                         "localDir": "inbox"})
        assert r.status_code == 200, r.text
        job = wait_for_job(server, r.json()["id"])
        assert job["status"] == "succeeded", job
        assert job["bytesDone"] == job["bytesTotal"] == 8 + len(payload)
        assert (root(server) / "inbox" / "table.csv").read_bytes() == b"x,y\n3,4\n"
        assert (root(server) / "inbox" / "blob.bin").read_bytes() == payload
        assert partials(root(server) / "inbox") == []

    def test_should_refuse_to_overwrite_unless_asked(self, server, emulator):
        (emulator.collection_dir(GUEST) / "same.txt").write_bytes(b"remote")
        (root(server) / "same.txt").write_bytes(b"local")
        body = {"collection": GUEST, "paths": ["/same.txt"], "localDir": ""}
        r = server.post("/globus-kit/lab-transfers/download", body)
        assert (r.status_code, r.json()["code"]) == (409, "EXISTS")
        assert r.json()["existing"] == ["same.txt"]
        assert (root(server) / "same.txt").read_bytes() == b"local"
        job = wait_for_job(server, server.post("/globus-kit/lab-transfers/download",
                                               dict(body, overwrite=True)).json()["id"])
        assert job["status"] == "succeeded", job
        assert (root(server) / "same.txt").read_bytes() == b"remote"

    def test_should_list_a_missing_remote_file_and_write_nothing(self, server):
        (root(server) / "empty-dir").mkdir()
        job = wait_for_job(server, server.post(
            "/globus-kit/lab-transfers/download",
            {"collection": GUEST, "paths": ["/not-here.txt"], "localDir": "empty-dir"}
        ).json()["id"])
        assert job["status"] == "failed"
        assert job["errors"][0]["code"] == "NOT_FOUND"
        assert list((root(server) / "empty-dir").iterdir()) == []

    @pytest.mark.parametrize("local_dir,code,status", [
        ("..", "BAD_PATH", 400),
        ("a/../../..", "BAD_PATH", 400),
        ("/tmp", "BAD_PATH", 400),
        ("no-such-folder", "NOT_FOUND", 404),
    ])
    def test_should_refuse_a_folder_outside_or_missing(self, server, local_dir, code,
                                                       status):
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/x.txt"], "localDir": local_dir})
        assert (r.status_code, r.json()["code"]) == (status, code), r.text

    def test_should_refuse_a_symlinked_folder_that_leads_out(self, server, tmp_path):
        os.symlink(tmp_path, root(server) / "out-link")
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/x.txt"], "localDir": "out-link"})
        assert (r.status_code, r.json()["code"]) == (403, "OUTSIDE_ROOT")
        assert list(tmp_path.iterdir()) == []

    def test_should_download_a_folder_recursively_with_progress(self, server, emulator):
        remote = emulator.collection_dir(GUEST) / "tree-dl"
        (remote / "sub" / "deeper").mkdir(parents=True)
        (remote / "a.txt").write_bytes(b"alpha")
        payload = os.urandom(2 * 1024 * 1024 + 3)
        (remote / "sub" / "b.bin").write_bytes(payload)
        (remote / "sub" / "deeper" / "c.csv").write_bytes(b"x,y\n1,2\n")
        (remote / ".secret").write_bytes(b"hidden")  # allow_hidden is off: left out
        (remote / "empty").mkdir()
        (root(server) / "into").mkdir()
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/tree-dl/"], "localDir": "into"})
        assert r.status_code == 200, r.text
        assert r.json()["filesTotal"] == 3
        job = wait_for_job(server, r.json()["id"])
        assert job["status"] == "succeeded", job
        assert (job["filesDone"], job["filesTotal"]) == (3, 3)
        assert job["bytesDone"] == job["bytesTotal"] == 5 + len(payload) + 8
        assert sorted(f["local"] for f in job["files"]) == [
            "into/tree-dl/a.txt", "into/tree-dl/sub/b.bin", "into/tree-dl/sub/deeper/c.csv"]
        assert all(f["status"] == "done" and f["done"] == f["size"] for f in job["files"])
        local = root(server) / "into" / "tree-dl"
        assert (local / "a.txt").read_bytes() == b"alpha"
        assert (local / "sub" / "b.bin").read_bytes() == payload
        assert (local / "sub" / "deeper" / "c.csv").read_bytes() == b"x,y\n1,2\n"
        assert not (local / ".secret").exists()
        assert partials(root(server) / "into") == []

    def test_should_refuse_to_replace_files_inside_a_folder_unless_asked(self, server,
                                                                         emulator):
        remote = emulator.collection_dir(GUEST) / "merge-dl"
        (remote / "sub").mkdir(parents=True)
        (remote / "new.txt").write_bytes(b"new")
        (remote / "sub" / "same.txt").write_bytes(b"remote")
        local = root(server) / "merge-here" / "merge-dl"
        (local / "sub").mkdir(parents=True)
        (local / "sub" / "same.txt").write_bytes(b"mine")
        (local / "keep.txt").write_bytes(b"kept")
        body = {"collection": GUEST, "paths": ["/merge-dl/"], "localDir": "merge-here"}
        r = server.post("/globus-kit/lab-transfers/download", body)
        assert (r.status_code, r.json()["code"]) == (409, "EXISTS"), r.text
        assert r.json()["existing"] == ["merge-here/merge-dl/sub/same.txt"]
        assert not (local / "new.txt").exists()
        assert (local / "sub" / "same.txt").read_bytes() == b"mine"
        job = wait_for_job(server, server.post("/globus-kit/lab-transfers/download",
                                               dict(body, overwrite=True)).json()["id"])
        assert job["status"] == "succeeded", job
        assert (local / "sub" / "same.txt").read_bytes() == b"remote"
        assert (local / "new.txt").read_bytes() == b"new"
        assert (local / "keep.txt").read_bytes() == b"kept"  # merged into, not replaced

    def test_should_cancel_a_folder_mid_stream_and_leave_no_partial_file(self, server,
                                                                        emulator):
        remote = emulator.collection_dir(GUEST) / "big-dl"
        remote.mkdir()
        (remote / "0-small.txt").write_bytes(b"small")
        with open(remote / "1-huge.bin", "wb") as f:
            f.truncate(300 * 1024 * 1024)
        (remote / "2-after.txt").write_bytes(b"after")
        (root(server) / "cancel-folder").mkdir()
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/big-dl/"],
                         "localDir": "cancel-folder"})
        job_id = r.json()["id"]
        deadline = time.monotonic() + 20
        while server.get(f"/globus-kit/lab-transfers/{job_id}").json()["bytesDone"] <= 5:
            assert time.monotonic() < deadline, "the big file never started"
            time.sleep(0.02)
        server.post(f"/globus-kit/lab-transfers/{job_id}/cancel", {})
        job = wait_for_job(server, job_id)
        assert job["status"] == "cancelled", job
        statuses = {f["remote"].rsplit("/", 1)[-1]: f["status"] for f in job["files"]}
        assert statuses == {"0-small.txt": "done", "1-huge.bin": "cancelled",
                            "2-after.txt": "cancelled"}
        local = root(server) / "cancel-folder" / "big-dl"
        assert sorted(p.name for p in local.iterdir()) == ["0-small.txt"]

    def test_should_cancel_mid_stream_and_leave_no_partial_file(self, server, emulator):
        with open(emulator.collection_dir(GUEST) / "huge.bin", "wb") as f:
            f.truncate(300 * 1024 * 1024)
        (root(server) / "cancel-here").mkdir()
        r = server.post("/globus-kit/lab-transfers/download",
                        {"collection": GUEST, "paths": ["/huge.bin"],
                         "localDir": "cancel-here"})
        job_id = r.json()["id"]
        deadline = time.monotonic() + 20
        while server.get(f"/globus-kit/lab-transfers/{job_id}").json()["bytesDone"] == 0:
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)
        server.post(f"/globus-kit/lab-transfers/{job_id}/cancel", {})
        job = wait_for_job(server, job_id)
        assert job["status"] == "cancelled", job
        assert list((root(server) / "cancel-here").iterdir()) == []


def peak_rss_mb(server: JupyterServer) -> float:
    """The server process's peak resident memory (VmHWM), MB."""
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_should_stream_with_flat_memory(server, emulator):
    """10 MB then 100 MB each way: the server's peak memory grows by less than 10 % of the
    larger body (a buffered copy would grow by about 100 MB)."""
    folder = root(server) / "memory"
    folder.mkdir()
    for name, size in (("small.bin", 10), ("large.bin", 100)):
        with open(folder / name, "wb") as f:
            f.truncate(size * 1024 * 1024)  # sparse: zeros that still stream through
    peaks = []
    for name in ("small.bin", "large.bin"):
        job = wait_for_job(server, server.post(
            "/globus-kit/lab-transfers/upload",
            {"paths": [f"memory/{name}"], "collection": GUEST, "path": "/"}).json()["id"], 60)
        assert job["status"] == "succeeded", job
        (folder / name).unlink()
        job = wait_for_job(server, server.post(
            "/globus-kit/lab-transfers/download",
            {"collection": GUEST, "paths": [f"/{name}"], "localDir": "memory"}).json()["id"],
            60)
        assert job["status"] == "succeeded", job
        assert (folder / name).stat().st_size == job["bytesDone"]
        peaks.append(peak_rss_mb(server))
    growth = peaks[1] - peaks[0]
    print(f"\npeak RSS after 10 MB: {peaks[0]:.1f} MB, after 100 MB: {peaks[1]:.1f} MB")
    assert growth < 10, f"peak memory grew {growth:.1f} MB for a 90 MB larger body"


class TestRules:
    @pytest.mark.parametrize("route,body", [
        ("upload", {"paths": "a", "collection": GUEST, "path": "/"}),
        ("upload", {"paths": ["a"], "collection": "nope", "path": "/"}),
        ("upload", {"paths": ["a"], "collection": GUEST}),
        ("upload", {"paths": ["a"], "collection": GUEST, "path": "/", "overwrite": "y"}),
        ("download", {"collection": GUEST, "paths": ["relative"], "localDir": ""}),
        ("download", {"collection": GUEST, "paths": ["/a/../b"], "localDir": ""}),
        ("download", {"collection": GUEST, "paths": ["/"], "localDir": ""}),
        ("download", {"collection": GUEST, "paths": ["/~/"], "localDir": ""}),
        ("download", {"collection": GUEST, "paths": [], "localDir": ""}),
    ])
    def test_should_refuse_bad_input(self, server, route, body):
        r = server.post(f"/globus-kit/lab-transfers/{route}", body)
        assert r.status_code == 400 and r.json()["code"] in ("BAD_INPUT", "BAD_PATH"), r.text

    def test_should_answer_not_found_for_an_unknown_job(self, server):
        r = server.get(f"/globus-kit/lab-transfers/{MISSING}")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
        r = server.post(f"/globus-kit/lab-transfers/{MISSING}/cancel", {})
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")

    def test_should_refuse_without_auth_or_xsrf(self, server):
        r = server.request("POST", "/globus-kit/lab-transfers/upload", token=None,
                           json={"paths": ["a"], "collection": GUEST, "path": "/"})
        assert r.status_code == 403
        r = requests.post(f"{server.url}/globus-kit/lab-transfers/upload",
                          cookies={"_xsrf": "x"},
                          json={"paths": ["a"], "collection": GUEST, "path": "/"},
                          timeout=10)
        assert r.status_code in (403, 401)

    def test_should_never_show_a_token(self, server, emulator):
        secrets = list(secrets_of(emulator.env["GLOBUS_DATA"]).values())
        assert GUEST in secrets_of(emulator.env["GLOBUS_DATA"])  # the collection's token
        assert len(server.responses) > 20
        server.assert_no_secret(secrets)


def test_should_leave_no_partial_file_when_the_server_dies_mid_copy(emulator):
    """A server killed mid-upload and mid-download (SIGKILL: no cleanup runs) leaves
    nothing at either final path; a new server does not know the old job."""
    env = {k: v for k, v in emulator.env.items() if k.startswith("GLOBUS_SDK_") or
           k == "GLOBUS_DATA"}
    for kind in ("upload", "download"):
        srv = JupyterServer(env)
        try:
            folder = root(srv) / "work"
            folder.mkdir()
            if kind == "upload":
                with open(folder / f"killed-{kind}.bin", "wb") as f:
                    f.truncate(300 * 1024 * 1024)
                body = {"paths": [f"work/killed-{kind}.bin"], "collection": GUEST,
                        "path": "/"}
            else:
                with open(emulator.collection_dir(GUEST) / f"killed-{kind}.bin", "wb") as f:
                    f.truncate(300 * 1024 * 1024)
                body = {"collection": GUEST, "paths": [f"/killed-{kind}.bin"],
                        "localDir": "work"}
            job_id = srv.post(f"/globus-kit/lab-transfers/{kind}", body).json()["id"]
            deadline = time.monotonic() + 20
            while srv.get(f"/globus-kit/lab-transfers/{job_id}").json()["bytesDone"] == 0:
                assert time.monotonic() < deadline, f"the {kind} never started"
                time.sleep(0.02)
            srv.proc.kill()
            srv.proc.wait(10)
            time.sleep(0.5)
            if kind == "upload":
                assert not (emulator.collection_dir(GUEST) / f"killed-{kind}.bin").exists()
                assert partials(emulator.collection_dir(GUEST)) == []
            else:
                # The final name never appears; the temporary one is hidden and named so.
                assert sorted(p.name for p in folder.iterdir()
                              if not p.name.startswith(".globus-kit-partial-")) == []
        finally:
            srv.stop()
    again = JupyterServer(env)
    try:
        r = again.get(f"/globus-kit/lab-transfers/{job_id}")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
        assert "restarts" in r.json()["message"]
    finally:
        again.stop()


def test_should_sweep_a_dead_servers_temporary_files_on_the_next_download(tmp_path):
    """After a restart, a download into a folder removes the temporary files a killed
    server left there (written before this process began), and keeps a live one."""
    import asyncio

    from jupyterlab_globus_kit.globus_api import GlobusApi
    from jupyterlab_globus_kit.lab_transfer import TEMP_PREFIX, LabTransfers
    from jupyterlab_globus_kit.status import GlobusState

    stale = tmp_path / f"{TEMP_PREFIX}0123456789ab-data.csv"
    stale.write_bytes(b"half a file")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    mine = tmp_path / "keep.csv"
    mine.write_text("user data")

    async def run() -> dict:
        transfers = LabTransfers(GlobusApi(GlobusState({})))
        live = tmp_path / f"{TEMP_PREFIX}ba9876543210-live.bin"
        live.write_bytes(b"being written")
        doc = await transfers.start_download(str(tmp_path), GUEST, ["/x.csv"], "", False)
        job = transfers.get(doc["id"])
        assert job.task is not None
        await job.task
        assert live.exists(), "a temporary file written after the start is kept"
        return job.document()

    job = asyncio.run(run())
    assert not stale.exists()
    assert mine.read_text() == "user data"
    assert job["status"] == "failed"  # no credentials here: the sweep ran first
