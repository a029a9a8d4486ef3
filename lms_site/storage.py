"""Storages looked up by their STORAGES alias on first use, so a FileField can name a private storage
and tests can point it elsewhere with override_settings(STORAGES=...)."""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

_aliased: list["AliasedStorage"] = []


class AliasedStorage(LazyObject):
    def __init__(self, alias: str):
        super().__init__()
        self.__dict__["_alias"] = alias
        _aliased.append(self)

    def _setup(self):
        self._wrapped = storages[self.__dict__["_alias"]]


@receiver(setting_changed)
def _forget_storages(*, setting, **kwargs):
    if setting == "STORAGES":
        for storage in _aliased:
            storage._wrapped = empty
