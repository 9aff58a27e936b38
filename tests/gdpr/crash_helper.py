"""Driver of the crash-injection test, run as a subprocess with its own Custos DB file.

``python -m tests.gdpr.crash_helper REF_URL CRASH_URL SEED`` (DATABASE_URL, CUSTOS_DATA_DIR
set): migrates, registers both copies of the demo as sources, puts an anonymise hold on
bookings (so DELETE and UPDATE steps both run), then creates, plans and approves the same
erasure on each. The reference request runs uninterrupted; the other is executed by worker
processes killed with ``os._exit(9)`` at random source writes (first through
``manage.py gdpr_execute``, then forked workers to keep the test fast) until one finishes.
Prints a JSON summary on the last line.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("before_commit", "after_commit", "after_journal")


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings")
    django.setup()
    from django.core.management import call_command

    ref_url, crash_url, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    call_command("migrate", verbosity=0)
    ref, crash = setup(ref_url, crash_url)
    from gdpr import services
    from gdpr.models import SubjectRequest

    done = services.run_execution(request=SubjectRequest.objects.get(pk=ref))
    services.verify_request(actor=None, request=done)
    rng = random.Random(seed)
    crashes, exits = 0, []
    # 1) a real `manage.py gdpr_execute` worker, killed at its second source write
    rc = _manage_py(crash, "2", rng.choice(PHASES))
    exits.append(rc)
    crashes += rc == 9
    # 2) forked workers, killed at random points, until one finishes cleanly
    while rc != 0 and len(exits) < 40:
        crash_env = (
            {}
            if crashes >= 8
            else {
                "CUSTOS_GDPR_CRASH_AFTER_WRITES": str(rng.randint(1, 4)),
                "CUSTOS_GDPR_CRASH_PHASE": rng.choice(PHASES),
            }
        )
        rc = _forked(crash, crash_env)
        exits.append(rc)
        crashes += rc == 9
    print(
        json.dumps(
            {"ref": _summary(ref), "crash": _summary(crash), "crashes": crashes, "exits": exits}
        )
    )


def setup(ref_url: str, crash_url: str) -> tuple[int, int]:
    from django.contrib.auth import get_user_model

    from access.roles import ensure_roles
    from catalog.models import Asset
    from gdpr import services
    from tests.gdpr.helpers import passenger_everywhere, register

    roles = ensure_roles()
    users = get_user_model().objects
    admin = users.create_superuser("admin", password="x")
    d1, d2 = users.create_user("dana"), users.create_user("dirk")
    d1.groups.add(roles["DPO"])
    d2.groups.add(roles["DPO"])
    d1, d2 = users.get(pk=d1.pk), users.get(pk=d2.pk)
    ids = []
    for name, url in (("ref", ref_url), ("crash", crash_url)):
        source = register(admin, url, name=name)
        bookings = Asset.objects.get(
            source=source, type="table", fqn__contains="raw", name__in=["raw_bookings", "bookings"]
        )
        services.create_hold(actor=d1, table=bookings, action="anonymise", reason="tax law")
        _, email = passenger_everywhere(url)
        req = services.create_request(actor=d1, identifiers={"email": email}, source=source)
        req = services.plan_request(actor=d1, request=req)
        services.approve_request(actor=d2, request=req)
        ids.append(req.pk)
    return ids[0], ids[1]


def _manage_py(request_id: int, writes: str, phase: str) -> int:
    from django.db import connections

    connections.close_all()
    env = {**os.environ, "CUSTOS_GDPR_CRASH_AFTER_WRITES": writes, "CUSTOS_GDPR_CRASH_PHASE": phase}
    out = subprocess.run(
        [sys.executable, "manage.py", "gdpr_execute", str(request_id), "--takeover"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode not in (0, 9):
        raise SystemExit(out.stderr[-3000:])
    return out.returncode


def _forked(request_id: int, crash_env: dict[str, str]) -> int:
    from django.db import connections

    connections.close_all()
    pid = os.fork()
    if pid == 0:  # the worker: resume, get killed (exit 9) or finish (exit 0)
        code = 1
        try:
            os.environ.pop("CUSTOS_GDPR_CRASH_AFTER_WRITES", None)
            os.environ.update(crash_env)
            from gdpr import executor, services
            from gdpr.models import RequestStatus, SubjectRequest

            executor._writes = 0
            req = services.run_execution(
                request=SubjectRequest.objects.get(pk=request_id), takeover=True
            )
            if req.status == RequestStatus.EXECUTED:
                req = services.verify_request(actor=None, request=req)
            code = 0 if req.status == RequestStatus.COMPLETED else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _summary(request_id: int) -> dict[str, Any]:
    from gdpr.models import SubjectRequest

    req = SubjectRequest.objects.get(pk=request_id)
    return {
        "status": req.status,
        "steps": [
            [
                s.table_fqn.split(".", 2)[2],
                s.action,
                s.status,
                s.attempts,
                s.before_count,
                s.after_count,
                s.rows_affected,
            ]
            for s in req.steps.order_by("position")
        ],
    }


if __name__ == "__main__":
    main()
