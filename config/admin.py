"""What every app's admin shares: rows that change only through their services are read here."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model whose rows change only through its services, which lock, log and notify; the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a parent (lines, payments, messages) as written by its services; none added from here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False
