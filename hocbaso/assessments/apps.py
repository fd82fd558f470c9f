from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "hocbaso.assessments"
    label = "assessments"
