from django.apps import AppConfig


class InstructorConfig(AppConfig):
    name = "leucocases.instructor"
    verbose_name = "Instructor tools"
