"""docker-compose.yml and the Dockerfile, read as data (no Docker engine here): the production stack is
what the README and the contract say, and nothing in it is left unguarded."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command(service: str) -> str:
    return " ".join(SERVICES[service]["command"])


def test_the_stack_has_web_worker_beat_postgres_redis_and_a_mail_catcher():
    assert {"web", "worker", "pdf-worker", "beat", "db", "redis", "minio", "mailpit"} <= set(SERVICES)
    assert command("web").startswith("gunicorn config.wsgi:application")
    assert command("worker").startswith("celery -A config worker")
    assert command("pdf-worker").startswith("celery -A config worker")
    assert command("beat").startswith("celery -A config beat")
    assert SERVICES["db"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit")


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES.items():
        if name != "migrate":
            assert service.get("healthcheck", {}).get("test"), name


def test_the_app_starts_after_healthy_services_and_the_migrations():
    for name in ("web", "worker", "pdf-worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        for backing in ("db", "redis", "minio", "mailpit"):
            assert depends[backing]["condition"] == "service_healthy", (name, backing)


def test_the_database_and_redis_are_private_and_need_passwords():
    assert "ports" not in SERVICES["db"] and "ports" not in SERVICES["redis"]
    assert "?" in SERVICES["db"]["environment"]["POSTGRES_PASSWORD"]  # ${VAR:?...}: no default password
    assert "--requirepass" in SERVICES["redis"]["command"]


def test_the_app_runs_in_production_mode_with_its_secrets_required():
    env = SERVICES["web"]["environment"]
    assert env["DJANGO_DEBUG"] == "false"
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert "?" in env[name], name
    assert env["EMAIL_HOST"] == "mailpit"


def test_exactly_one_beat():
    assert "deploy" not in SERVICES["beat"] or SERVICES["beat"]["deploy"].get("replicas", 1) == 1


def test_the_image_runs_as_a_user_not_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] != "root"
    assert "collectstatic" in dockerfile


def test_every_queue_has_a_worker_and_pdfs_one_of_their_own():
    queues = {name: command(name).split(" -Q ")[1].split()[0].split(",") for name in ("worker", "pdf-worker")}
    assert queues == {"worker": ["celery"], "pdf-worker": ["pdf"]}
    assert SERVICES["pdf-worker"]["mem_limit"]


def test_stored_files_are_in_the_object_store_every_container_shares_and_on_no_containers_disk():
    minio = SERVICES["minio"]
    assert minio["image"].startswith("minio/minio:RELEASE.")  # a pinned release, not :latest
    assert "ports" not in minio  # private: the app streams the files after its check
    assert "?" in minio["environment"]["MINIO_ROOT_PASSWORD"]  # no default password
    for name in ("web", "worker", "pdf-worker", "beat", "migrate"):
        env = SERVICES[name]["environment"]
        assert env["DJANGO_STORAGE"] == "s3", name
        assert env["DJANGO_S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert env["DJANGO_S3_SECRET_ACCESS_KEY"] == minio["environment"]["MINIO_ROOT_PASSWORD"], name
        assert env["DJANGO_S3_DOWNLOADS"] == "stream", name  # clients never see MinIO's address
        assert not any(":/app/var/media" in volume for volume in SERVICES[name].get("volumes", [])), name
    # The bucket is made (private) and checked once, with the migrations, before anything starts.
    assert "storage_ready --create-bucket" in command("migrate")
    assert "media" not in COMPOSE["volumes"]
