"""The deployment files agree with each other: one nginx template and one gunicorn config for compose and
the local stack (deploy/prod-local, exercised end to end by deploy/smoke.py)."""

import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from gunicorn.config import Config

from deploy.selfsigned_cert import write_certificate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "learnwell.conf.template"


def template_names() -> set[str]:
    return set(re.findall(r"\$\{(LW_[A-Z_]+)\}", TEMPLATE.read_text()))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_fills_every_name_of_the_nginx_template_and_mounts_it():
    nginx = compose()["services"]["nginx"]
    assert template_names() <= set(nginx["environment"])
    assert nginx["environment"]["NGINX_ENVSUBST_FILTER"] == "^LW_"
    assert any(volume.startswith("./deploy/nginx/learnwell.conf.template:") for volume in nginx["volumes"])


def test_the_local_stack_fills_every_name_of_the_nginx_template():
    script = (ROOT / "deploy" / "prod-local").read_text()
    assert template_names() <= set(re.findall(r"\b(LW_[A-Z_]+)=", script))


def test_compose_and_the_image_run_gunicorn_with_the_shared_config():
    assert 'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]' in (ROOT / "Dockerfile").read_text()
    config = Config()
    namespace = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    assert config.worker_class_str == "gthread"
    assert config.preload_app is True
    assert config.workers >= 2


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is installed by ./scripts/install-system-deps --stack")
def test_nginx_accepts_the_template_as_compose_fills_it(tmp_path):
    write_certificate(tmp_path / "tls", ["localhost"])
    # Compose reads "$$" as a literal "$".
    values = {
        name: str(value).replace("$$", "$") for name, value in compose()["services"]["nginx"]["environment"].items()
    }
    values.update(
        LW_TLS_CERT=str(tmp_path / "tls" / "cert.pem"),
        LW_TLS_KEY=str(tmp_path / "tls" / "key.pem"),
        LW_ACCESS_LOG=str(tmp_path / "access.log"),
        LW_CACHE_ROOT=str(tmp_path / "cache"),  # the image has /var/cache/nginx; this machine may not
        LW_HTTP_PORT="18080",
        LW_HTTPS_PORT="18443",
    )
    server = re.sub(r"\$\{(LW_[A-Z_]+)\}", lambda match: values[match.group(1)], TEMPLATE.read_text())
    (tmp_path / "learnwell.conf").write_text(server)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; client_body_temp_path {tmp_path}/body; "
        f"proxy_temp_path {tmp_path}/proxy; include {tmp_path}/learnwell.conf; }}\n"
    )
    result = subprocess.run(
        [shutil.which("nginx") or "nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # Private files only through X-Accel-Redirect: the location is internal.
    assert re.search(r"location \^~ /_private/ \{\s*internal;", server)
