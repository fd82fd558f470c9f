from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "hocbaso.directory"
    label = "directory"

    def ready(self) -> None:
        from hocbaso.directory import audit_names

        audit_names.register()
        from hocbaso.accounts import second_factor
        from hocbaso.core import home
        from hocbaso.directory.home import sections
        from hocbaso.directory.staff_accounts import needs_second_factor

        home.register(sections)
        if needs_second_factor not in second_factor.REQUIRED_FOR:
            second_factor.REQUIRED_FOR.append(needs_second_factor)
