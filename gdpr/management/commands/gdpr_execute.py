"""``manage.py gdpr_execute ID [--takeover] [--no-verify]``: run (or resume) an erasure."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from custos import context
from custos.errors import DomainError
from gdpr import services
from gdpr.models import RequestStatus, SubjectRequest


class Command(BaseCommand):
    help = "Execute or resume an approved erasure request, then verify it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("request_id", type=int)
        parser.add_argument(
            "--takeover",
            action="store_true",
            help="Take over a request whose executor died (lease not expired).",
        )
        parser.add_argument("--no-verify", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.command_context("gdpr_execute"):
            try:
                req = SubjectRequest.objects.get(pk=opts["request_id"])
            except SubjectRequest.DoesNotExist:
                raise CommandError("No such request.") from None
            try:
                req = services.run_execution(request=req, takeover=opts["takeover"])
                if req.status == RequestStatus.EXECUTED and not opts["no_verify"]:
                    req = services.verify_request(actor=None, request=req)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"request #{req.pk}: {req.status}")
            if req.status in (RequestStatus.FAILED, RequestStatus.VERIFICATION_FAILED):
                raise CommandError(req.error or "verification found remaining data")
