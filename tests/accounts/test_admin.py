"""Every model is in the admin, and every admin page an administrator can open renders."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from tests.workflow import diagnosed

pytestmark = pytest.mark.django_db

# The project's own apps (the packages at its top level), so that a new app is covered without a list to edit.
PROJECT_APPS = {
    config.label for config in apps.get_app_configs() if Path(config.path).parent == settings.BASE_DIR
}
# Unmanaged models are views of another app's table (tickets.TicketInvoice), in the admin as that model.
PROJECT_MODELS = [
    model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS and model._meta.managed
]
INLINE_MODELS = {
    inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines
}
REGISTERED_MODELS = [model for model in PROJECT_MODELS if admin.site.is_registered(model)]


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_every_project_model_is_in_the_admin_on_its_own_or_inline(model):
    assert admin.site.is_registered(model) or model in INLINE_MODELS


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_change_pages_render(client, admin_user, customer, agent, model):
    diagnosed(customer, agent, "quoted")
    diagnosed(customer, agent, "fixed")
    client.force_login(admin_user)
    opts = model._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    first = model._default_manager.first()
    if first is not None:
        change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
        assert change.status_code == 200
