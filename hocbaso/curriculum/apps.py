from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "hocbaso.curriculum"
    label = "curriculum"
