import sys

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "hocbaso.signing"
    label = "signing"

    def ready(self) -> None:
        from hocbaso.signing import audit_names

        audit_names.register()
        from hocbaso.core import home
        from hocbaso.signing.home import sections

        home.register(sections)
        if "db_worker" in sys.argv[1:2]:
            warm_up_worker()


def warm_up_worker() -> None:
    """In a task worker, before it takes its first task: import the signing stack (pyHanko, signxml,
    fontTools, HarfBuzz; ~1-2 s) and load the stamp font, so the first shard of the first batch
    after a worker starts does not pay for them while the other worker signs (bench/README.md)."""
    from hocbaso.signing import stamp, tasks  # noqa: F401 - imported for its side effect: loaded modules

    stamp.stamp_style()
    stamp._font_bytes()
