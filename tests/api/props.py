#!/usr/bin/env python3
"""Property tests of HQ's API from its OpenAPI document, with schemathesis (run by
scripts/api-props.sh, which installs it).

1. A template HQ (SQLite, `admin seed-demo --no-activity`) gets some work from a real headless
   device (`beatbook device`: enrol, sign in as PC4127, 100 concerns, sync), then a second device
   enrolled and signed in over the API (its bearer token is the device's credentials here), and a
   dashboard session for every staff role. Then it stops: each run below gets a copy of it, so
   the sessions work in every copy and no run sees another's changes.
2. One HQ serves the runs that do not end the credentials they use: the device's operations
   (tags devices, sync, photos) with the device's bearer token, then every dashboard operation
   (tag hq) once per staff role with that role's session cookie (and HQ's own `Origin`, as a
   browser sends). The administrator runs last: it changes the directory.
3. What ends a session or a device runs on a throwaway HQ each: the device's sign-out, the
   dashboard's sign-out, revoking a device (and then: the revoked device is refused).

Checks (every phase: the document's examples, its boundaries, random data): no 5xx; only status
codes, content types and bodies the document lists; data the document says is valid is not
refused (400 or 422); data it says is invalid (out of range, wrong type, missing) is refused;
operations that need credentials refuse requests without them. The seed is fixed
(API_PROPS_SEED, default 17) so a failure in CI repeats on a developer's machine.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

PASSWORD = "api-props-password-1"
PIN = "246810"
# Every staff role of the demo directory, with one of its people.
STAFF = {
    "supervisor": "PS1102",
    "intelligence_unit": "DC7740",
    "analyst": "AN0815",
    "records_manager": "RM0001",
    "committee_member": "CM0001",
    "data_protection": "DP0001",
    "force_reader": "SU0001",
    "admin": "AD0001",
}
DEVICE_OFFICER = "PC4127"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "missing_required_header",
        "ignored_auth",
    ]
)
# Bodies with rules the document states in words only (across fields, or against what HQ holds):
# for these a `400` naming the rule is a right answer to data the schema alone calls valid. Every
# other operation's schema says what is valid (ranges, patterns, lengths, enums), and a valid
# request refused fails the run. Each entry says why its rule cannot be a schema.
PROSE_RULES = {
    "POST /api/v1/sync/push": "ops in the Op shape of the TypeScript bindings (records of eight kinds), checked op by op",
    "POST /api/v1/sync/reads": "a `view` names exactly one record; the others any number",
    "POST /api/v1/hq/admin/areas": "the boundary is GeoJSON text, parsed and checked as a polygon",
    "POST /api/v1/hq/admin/teams": "a team's areas must be areas HQ holds",
    "POST /api/v1/hq/admin/officers": "the officer's teams must be teams HQ holds; an administrator cannot demote themself",
    "POST /api/v1/hq/admin/officers/{id}/disabled": "an administrator cannot disable themself",
    "POST /api/v1/hq/admin/officers/new": "the officer's teams must be teams HQ holds; the collar number must be new",
    "POST /api/v1/hq/framework/targets": "the scope's team must be one HQ holds; an outcome measure's lowest target depends on the measure",
    "POST /api/v1/hq/outcomes/costs": "the team must be one HQ holds",
    "POST /api/v1/hq/actions": "the team and owner must be ones HQ holds; due and review dates from today, the review no later than the due date",
    "POST /api/v1/hq/partnership-notes": "a team or an area, one HQ holds; a meeting not after today",
    "POST /api/v1/hq/outcomes/crime": "the body is a police.uk CSV file, checked line by line",
    "POST /api/v1/hq/outcomes/survey": "the body is a survey CSV file, checked line by line",
    "GET /api/v1/hq/outcomes/crime": "exactly one of `team` and `area`",
    "GET /api/v1/hq/outcomes/confidence": "exactly one of `team` and `area`",
    "GET /api/v1/hq/subject-access": "at least one of name, phone, email, date of birth and description",
    "POST /api/v1/hq/subject-access/requests": "the query names at least one of name, phone, email, date of birth and description",
    "POST /api/v1/hq/intel/{id}/grade": "the grade's 3x5x2 parts are documented as an object, not field by field (to do)",
    "POST /api/v1/hq/intel/{id}/disseminate": "the grade's 3x5x2 parts are documented as an object, not field by field (to do)",
    "POST /api/v1/hq/subject-access/redactions": "the decision is flattened into the request (`disclose`, `disclose_redacted`, `withhold`), not documented as an enum (to do)",
    "GET /api/v1/hq/retention/queue": "the team and area must be ones HQ holds",
    "POST /api/v1/hq/retention/decisions": "the decision is flattened into the request (retain with a date, dispose, hold, release), not documented as an enum (to do)",
    "GET /api/v1/hq/framework": "`from` no later than `to` (today when left out)",
    "GET /api/v1/hq/framework.csv": "`from` no later than `to` (today when left out)",
    "GET /api/v1/hq/framework/cell": "`from` no later than `to` (today when left out)",
    "GET /api/v1/hq/framework/officers": "`from` no later than `to` (today when left out)",
    "GET /api/v1/hq/framework/overlaps": "`from` no later than `to` (today when left out)",
    "GET /api/v1/hq/committee/report": "the quarter must have begun",
    "GET /api/v1/hq/committee/report.pdf": "the quarter must have begun",
}
# What refuses data the document calls invalid: schemathesis's list, and 413 (a photo's size
# over the limit is refused before its name is read).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
PROSE_STATUSES = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

# Operations that end the credentials a run uses, or a device: each on a throwaway HQ.
DEVICE_SIGN_OUT = "POST /api/v1/logout"
STAFF_SIGN_OUT = "POST /api/v1/hq/logout"
REVOKE = "POST /api/v1/hq/admin/devices/{id}/revoke"

ENV = dict(os.environ)
# HQ's key for data at rest: the same for the template and its copies (ignored by an HQ that keeps
# no encrypted store).
ENV.setdefault("BEATBOOK_HQ_KEY", "17" * 32)
ENV["BEATBOOK_PIN"] = PIN
ENV["BEATBOOK_PASSWORD"] = PASSWORD
ENV.setdefault("RUST_LOG", "warn")


def say(text):
    print(f"api-props: {text}", flush=True)


def http(method, url, body=None, headers=None):
    """(status, parsed JSON or None) of one request."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def must(what, answer, status=200):
    if answer[0] != status:
        sys.exit(f"api-props: {what} answered {answer[0]}: {answer[1]}")
    return answer[1]


