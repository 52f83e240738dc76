"""The provider's own login page: the test (or the browser journey) says who logs in and what
the provider tells the portal about them. No password: this is a test double of the government
login, reachable only on 127.0.0.1 while a test runs."""

import json
from html import escape

from django.contrib.auth import get_user_model, login
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt

from .models import Identity

FIELDS = ["sub", "email", "name", "acr", "mandates", "national_register_number", "switch"]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
<form method="post" action="/login/">
<input type="hidden" name="next" value="{next}">
{fields}
<button type="submit" id="provider-login">Log in at the provider</button>
</form></main></body></html>"""


@csrf_exempt
def login_view(request):
    if request.method != "POST":
        fields = "".join(
            f'<p><label for="id_{name}">{name}</label> <input id="id_{name}" name="{name}"></p>' for name in FIELDS
        )
        return HttpResponse(PAGE.format(next=escape(request.GET.get("next", "/")), fields=fields))
    data = {name: request.POST.get(name, "").strip() for name in FIELDS}
    user, _created = get_user_model().objects.get_or_create(username=data["sub"])
    claims = {"email": data["email"], "email_verified": True, "name": data["name"]}
    if data["acr"]:
        claims["acr"] = data["acr"]
    if data["mandates"]:
        claims["mandates"] = json.loads(data["mandates"])
    if data["national_register_number"]:
        claims["rrn"] = data["national_register_number"]
    Identity.objects.update_or_create(user=user, defaults={"claims": claims, "switch": data["switch"]})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
