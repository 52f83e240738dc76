"""Guards for the deployment files: docker-compose.yml, Dockerfile, .dockerignore and the
vendored front-end assets.

These read files only; they need neither Django nor a database, so they also run with
``pytest -p no:django``. Each test names a property whose loss would break the stack
(or make it unsafe) while the files would still parse.
"""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
VENDOR = ROOT / "static" / "vendor"

DJANGO_SERVICES = ("web", "worker", "beat")
CORE_SERVICES = ("db", "redis", "web", "worker", "beat", "mail")
REQUIRED_DJANGO_ENV = ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL")

_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str) -> str:
    """Resolve compose interpolation the way `docker compose` does with an empty
    environment: ${VAR:-default} gives the default, ${VAR:?msg} a placeholder (a real run
    must set it), ${VAR} nothing, and $$ a literal $."""

    def resolve(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        op = match.group("op")
        if op in (":-", "-"):
            return match.group("arg")
        if op in (":?", "?"):
            return "required-value"
        return ""

    return _INTERPOLATION.sub(resolve, str(value))


@pytest.fixture(scope="module")
def compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: dict) -> dict:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short form: only "started", never "healthy"
        return {name: {"condition": "service_started"} for name in deps}
    return deps


def named_volume_mounts(service: dict, compose: dict) -> dict:
    """target path -> named volume, for mounts of volumes declared at top level."""
    declared = set((compose.get("volumes") or {}).keys())
    mounts = {}
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            source, target, kind = entry.get("source"), entry.get("target"), entry.get("type", "volume")
        else:
            parts = entry.split(":")
            source, target = parts[0], parts[1] if len(parts) > 1 else None
            kind = "volume"
        if kind == "volume" and source in declared and target:
            mounts[target] = source
    return mounts


def healthcheck_test(service: dict) -> str:
    check = service.get("healthcheck") or {}
    if check.get("disable"):
        return ""
    test = check.get("test")
    if isinstance(test, list):
        if not test or test[0] == "NONE":
            return ""
        return " ".join(str(part) for part in test[1:])
    return str(test or "")


def command_text(service: dict) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else str(command)


# --- docker-compose.yml -------------------------------------------------------------------


@pytest.mark.parametrize("name", (*CORE_SERVICES, "minio"))
def test_expected_service_exists(services, name):
    assert name in services


def test_every_service_has_an_image_or_a_build(services):
    missing = [name for name, service in services.items() if not (service.get("image") or service.get("build"))]
    assert not missing


def test_django_services_run_the_project_image(services):
    # web builds the image; worker and beat must run the same code, not some other image.
    web_image = services["web"].get("image")
    assert services["web"].get("build")
    for name in ("worker", "beat"):
        service = services[name]
        assert service.get("build") == services["web"]["build"] or (web_image and service.get("image") == web_image)


@pytest.mark.parametrize("name", ("db", "redis", "web", "worker"))
def test_service_has_a_healthcheck(services, name):
    assert healthcheck_test(services[name]).strip()


def test_web_healthcheck_probes_healthz_and_is_valid_python(services):
    test = services["web"]["healthcheck"]["test"]
    assert "/healthz" in " ".join(map(str, test))
    if isinstance(test, list) and test[:3] == ["CMD", "python", "-c"]:
        compile(test[3], "web-healthcheck", "exec")


def test_worker_healthcheck_pings_its_own_celery_node(services):
    test = healthcheck_test(services["worker"])
    assert "celery" in test and "inspect ping" in test
    # $$HOSTNAME reaches the container's shell as $HOSTNAME; a single $ would be
    # interpolated by compose from the host's environment when the file is loaded.
    assert "celery@$HOSTNAME" in interpolate(test)
    assert "$$HOSTNAME" in test


def test_beat_does_not_inherit_the_http_healthcheck(services):
    # beat runs the web image, whose HEALTHCHECK probes :8000; beat serves no HTTP.
    check = services["beat"].get("healthcheck") or {}
    assert check.get("disable") is True or (check.get("test") and "/healthz" not in str(check["test"]))


@pytest.mark.parametrize("name", DJANGO_SERVICES)
@pytest.mark.parametrize("variable", REQUIRED_DJANGO_ENV)
def test_django_service_gets_required_environment(services, name, variable):
    assert environment(services[name]).get(variable, "").strip()


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_secret_key_must_be_supplied_not_defaulted(services, name):
    value = environment(services[name])["DJANGO_SECRET_KEY"]
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:?\?[^}]*\}", value), value


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_debug_is_off(services, name):
    assert environment(services[name]).get("DJANGO_DEBUG", "").lower() in ("false", "0", "no", "off")


