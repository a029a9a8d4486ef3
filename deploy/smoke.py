"""Smoke test of the production stack, end to end over HTTPS through nginx (make prod-smoke; .ci/run runs it).

Starts a stack of its own with deploy/prod-local (its own directory, ports, database and Redis, so a stack a
developer left running is not touched), then walks what a learner and an admin do and what an operator
meets: sign up, enrol in a free course, complete it, download the certificate the documents worker built
(sent by nginx from its internal location, not streamed by Django), an export, "payments unavailable" without
Stripe keys, a Redis outage (readiness 503, pages and sign-in still answer, work queued meanwhile runs once
Redis is back), and a backup that survives wiping the database and the files. Stops everything at the end,
also when a step fails (the last lines of the stack's logs are printed then).

Only the standard library: it runs with the project's venv or any Python 3.11.
"""

import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK_DIR = ROOT / "var" / "prod-smoke"
HTTPS_PORT = int(os.environ.get("SMOKE_HTTPS_PORT", "8543"))
HTTP_PORT = int(os.environ.get("SMOKE_HTTP_PORT", "8180"))
BASE = f"https://localhost:{HTTPS_PORT}"
DB_NAME = "learnwell_smoke"
STACK_ENV = {
    "LW_STACK_DIR": str(STACK_DIR),
    "LW_STACK_HTTPS_PORT": str(HTTPS_PORT),
    "LW_STACK_HTTP_PORT": str(HTTP_PORT),
    "LW_STACK_WEB_PORT": os.environ.get("SMOKE_WEB_PORT", "8101"),
    "LW_STACK_REDIS_PORT": os.environ.get("SMOKE_REDIS_PORT", "6381"),
    "LW_STACK_DB_NAME": DB_NAME,
    "LW_STACK_SEED": "1",
    # A primary and a read replica of the stack's own: anonymous catalogue reads, reports and leaderboards go to
    # the replica, so the learner's steps below also check read-your-writes through the whole stack.
    "LW_STACK_REPLICAS": "1",
    "LW_STACK_PRIMARY_PORT": os.environ.get("SMOKE_PRIMARY_PORT", "3326"),
    "LW_STACK_REPLICA_PORT": os.environ.get("SMOKE_REPLICA_PORT", "3327"),
    "LW_STACK_EXTRA_ENV": str(STACK_DIR / "extra.env"),
}
# The outbox is swept every few seconds here, not every minute, so the outage step does not wait long.
EXTRA_ENV = "OUTBOX_SWEEP_SECONDS=5\n"
FREE_COURSE = "/courses/python-for-data-analysis/"
SECOND_FREE_COURSE = "/courses/"  # any other free course: found on the catalogue
PAID_COURSE = "/courses/building-web-apps-with-django/"


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- the stack --------------------------------------------------------------------------------------------


def stack(*arguments: str, capture: bool = False) -> str:
    environment = {**os.environ, **STACK_ENV}
    result = subprocess.run(
        [str(ROOT / "deploy" / "prod-local"), *arguments],
        cwd=ROOT,
        env=environment,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    if result.returncode != 0:
        raise SmokeFailure(f"deploy/prod-local {' '.join(arguments)} failed (exit {result.returncode})")
    return result.stdout or ""


def mariadb(sql: str) -> None:
    """SQL as root on the stack's primary."""
    port = STACK_ENV["LW_STACK_PRIMARY_PORT"]
    subprocess.run(
        ["mariadb", "--no-defaults", "--host=127.0.0.1", f"--port={port}", "--user=root", "-e", sql], check=True
    )


def fresh_stack_directory() -> None:
    if STACK_DIR.exists():
        subprocess.run([str(ROOT / "deploy" / "prod-local"), "stop"], env={**os.environ, **STACK_ENV}, check=False)
        shutil.rmtree(STACK_DIR)
    STACK_DIR.mkdir(parents=True)
    (STACK_DIR / "extra.env").write_text(EXTRA_ENV)


def log_lines(name: str) -> list[str]:
    path = STACK_DIR / "logs" / name
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def show_logs() -> None:
    for path in sorted((STACK_DIR / "logs").glob("*.log")):
        lines = path.read_text(errors="replace").splitlines()[-15:]
        print(f"\n--- {path.name} (last {len(lines)} lines)")
        print("\n".join(lines))


# --- a browser without a browser --------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers, body: bytes, url: str):
        self.status, self.headers, self.body, self.url = status, headers, body, url

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def find(self, pattern: str) -> str:
        match = re.search(pattern, self.text)
        check(match is not None, f"{self.url}: nothing matches {pattern!r}")
        assert match is not None
        return match.group(1)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # answered as they are: the steps check where they lead


class Client:
    def __init__(self, certificate: Path):
        self.cookies = http.cookiejar.CookieJar()
        context = ssl.create_default_context(cafile=str(certificate))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.cookies),
            NoRedirects(),
        )

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Response:
        url = path if path.startswith("http") else BASE + path
        body = urllib.parse.urlencode(data or {}).encode() if method == "POST" else None
        all_headers = dict(headers or {})
        if method == "POST":
            token = next((cookie.value for cookie in self.cookies if cookie.name == "csrftoken"), "")
            all_headers.update({"X-CSRFToken": token, "Referer": url, "Origin": BASE})
        request = urllib.request.Request(url, data=body, method=method, headers=all_headers)
        try:
            with self.opener.open(request, timeout=30) as answer:
                return Response(answer.status, answer.headers, answer.read(), url)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read(), url)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> Response:
        return self.request("POST", path, data, **kwargs)

    def follow(self, response: Response) -> Response:
        while response.status in (301, 302, 303):
            response = self.get(response.headers["Location"])
        return response

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((cookie for cookie in self.cookies if cookie.name == name), None)


