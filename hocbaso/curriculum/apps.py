from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "hocbaso.curriculum"
    label = "curriculum"

    def ready(self) -> None:
        from hocbaso.core import labels
        from hocbaso.curriculum import names

        labels.register("subject", names.subject_name)
        labels.register("point", names.point_name)
        labels.register("competency", names.competency_name)
