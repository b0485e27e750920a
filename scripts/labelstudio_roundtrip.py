"""Round trip through a real Label Studio: config and tasks in, an annotation submitted, export back.

Runs Label Studio from its own virtual environment (``.labelstudio/venv``, created on first use
with ``pip install label-studio``) on 127.0.0.1 with a throw-away data folder, then through its
HTTP API: creates a project with the config ``communique ls-export`` generates, imports the tasks
with their pre-annotations, submits one annotation per task (the pre-annotation, as an annotator
accepting it would), exports the project as full JSON, imports that export with
``communique ls-import`` into a copy of the corpus, and validates the result. The export is
written to ``--export`` (the test suite keeps one as a fixture).

Run: ``.venv/bin/python scripts/labelstudio_roundtrip.py --root tests/fixtures/base-with-schema``
or without ``--root`` on the fixture corpus the tests use.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from communique.labelstudio import annotation_to_result, export_main, import_main
from communique.layout import REPO_ROOT, Layout
from communique.validate import render, validate_tree

TOKEN = "c0mmun1que0000000000000000000000000000"[:40]
ENABLE_LEGACY_TOKENS = """
import django
django.setup()
from organizations.models import Organization
from jwt_auth.models import JWTSettings
for organization in Organization.objects.all():
    settings, _ = JWTSettings.objects.get_or_create(organization=organization)
    settings.legacy_api_tokens_enabled = True
    settings.save()
"""


def label_studio_python(venv: Path) -> Path:
    """The Python of a virtual environment with label-studio installed (created if missing)."""
    python = venv / "bin" / "python"
    if not (venv / "bin" / "label-studio").exists():
        print(f"installing label-studio into {venv} (first run only) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "label-studio"], check=True)
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(base: str, method: str, path: str, body: object | None = None) -> object:
    """One authenticated JSON request to the local Label Studio."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def wait_until_up(base: str, process: subprocess.Popen, seconds: int = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("label-studio exited before it answered")
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(2)
    raise RuntimeError(f"label-studio did not answer at {base} within {seconds} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="corpus tree (default: a copy of the test fixture corpus)")
    parser.add_argument("--export", type=Path, default=REPO_ROOT / "tests" / "fixtures" / "labelstudio" / "export.json")
    parser.add_argument("--annotator", default="ann-ls")
    parser.add_argument("--venv", type=Path, default=REPO_ROOT / ".labelstudio" / "venv")
    parser.add_argument("--articles", nargs="*", help="article ids to put in the project (default: all with text)")
    parser.add_argument("--prefill", default="gold", help="what pre-fills the tasks: an annotator, 'gold' or 'skeleton' (default gold)")
    parser.add_argument("--submit", type=Path, help="a corpus annotation file to submit as the annotator's work (default: accept the pre-annotation)")
    parser.add_argument("--keep", action="store_true", help="import into --root itself instead of a copy (a contributor's own checkout)")
    args = parser.parse_args(argv)
    python = label_studio_python(args.venv)
    work = Path(tempfile.mkdtemp(prefix="communique-ls-"))
    root = work / "corpus-tree"
    if args.root and args.keep:
        root = args.root.resolve()
    elif args.root:
        shutil.copytree(args.root, root, ignore=shutil.ignore_patterns(".venv", ".git", ".labelstudio"))
    else:
        shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "base", root)
        shutil.copytree(REPO_ROOT / "schema", root / "schema")
    if not args.keep:
        for previous in (root / "corpus" / "annotations").glob(f"*/{args.annotator}.json"):
            previous.unlink()
    selection = ["--articles", *args.articles] if args.articles else []
    if export_main([str(work / "ls"), "--prefill", args.prefill, *selection, "--root", str(root)]) != 0:
        return 1
    submitted = json.loads(args.submit.read_text(encoding="utf-8")) if args.submit else None
    config = (work / "ls" / "config.xml").read_text(encoding="utf-8")
    tasks = json.loads((work / "ls" / "tasks.json").read_text(encoding="utf-8"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(work / "ls-data"), "DJANGO_SETTINGS_MODULE": "core.settings.label_studio"}
    server = subprocess.Popen(
        [str(args.venv / "bin" / "label-studio"), "start", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(work / "ls-data"),
         "--username", "annotator@example.org", "--password", "communique-roundtrip", "--user-token", TOKEN, "--no-browser"],
        stdout=open(work / "label-studio.log", "w"), stderr=subprocess.STDOUT, env=environment,
    )
    try:
        wait_until_up(base, server)
        package = subprocess.run([str(python), "-c", "import label_studio, os; print(os.path.dirname(label_studio.__file__))"], capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run([str(python), "-c", ENABLE_LEGACY_TOKENS], cwd=package, env=environment, check=True, capture_output=True)
        project = api(base, "POST", "/api/projects", {"title": "Communiqué round trip", "label_config": config})
        api(base, "POST", f"/api/projects/{project['id']}/import", tasks)
        created = api(base, "GET", f"/api/tasks?project={project['id']}&page_size=1000")
        created_tasks = created["tasks"] if isinstance(created, dict) else created
        for task in created_tasks:
            detail = api(base, "GET", f"/api/tasks/{task['id']}")
            if submitted is not None and detail["data"]["article_id"] == submitted["article_id"]:
                result = annotation_to_result(submitted, detail["data"]["text"])
            else:
                result = (detail.get("predictions") or [{}])[0].get("result", [])
            api(base, "POST", f"/api/tasks/{task['id']}/annotations", {"result": result, "was_cancelled": False})
        exported = api(base, "GET", f"/api/projects/{project['id']}/export?exportType=JSON&download_all_tasks=true")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    args.export.parent.mkdir(parents=True, exist_ok=True)
    args.export.write_text(json.dumps(exported, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"Label Studio {base}: project {project['id']}, {len(created_tasks)} tasks annotated, export written to {args.export}")
    status = import_main([str(args.export), "--annotator", args.annotator, "--root", str(root)])
    report = validate_tree(Layout(root))
    print(render(report))
    shutil.rmtree(work, ignore_errors=True)
    return 0 if status == 0 and report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