def wait_until(seconds: float, what: str, probe):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise SmokeFailure(f"{what} did not happen within {seconds:.0f} s")


# --- the steps --------------------------------------------------------------------------------------------


def sent_by_nginx(response: Response, location_prefix: str) -> None:
    """The file came from nginx's internal location: Django answered with X-Accel-Redirect and no body."""
    request_id = response.headers.get("X-Request-ID", "")
    check(bool(request_id), "the answer carries no X-Request-ID")

    def logged():
        return [line for line in log_lines("nginx-access.log") if f"rid={request_id}" in line]

    lines = wait_until(5, "nginx's access log line", logged)
    accel = re.search(r'accel="([^"]*)"', lines[-1])
    check(accel is not None and accel.group(1).startswith(location_prefix), f"not sent by nginx: {lines[-1]}")
    sent = re.search(r'" 200 (\d+) ', lines[-1])
    check(sent is not None and int(sent.group(1)) == len(response.body), f"nginx sent another size: {lines[-1]}")
    # gunicorn writes its line once the answer has left, so it may come a moment after nginx's.
    upstream = wait_until(
        5,
        "gunicorn's access log line for the download",
        lambda: [line for line in log_lines("gunicorn-access.log") if f"rid={request_id}" in line],
    )
    django_bytes = re.search(r'" 200 (\S+) ', upstream[-1])
    check(django_bytes is not None and django_bytes.group(1) in ("0", "-"), f"Django sent a body: {upstream[-1]}")


def sign_up(client: Client, username: str) -> None:
    page = client.get("/accounts/sign-up/")
    check(page.status == 200, f"sign-up page answered {page.status}")
    password = "Quiet-harbour-7-lanterns"
    answer = client.post(
        "/accounts/sign-up/",
        {
            "first_name": "Sam",
            "last_name": "Smoke",
            "email": f"{username}@example.test",
            "username": username,
            "password1": password,
            "password2": password,
            "time_zone": "UTC",
        },
    )
    check(answer.status == 302, f"sign-up answered {answer.status}: {answer.text[:300]}")
    session = client.cookie("sessionid")
    check(session is not None and session.secure, "the session cookie is missing or not Secure")


def enrol(client: Client, course_path: str) -> str:
    course = client.get(course_path)
    check(course.status == 200, f"{course_path} answered {course.status}")
    action = course.find(r'action="(/learning/courses/\d+/enrol/)"')
    answer = client.post(action)
    check(answer.status in (200, 302), f"enrolling answered {answer.status}")
    return client.follow(answer).text if answer.status == 302 else answer.text


def complete_course(client: Client, course_path: str) -> int:
    course = client.get(course_path).text
    lessons = sorted(set(re.findall(rf'href="({re.escape(course_path)}[^"#?]+/[^"#?]+/)"', course)))
    completed = 0
    for lesson in lessons:
        page = client.get(lesson)
        match = re.search(r"(/learning/lessons/\d+/complete/)", page.text)
        if page.status != 200 or match is None:
            continue  # an assessment, not a lesson
        answer = client.post(match.group(1))
        check(answer.status in (200, 302), f"completing {lesson} answered {answer.status}")
        completed += 1
    check(completed > 0, f"no lesson of {course_path} could be completed")
    return completed


