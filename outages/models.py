from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Service
from config.choices import CachedChoiceLabels
from config.transitions import writes

LANGUAGES = ("en", "fr", "de")  # the public text is written in each; other languages read English


class ProviderIncidentQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: published or resolved, never a draft."""
        return self.exclude(status=ProviderIncident.State.DRAFT)

    def active(self, *, at):
        """Published and under way at `at`: a ticket opened then on an affected service is free."""
        return self.filter(status=ProviderIncident.State.PUBLISHED, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )


class ProviderIncident(CachedChoiceLabels, FSMModelMixin, models.Model):
    """A known incident of the provider's own (an outage, a degraded platform), told to the customers.

    While it is published and under way, an incident ticket opened on a service it affects carries no fee;
    staff link the tickets it explains and conclude them as `provider_fault` at once.
    """

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("provider incident status", "Draft")
        PUBLISHED = "published", pgettext_lazy("provider incident status", "Published")
        RESOLVED = "resolved", pgettext_lazy("provider incident status", "Resolved")

    # draft → published (public, tickets free while under way) → resolved (ended)
    status = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_de = models.CharField(_("title (German)"), max_length=200)
    body_en = models.TextField(_("public text (English)"))
    body_fr = models.TextField(_("public text (French)"))
    body_de = models.TextField(_("public text (German)"))
    # Every service of these kinds (accounts.Service.Kind values), and/or the services named below.
    service_kinds = models.JSONField(_("affected kinds of service"), default=list, blank=True)
    services = models.ManyToManyField(
        "accounts.Service", blank=True, related_name="provider_incidents", verbose_name=_("affected services")
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)  # empty while under way
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ProviderIncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("provider incident")
        verbose_name_plural = _("provider incidents")
        indexes = [models.Index(fields=["status", "starts_at"], name="provider_incident_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="provider_incident_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.title_en

    def _in_language(self, field: str) -> str:
        language = (translation.get_language() or "en")[:2]
        return getattr(self, f"{field}_{language if language in LANGUAGES else 'en'}")

    @property
    def title(self) -> str:
        """The title in the language being spoken."""
        return self._in_language("title")

    @property
    def body(self) -> str:
        """The public text in the language being spoken."""
        return self._in_language("body")

    @property
    def kind_labels(self) -> list[str]:
        """The affected kinds of service, as people read them."""
        labels = dict(Service.Kind.choices)
        return [str(labels.get(kind, kind)) for kind in self.service_kinds]

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.status == self.State.PUBLISHED
            and self.starts_at <= at
            and (self.ends_at is None or self.ends_at > at)
        )

    @writes("published_at", "updated_at")
    @transition(field=status, source=State.DRAFT, target=State.PUBLISHED)
    def publish(self) -> None:
        self.published_at = self.updated_at = timezone.now()

    @writes("resolved_at", "ends_at", "updated_at")
    @transition(field=status, source=State.PUBLISHED, target=State.RESOLVED)
    def resolve(self, *, ends_at) -> None:
        self.resolved_at = self.updated_at = timezone.now()
        self.ends_at = ends_at
