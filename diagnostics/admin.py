from django.contrib import admin

from config.admin import ReadOnlyAdmin
from diagnostics.models import Diagnosis


@admin.register(Diagnosis)
class DiagnosisAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "outcome", "fee_charged", "fee_rule", "agent", "concluded_at"]
    list_filter = ["outcome", "fee_rule"]
    list_select_related = ["ticket", "agent"]
