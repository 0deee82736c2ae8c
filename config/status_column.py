"""The status column of the portals' lists (config/listing.py): a state machine's state in words, on a badge
coloured by its code, as the pages' own badges show it (`.badge.status-<code>` in static/css/portal.css)."""

from django.utils.translation import gettext_lazy as _

from config.listing import Column

STATUS = Column(_("Status"), '<span class="badge status-{status_code}">{status}</span>', reads=("status",))


def status_values(obj) -> dict[str, str]:
    """The values `STATUS` shows for `obj`, a model whose `status` field has choices."""
    return {"status": obj.get_status_display(), "status_code": obj.status}