@pytest.mark.parametrize("variable", ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"))
def test_optional_s3_settings_are_not_forced_to_empty_strings(services, variable):
    # An empty AWS_S3_ENDPOINT_URL is an invalid endpoint, not "use AWS"; a key without a
    # value leaves the variable unset unless the shell sets it.
    for name in DJANGO_SERVICES:
        raw = (services[name].get("environment") or {}).get(variable)
        assert raw is None or interpolate(raw) != ""


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_database_url_points_at_the_db_service(services, name):
    url = urlsplit(interpolate(environment(services[name])["DATABASE_URL"]))
    db_env = {key: interpolate(value) for key, value in environment(services["db"]).items()}
    assert url.scheme in ("postgres", "postgresql")
    assert url.hostname == "db"
    assert (url.port or 5432) == 5432
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == db_env["POSTGRES_DB"]
    # Same variable on both sides, so setting POSTGRES_PASSWORD changes both.
    assert "POSTGRES_PASSWORD" in environment(services[name])["DATABASE_URL"]
    assert "POSTGRES_PASSWORD" in environment(services["db"])["POSTGRES_PASSWORD"]


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_redis_url_points_at_the_redis_service(services, name):
    url = urlsplit(interpolate(environment(services[name])["REDIS_URL"]))
    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert (url.port or 6379) == 6379


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_email_goes_to_the_mail_catcher(services, name):
    url = urlsplit(interpolate(environment(services[name])["EMAIL_URL"]))
    assert url.hostname in services
    assert url.port == 1025


def test_db_data_is_on_a_declared_named_volume(services, compose):
    mounts = named_volume_mounts(services["db"], compose)
    assert "/var/lib/postgresql/data" in mounts


def test_web_and_worker_share_the_upload_volumes(services, compose):
    web, worker = services["web"], services["worker"]
    web_mounts = named_volume_mounts(web, compose)
    worker_mounts = named_volume_mounts(worker, compose)
    for variable in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
        root = interpolate(environment(web).get(variable, ""))
        assert root, f"{variable} not set for web"
        assert interpolate(environment(worker).get(variable, "")) == root
        assert root in web_mounts, f"{variable}={root} is not on a named volume in web"
        assert worker_mounts.get(root) == web_mounts[root]
    assert web_mounts["/app/var/media"] == "media"


@pytest.mark.parametrize("name", ("web", "worker", "beat"))
def test_django_service_waits_for_healthy_db_and_redis(services, name):
    deps = depends_on(services[name])
    for backing in ("db", "redis"):
        assert deps.get(backing, {}).get("condition") == "service_healthy", (name, backing)


def test_web_migrates_before_serving_with_gunicorn(services):
    command = command_text(services["web"])
    assert "migrate" in command and "gunicorn" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "&&" in command  # gunicorn must not start after a failed migration
    assert "portal.wsgi" in command and "0.0.0.0:8000" in command


def test_web_publishes_port_8000(services):
    assert any(str(port).split(":")[-1] == "8000" for port in services["web"].get("ports", []))


def test_worker_and_beat_commands(services):
    worker = command_text(services["worker"])
    beat = command_text(services["beat"])
    assert re.search(r"celery -A portal worker\b", worker)
    assert re.search(r"celery -A portal beat\b", beat)
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_minio_is_optional(services):
    assert services["minio"].get("profiles"), "minio must only start with its profile"


def test_keycloak_is_optional_and_imports_the_test_realm(services):
    keycloak = services["keycloak"]
    assert keycloak.get("profiles") == ["oidc"], "the identity provider must only start with its profile"
    assert "--import-realm" in keycloak["command"]
    source, _, target = keycloak["volumes"][0].partition(":")
    assert target.startswith("/opt/keycloak/data/import/")
    realm = json.loads((ROOT / source).read_text(encoding="utf-8"))
    client = next(c for c in realm["clients"] if c["clientId"] == "oproep")
    assert client["redirectUris"] == ["http://localhost:8000/accounts/oidc/government/login/callback/"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    claims = {m["config"]["claim.name"] for m in client["protocolMappers"]}
    assert {"mandates", "rrn", "assurance"} <= claims
    mandates = [json.loads(m) for u in realm["users"] for m in u["attributes"].get("mandates", [])]
    assert {m["role"] for m in mandates} == {"legal_representative", "delegated_user"}
    for mandate in mandates:  # valid enterprise numbers (modulo 97), or the portal would skip them
        number = mandate["kbo"]
        assert len(number) == 10 and int(number[-2:]) == 97 - int(number[:8]) % 97


@pytest.mark.parametrize("variable", ["OIDC_SERVER_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"])
def test_government_login_settings_are_not_forced_to_empty_strings(services, variable):
    for name in DJANGO_SERVICES:
        assert (services[name].get("environment") or {}).get(variable) is None


@pytest.mark.parametrize("name", CORE_SERVICES)
def test_core_services_start_without_a_profile(services, name):
    assert not services[name].get("profiles")


def test_named_volumes_declared(compose):
    assert {"pgdata", "media", "miniodata"} <= set((compose.get("volumes") or {}).keys())


def test_django_services_share_one_environment_block():
    # The x-django-env anchor keeps web, worker and beat configured alike.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert re.search(r"^x-django-env:\s*&django-env\s*$", text, re.M)
    assert text.count("<<: *django-env") >= len(DJANGO_SERVICES)


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    instructions, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


def test_dockerfile_base_image():
    froms = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert froms and froms[-1].split()[0] == "python:3.11-slim-bookworm"


def test_dockerfile_runs_as_non_root_user():
    instructions = dockerfile_instructions()
    users = [(index, args) for index, (keyword, args) in enumerate(instructions) if keyword == "USER"]
    assert users, "no USER instruction: the container would run as root"
    index, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    cmd_index = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "CMD")
    assert index < cmd_index


def test_dockerfile_healthcheck_probes_healthz():
    checks = [args for keyword, args in dockerfile_instructions() if keyword == "HEALTHCHECK"]
    assert checks and "/healthz" in checks[-1]
    exec_form = checks[-1][checks[-1].index("CMD") + 3 :].strip()
    if exec_form.startswith("["):
        # Invalid JSON would silently turn into a shell-form command that always fails.
        argv = json.loads(exec_form)
        if argv[:2] == ["python", "-c"]:
            compile(argv[2], "docker-healthcheck", "exec")


def test_dockerfile_runs_gunicorn():
    cmds = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    assert cmds
    cmd = cmds[-1]
    argv = json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd)
    text = " ".join(argv)
    assert "gunicorn portal.wsgi:application" in text
    assert "0.0.0.0:8000" in text
    # exec so gunicorn is PID 1 and gets SIGTERM from `docker stop`.
    if argv[:2] == ["sh", "-c"]:
        assert argv[2].lstrip().startswith("exec ")


