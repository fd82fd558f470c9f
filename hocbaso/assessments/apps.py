from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "hocbaso.assessments"
    label = "assessments"

    def ready(self) -> None:
        from hocbaso.assessments.home import sections
        from hocbaso.core import home

        home.register(sections)
