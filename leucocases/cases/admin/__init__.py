"""Authoring cases in the admin, and reading attempts and reports.

By job: ``case_admin`` (the case and label admins: lists, the change form's
layout, review moves, duplicate and archive), ``case_form`` (text and scoring
settings), ``key_inlines`` (the key's inline forms and formsets, checked
together), ``tools`` (dry run, change history, review comments) and
``attempts`` (attempts and reports, read-only). This module registers them.
"""

from django.contrib import admin

from ..models import Attempt, Case, CaseLabel, GradedReport
from .attempts import AttemptAdmin, GradedReportAdmin
from .case_admin import CaseAdmin, CaseLabelAdmin

admin.site.register(CaseLabel, CaseLabelAdmin)
admin.site.register(Case, CaseAdmin)
admin.site.register(Attempt, AttemptAdmin)
admin.site.register(GradedReport, GradedReportAdmin)