def test_dockerfile_builds_translations_and_static_files():
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    assert "manage.py compile_catalogues" in runs
    assert "manage.py collectstatic --noinput" in runs
    assert "requirements.txt" in runs


def test_dockerfile_does_not_bake_in_a_secret_key():
    for keyword, args in dockerfile_instructions():
        if keyword in ("ENV", "ARG"):
            assert "DJANGO_SECRET_KEY" not in args


def test_dockerfile_installs_native_libraries():
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libmagic1"):
        assert package in runs


def test_dockerfile_sets_settings_module():
    envs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=portal.settings" in envs


# --- .dockerignore ------------------------------------------------------------------------


def dockerignore_patterns() -> set[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return {line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize("pattern", ("var", ".env", ".git", ".venv"))
def test_dockerignore_keeps_local_data_and_secrets_out_of_the_image(pattern):
    # var/ holds local uploads (private attachments) and the dev database.
    assert pattern in dockerignore_patterns()


@pytest.mark.parametrize("path", ("requirements.txt", "manage.py", "static", "locale", "portal", "templates"))
def test_dockerignore_keeps_what_the_build_needs(path):
    assert path not in dockerignore_patterns()


# --- static/vendor ------------------------------------------------------------------------

VENDORED = (
    "bootstrap/css/bootstrap.min.css",
    "bootstrap/js/bootstrap.bundle.min.js",
    "htmx/htmx.min.js",
    "chartjs/chart.umd.min.js",
    "axe-core/axe.min.js",
)


@pytest.mark.parametrize("path", VENDORED)
def test_vendored_asset_present_without_source_map_reference(path):
    file = VENDOR / path
    assert file.is_file() and file.stat().st_size > 1000
    # The .map files are not vendored; a reference to one makes collectstatic with
    # the manifest storage fail.
    assert "sourceMappingURL" not in file.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", VENDORED)
def test_vendored_asset_is_listed_in_readme(path):
    assert f"`{path}`" in (VENDOR / "README.md").read_text(encoding="utf-8")
