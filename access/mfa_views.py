"""Sign-in with a second factor, and the account security page.

Sign-in is two steps when the user has an authenticator: the password form (Django's,
with the throttled backend) only marks the session as *pending*; ``/login/verify/`` asks
for the code and then logs in. A pending sign-in lasts five minutes and five codes.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from access import mfa
from custos.errors import DomainError

PENDING = "custos_pending_2fa"
PENDING_SECONDS = 300
MAX_TRIES = 5


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not mfa.is_enrolled(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "uid": user.pk,
            "backend": user.backend,
            "next": self.get_redirect_url() or "",
            "at": time.time(),
            "tries": 0,
        }
        return redirect("login-verify")


def _safe_next(request: HttpRequest, url: str) -> str:
    ok = url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if ok else "/"


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.info(request, "Sign in again.")
        return redirect("login")
    error = ""
    if request.method == "POST":
        user = get_user_model().objects.filter(pk=pending["uid"], is_active=True).first()
        code = str(request.POST.get("code", ""))
        if user is not None and mfa.check_sign_in_code(user, code):
            request.session.pop(PENDING, None)
            login(request, user, backend=pending["backend"])
            return HttpResponseRedirect(_safe_next(request, pending["next"]))
        pending["tries"] += 1
        if user is None or pending["tries"] >= MAX_TRIES:
            request.session.pop(PENDING, None)
            messages.error(request, "Too many wrong codes. Sign in again.")
            return redirect("login")
        request.session[PENDING] = pending
        error = "That code is not valid. Enter the current code from your authenticator app."
    return render(
        request, "registration/login_verify.html", {"error": error}, status=400 if error else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"error": ""}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                context["secret"], context["uri"] = mfa.start_enrollment(actor=user)
            elif action == "confirm":
                mfa.confirm_enrollment(actor=user, code=str(request.POST.get("code", "")))
                messages.success(request, "Authenticator set up: sign-in now asks for a code.")
                return redirect("account-security")
            elif action == "remove":
                mfa.remove(actor=user, user=user, code=str(request.POST.get("code", "")))
                messages.success(request, "Authenticator removed.")
                return redirect("account-security")
            else:
                context["error"] = "Unknown action."
        except DomainError as exc:
            context["error"] = exc.message
    device = mfa.device_of(user)
    context.update(
        device=device,
        required=mfa.must_enrol(user),
    )
    return render(request, "access/security.html", context, status=400 if context["error"] else 200)
