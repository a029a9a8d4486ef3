"""backup_site and restore_site: the database and the local file stores leave and come back together."""

import io
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.tests.factories import UserFactory
from lms_site import backup

# Committed for real (a dump sees only committed rows); serialized_rollback keeps the flush from re-running
# post_migrate, so conftest can put the migrated rows back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_backup_restores_rows_and_files_written_before_it_and_drops_what_came_after(tmp_path):
    kept = UserFactory(username="kept-learner")
    storages["certificates"].save("LW-KEPT.pdf", ContentFile(b"%PDF-1.7 kept"))
    storages["default"].save("images/kept.png", ContentFile(b"png bytes"))

    archive = Path(call_command_output("backup_site", str(tmp_path)))
    assert archive.name.startswith("learnwell-backup-") and archive.suffixes == [".tar", ".gz"]

    # After the backup: one row and one file more, the kept ones gone.
    UserFactory(username="after-backup")
    User.objects.filter(pk=kept.pk).delete()
    storages["certificates"].delete("LW-KEPT.pdf")
    storages["certificates"].save("LW-LATER.pdf", ContentFile(b"%PDF-1.7 later"))

    call_command("restore_site", str(archive), "--yes", stdout=io.StringIO())

    assert set(User.objects.values_list("username", flat=True)) >= {"kept-learner"}
    assert not User.objects.filter(username="after-backup").exists()
    with storages["certificates"].open("LW-KEPT.pdf") as restored:
        assert restored.read() == b"%PDF-1.7 kept"
    assert not storages["certificates"].exists("LW-LATER.pdf")
    assert storages["default"].exists("images/kept.png")


def test_the_manifest_lists_every_store_and_its_file_count(tmp_path):
    storages["exports"].save("report.csv", ContentFile(b"a,b\n"))
    archive = backup.backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = tar.extractfile("manifest.json").read().decode()
    assert "files/exports/report.csv" in names
    assert any(name.startswith("database.") for name in names)
    for alias in ("default", "media_private", "certificates", "exports"):
        assert f'"{alias}"' in manifest
    assert not list(tmp_path.glob("*.partial"))


def test_restore_refuses_without_confirmation_and_leaves_everything(tmp_path):
    UserFactory(username="still-here")
    archive = backup.backup(tmp_path)
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_site", str(archive))
    assert User.objects.filter(username="still-here").exists()


@pytest.mark.parametrize("entry", ["../escape.txt", "/etc/evil", "files/default/../../up.txt"])
def test_restore_refuses_an_archive_with_paths_outside_it_before_touching_anything(tmp_path, entry):
    UserFactory(username="untouched")
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as tar:
        data = b'{"version": 1, "created": "x", "database": "sqlite", "stores": {}}'
        for name, payload in (("manifest.json", data), (entry, b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(CommandError, match="unsafe entry"):
        call_command("restore_site", str(hostile), "--yes")
    assert User.objects.filter(username="untouched").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("restore_site", str(junk), "--yes")


def call_command_output(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_wagtail_documents_kept_with_the_private_files_are_backed_up_and_restored(tmp_path):
    # Documents are written through the default storage but live in the "documents" store (PRIVATE_ROOT).
    saved = storages["default"].save("documents/board-minutes.pdf", ContentFile(b"%PDF-1.7 minutes"))
    stored_as = saved.removeprefix("documents/")
    assert storages["documents"].exists(stored_as)
    archive = backup.backup(tmp_path)
    with tarfile.open(archive) as tar:
        assert f"files/documents/{stored_as}" in tar.getnames()

    storages["default"].delete(saved)
    call_command("restore_site", str(archive), "--yes", stdout=io.StringIO())
    with storages["default"].open(saved) as restored:
        assert restored.read() == b"%PDF-1.7 minutes"