class Hq:
    """`beatbook hq serve` on a SQLite database in `dir`, on a free port of 127.0.0.1."""

    def __init__(self, bin, dir):
        self.bin, self.dir = bin, dir
        self.db = f"sqlite:{os.path.join(dir, 'hq.db')}"
        self.log_path = os.path.join(dir, "hq.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [bin, "hq", "--db", self.db, "serve", "--listen", "127.0.0.1:0"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=ENV,
        )
        self.url = None
        for _ in range(600):
            with open(self.log_path, "rb") as f:
                m = re.search(rb"HQ listening on (https?://\S+)", f.read())
            if m:
                self.url = m.group(1).decode()
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if self.url is None:
            self.stop()
            sys.exit(f"api-props: HQ did not start:\n{self.tail()}")
        must("health", http("GET", f"{self.url}/api/v1/health"))

    def admin(self, *args):
        return subprocess.run(
            [self.bin, "hq", "--db", self.db, "admin", *args],
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def tail(self, lines=40):
        with open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def device_cli(bin, store, *args):
    subprocess.run([bin, "device", "--data", store, *args], env=ENV, check=True)


def make_template(bin, root):
    """The seeded HQ every run copies, and the credentials that work in every copy."""
    dir = os.path.join(root, "template")
    os.makedirs(dir)
    db = f"sqlite:{os.path.join(dir, 'hq.db')}"
    subprocess.run(
        [bin, "hq", "--db", db, "admin", "seed-demo", "--no-activity", "--password", PASSWORD],
        env=ENV,
        check=True,
    )
    hq = Hq(bin, dir)
    try:
        # A real headless device's work, so the dashboard's answers have records in them.
        store = os.path.join(root, "device")
        device_cli(bin, store, "init")
        device_cli(bin, store, "enrol", "--hq", hq.url, "--code", hq.admin("enrolment-code"), "--name", "api-props tablet")
        device_cli(bin, store, "login", "--collar", DEVICE_OFFICER)
        fixtures = os.path.join(os.path.dirname(__file__), "..", "fixtures", "concerns.ndjson")
        device_cli(bin, store, "import", fixtures)
        device_cli(bin, store, "sync")

        device_id = str(uuid.uuid4())
        enrolled = must(
            "enrol",
            http(
                "POST",
                f"{hq.url}/api/v1/enrol",
                {
                    "code": hq.admin("enrolment-code"),
                    "device_id": device_id,
                    "device_name": "api-props bearer",
                    "app_version": "api-props",
                },
            ),
        )
        session = must(
            "device sign-in",
            http(
                "POST",
                f"{hq.url}/api/v1/login",
                {
                    "device_id": device_id,
                    "device_secret": enrolled["device_secret"],
                    "collar_number": DEVICE_OFFICER,
                    "password": PASSWORD,
                },
            ),
        )
        creds = {"device": session["access_token"], "device_id": device_id}
        for role, collar in STAFF.items():
            staff = must(
                f"{role} sign-in",
                http("POST", f"{hq.url}/api/v1/hq/login", {"collar_number": collar, "password": PASSWORD}),
            )
            creds[role] = staff["token"]
    finally:
        hq.stop()
    return dir, creds


class Runs:
    def __init__(self, args, root, template, creds):
        self.args, self.root, self.template, self.creds = args, root, template, creds
        self.results = []
        self.n = 0

    def hq(self, name):
        dir = os.path.join(self.root, name)
        shutil.copytree(self.template, dir, ignore=shutil.ignore_patterns("hq.log"))
        return Hq(self.args.bin, dir)

    def schemathesis(self, hq, name, role, include=None, exclude=()):
        """One `st run` against `hq` with `role`'s credentials over the operations chosen."""
        self.n += 1
        config = os.path.join(self.root, f"{name}.toml")
        token = self.creds[role]
        with open(config, "w") as f:
            f.write(f"checks.negative_data_rejection.expected-statuses = {json.dumps(REFUSALS)}\n")
            f.write("[auth.openapi]\n")
            if role == "device":
                f.write(f'bearer = {{ bearer = "{token}" }}\n')
            else:
                f.write(f'hq_session = {{ api_key = "{token}" }}\n')
            for label in PROSE_RULES:
                f.write(f'\n[[operations]]\ninclude-name = "{label}"\n')
                f.write(f"checks.positive_data_acceptance.expected-statuses = {json.dumps(PROSE_STATUSES)}\n")
        cmd = [
            self.args.st,
            "--config-file",
            config,
            "--no-color",
            "run",
            f"{hq.url}/api/v1/openapi.json",
            "--url",
            hq.url,
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            os.environ.get("API_PROPS_EXAMPLES", "6"),
            "--seed",
            os.environ.get("API_PROPS_SEED", "17"),
            "--workers",
            "1",
            "--request-timeout",
            "30",
            # HQ refuses a NUL character in any text, in words, before it reaches the database
            # (PostgreSQL cannot hold one): a rule for every string, so not in each schema.
            "--generation-allow-x00",
            "false",
            "--generation-database",
            "none",
            "--suppress-health-check",
            "all",
            "--warnings",
            "off",
            "-H",
            f"Origin: {hq.url}",
        ]
        for label in include or []:
            cmd += ["--include-name", label]
        if include is None:
            cmd += ["--include-tag", "hq"] if role in STAFF else ["--exclude-tag", "hq"]
        for label in exclude:
            cmd += ["--exclude-name", label]
        say(f"{name}: as {role}")
        started = time.monotonic()
        # In the run's directory: schemathesis keeps a cache where it runs.
        ok = subprocess.run(cmd, env=ENV, cwd=self.root).returncode == 0
        self.results.append((name, ok))
        say(f"{name}: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
        if hq.proc.poll() is not None:
            self.results.append((f"{name}: HQ still up", False))
            say(f"HQ stopped during {name}:\n{hq.tail()}")

    def selected(self, role):
        only = os.environ.get("API_PROPS_ONLY")
        return not only or role in only.split(",")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the beatbook binary")
    parser.add_argument("--st", required=True, help="schemathesis's `st`")
    parser.add_argument("--keep", action="store_true", help="keep the HQs' directories")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="beatbook-api-props-")
    try:
        template, creds = make_template(args.bin, root)
        runs = Runs(args, root, template, creds)

        hq = runs.hq("main")
        try:
            if runs.selected("device"):
                runs.schemathesis(hq, "device", "device", exclude=[DEVICE_SIGN_OUT])
            for role in STAFF:
                if runs.selected(role):
                    runs.schemathesis(hq, role, role, exclude=[STAFF_SIGN_OUT, REVOKE])
        finally:
            hq.stop()

        if runs.selected("throwaway"):
            hq = runs.hq("device-sign-out")
            try:
                runs.schemathesis(hq, "device-sign-out", "device", include=[DEVICE_SIGN_OUT])
            finally:
                hq.stop()
            hq = runs.hq("staff-sign-out")
            try:
                runs.schemathesis(hq, "staff-sign-out", "supervisor", include=[STAFF_SIGN_OUT])
            finally:
                hq.stop()
            hq = runs.hq("revoke")
            try:
                runs.schemathesis(hq, "revoke", "admin", include=[REVOKE])
                # Then the real device: revoked from the dashboard, refused from then on.
                headers = {"cookie": f"bb_hq_session={creds['admin']}", "origin": hq.url}
                revoked = http("POST", f"{hq.url}/api/v1/hq/admin/devices/{creds['device_id']}/revoke", {}, headers)
                pulled = http("GET", f"{hq.url}/api/v1/sync/pull", None, {"authorization": f"Bearer {creds['device']}"})
                ok = 200 <= revoked[0] < 300 and pulled[0] == 403
                say(f"revoke the signed-in device: {revoked[0]}, then its pull: {pulled[0]} {pulled[1]}")
                runs.results.append(("revoked device refused", ok))
            finally:
                hq.stop()
    finally:
        if "--keep" in sys.argv:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    failed = [name for name, ok in runs.results if not ok]
    for name in failed:
        say(f"FAILED: {name}")
    print(f"api-props: {len(runs.results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
