from django.contrib import admin

from diagnostics.models import Diagnosis


@admin.register(Diagnosis)
class DiagnosisAdmin(admin.ModelAdmin):
    list_display = ["ticket", "outcome", "fee_charged", "fee_rule", "agent", "concluded_at"]
    list_filter = ["outcome", "fee_rule"]
    list_select_related = ["ticket", "agent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
