"""The private file storage: attachments are never reachable under a public URL.

`private_storage()` is given to FileFields as their storage callable. It returns a proxy that
looks up `storages["private"]` on every use, so the backend follows the settings (local folder
or S3) even when they change after import (tests give each test its own folder)."""

from django.core.files.storage import Storage, storages


class PrivateStorage(Storage):
    def _backend(self):
        return storages["private"]

    def _open(self, name, mode="rb"):
        return self._backend().open(name, mode)

    def _save(self, name, content):
        return self._backend().save(name, content)

    def delete(self, name):
        return self._backend().delete(name)

    def exists(self, name):
        return self._backend().exists(name)

    def size(self, name):
        return self._backend().size(name)

    def path(self, name):
        return self._backend().path(name)

    def get_available_name(self, name, max_length=None):
        return self._backend().get_available_name(name, max_length=max_length)

    def url(self, name):
        raise NotImplementedError("Private files have no public URL; use the permission-checked download view.")


_instance = PrivateStorage()


def private_storage():
    return _instance
