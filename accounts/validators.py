from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic, iban
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError


def normalize_vat_id(value: str, *, country: str) -> str:
    """The compact VAT number (`FR40303265045`) if it is valid for `country`, else ValidationError."""
    try:
        compact = vat.compact(value or "")
    except StdnumError as exc:  # compact() itself refuses characters no VAT number has (a 500 before)
        raise ValidationError(_("This is not a valid VAT number.")) from exc
    if compact[:2].isdigit():
        compact = country + compact
    prefix = "EL" if country == "GR" else country
    if not compact.upper().startswith(prefix):
        raise ValidationError(_("This is not a VAT number of %(country)s."), params={"country": country})
    try:
        return vat.validate(compact)
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid VAT number.")) from exc


def validate_iban(value: str) -> None:
    try:
        iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid IBAN.")) from exc


def validate_bic(value: str) -> None:
    try:
        bic.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid BIC.")) from exc