def certificate_download_path(client: Client, course_path: str) -> str:
    """The course page shows the certificate panel once the course is complete; the link once the PDF exists."""

    def link():
        found = re.search(r'href="(/certificates/download/[^/"]+/)"', client.get(course_path).text)
        return found.group(1) if found else None

    return wait_until(90, "the certificate PDF (documents worker)", link)


def run() -> None:
    timings: list[tuple[str, float]] = []

    def step(name: str):
        timings.append((name, time.monotonic()))
        print(f"\n=== smoke: {name}", flush=True)

    step("start the stack")
    fresh_stack_directory()
    stack("start")
    environment = stack("env", capture=True)
    check("DATABASE_REPLICA_URLS=mysql://" in environment, "the stack runs without its read replica")
    certificate = STACK_DIR / "nginx" / "tls" / "cert.pem"
    learner = Client(certificate)

    step("TLS, readiness, HSTS, plain http redirects")
    ready = learner.get("/readyz")
    check(ready.status == 200 and json.loads(ready.body)["status"] == "ok", f"/readyz: {ready.status} {ready.text}")
    home = learner.get("/")
    check(home.status == 200, f"home answered {home.status}")
    check("max-age=31536000" in home.headers.get("Strict-Transport-Security", ""), "no HSTS header over https")
    # Static files and public media come from nginx itself (the app's files must be readable by its workers).
    for asset in (home.find(r'href="(/static/css/[^"]+\.css)"'), home.find(r'src="(/media/images/[^"]+)"')):
        answer = learner.get(asset)
        check(answer.status == 200 and len(answer.body) > 0, f"{asset} answered {answer.status}")
    plain = urllib.request.build_opener(NoRedirects())
    try:
        plain.open(f"http://localhost:{HTTP_PORT}/courses/", timeout=10)
        raise SmokeFailure("plain http answered without redirecting")
    except urllib.error.HTTPError as redirect:
        check(redirect.code == 301, f"plain http answered {redirect.code}")
        check(redirect.headers["Location"] == f"{BASE}/courses/", f"redirected to {redirect.headers['Location']}")

    step("nginx's micro-cache: visitors share a page, people signed in never get it")
    visitor = Client(certificate)
    # The first rendering may write (image renditions), which pins the visitor to the primary with a cookie;
    # nginx keeps no answer that sets one, so the page is kept from the next answer on.
    answers = [visitor.get("/courses/") for _ in range(3)]
    shared = answers[-1]
    check(shared.headers.get("X-Proxy-Cache") == "HIT", f"nginx did not keep the catalogue: {shared.headers}")
    check(shared.headers.get("Set-Cookie") is None, "a page nginx kept for visitors sets a cookie")
    check(shared.headers.get("X-Accel-Expires") is None, "nginx passed Django's X-Accel-Expires on")

    step("sign up, enrol in a free course, complete it")
    sign_up(learner, "smoke-learner")
    own = learner.get("/courses/")
    check(own.headers.get("X-Proxy-Cache") == "BYPASS", f"nginx's cache answered a signed-in learner: {own.headers}")
    check("Sign out" in own.text, "the signed-in learner was shown the visitors' catalogue")
    enrol(learner, FREE_COURSE)
    lessons = complete_course(learner, FREE_COURSE)
    print(f"completed {lessons} lessons")

    step("certificate built by the documents worker, sent by nginx")
    download = certificate_download_path(learner, FREE_COURSE)
    pdf = learner.get(download)
    check(pdf.status == 200 and pdf.body.startswith(b"%PDF"), f"certificate download answered {pdf.status}")
    check("attachment" in pdf.headers.get("Content-Disposition", ""), "the certificate is not an attachment")
    sent_by_nginx(pdf, "/_private/certificates/")
    serial = re.search(r"certificate-([A-Za-z0-9-]+)\.pdf", pdf.headers["Content-Disposition"])
    check(serial is not None, "no serial in the certificate's file name")
    assert serial is not None
    verification = json.loads(learner.get(f"/certificates/verify/{serial.group(1)}.json").body)
    check(verification["status"] == "valid", f"verification says {verification}")
    pdf_hash = hashlib.sha256(pdf.body).hexdigest()
    stranger = Client(certificate)
    check(stranger.get(download).status == 302, "an anonymous visitor was not sent to sign in for the certificate")

    step("an admin's export, sent by nginx")
    admin = Client(certificate)
    admin.get("/accounts/sign-in/")
    signed_in = admin.post("/accounts/sign-in/", {"username": "admin", "password": "learnwell-admin"})
    check(signed_in.status == 302, f"admin sign-in answered {signed_in.status}")
    admin.get("/admin/analytics/")
    started = admin.post("/admin/analytics/exports/", {"format": "csv"})
    check(started.status == 302, f"starting the export answered {started.status}: {started.text[:200]}")
    status_path = started.headers["Location"]

    def export_link():
        found = re.search(r"(/analytics/exports/download/[^/\"]+/)", admin.get(status_path).text)
        return found.group(1) if found else None

    export = admin.get(wait_until(90, "the export (documents worker)", export_link))
    check(export.status == 200 and b"," in export.body, f"export download answered {export.status}")
    sent_by_nginx(export, "/_private/exports/")
    check(learner.get(export.url).status in (403, 404), "the learner could download the admin's export")

    step("buying without Stripe keys says payments are unavailable")
    paid = learner.get(PAID_COURSE)
    buy = paid.find(r"(/billing/courses/\d+/(?:checkout|buy)/)")
    refusal = learner.get(buy)
    check(refusal.status == 503 and "not available" in refusal.text, f"buy answered {refusal.status}")

    step("Redis outage: readiness fails, pages and sign-in answer, work queued meanwhile runs afterwards")
    mails_before = len(list((STACK_DIR / "mail").glob("*.log")))
    stack("redis-stop")
    outage = learner.get("/readyz")
    check(outage.status == 503, f"/readyz answered {outage.status} with Redis down")
    states = json.loads(outage.body)
    check(states.get("cache") == states.get("broker") == "failing", f"/readyz says {states}")
    for path in ("/", "/courses/", FREE_COURSE, "/accounts/sign-in/"):
        answer = Client(certificate).get(path)
        check(answer.status == 200, f"{path} answered {answer.status} during the outage")
    catalogue = learner.get("/courses/").text
    others = [path for path in re.findall(r'href="(/courses/[a-z0-9-]+/)"', catalogue) if path != FREE_COURSE]
    free_other = next((path for path in others if "Free" in learner.get(path).text and path != PAID_COURSE), None)
    check(free_other is not None, "no second free course in the demo catalogue")
    assert free_other is not None
    enrol(learner, free_other)  # its confirmation e-mail cannot be queued now: it waits in the outbox
    kept = [line for line in log_lines("gunicorn.log") if "kept in the outbox" in line and "send_account_email" in line]
    check(bool(kept), "the web process did not keep the e-mail task in the outbox")
    check(json.loads(kept[-1])["level"] == "WARNING", "the outbox line is not a JSON log line")
    stack("redis-start")

    def mail_sent():
        return len(list((STACK_DIR / "mail").glob("*.log"))) > mails_before

    wait_until(120, "the e-mail queued during the outage", mail_sent)
    check(learner.get("/readyz").status == 200, "/readyz did not recover")

    step("backup, wipe the database and the files, restore")
    archive = stack("backup", capture=True).strip().splitlines()[-1]
    check(archive.endswith(".tar.gz"), f"backup printed {archive!r}")
    mariadb(f"DROP DATABASE `{DB_NAME}`; CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    for store in ("private", "media"):
        shutil.rmtree(STACK_DIR / store)
    stack("restore", archive)
    again = learner.get(download)
    check(again.status == 200, f"after the restore the certificate answered {again.status}")
    check(hashlib.sha256(again.body).hexdigest() == pdf_hash, "the restored certificate is not the same file")
    sent_by_nginx(again, "/_private/certificates/")
    verification = json.loads(learner.get(f"/certificates/verify/{serial.group(1)}.json").body)
    check(verification["status"] == "valid", f"after the restore verification says {verification}")

    step("stop")
    stack("stop")
    timings.append(("end", time.monotonic()))
    print("\nsmoke: every step passed")
    for (name, started_at), (_, ended_at) in zip(timings, timings[1:], strict=False):
        print(f"  {ended_at - started_at:6.1f} s  {name}")


def main() -> int:
    try:
        run()
    except (SmokeFailure, subprocess.CalledProcessError, OSError, KeyError, ValueError) as error:
        print(f"\nsmoke: FAILED: {error}", file=sys.stderr)
        show_logs()
        subprocess.run([str(ROOT / "deploy" / "prod-local"), "stop"], env={**os.environ, **STACK_ENV}, check=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
