from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic, iban
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

# The EU member states (ISO 3166-1) and the prefix of their VAT numbers: Greece's is EL. Northern
# Ireland's XI numbers (stdnum lists it for goods) are not a member state's.
EU_VAT_PREFIXES = {
    code.upper(): "EL" if code == "gr" else code.upper() for code in vat.MEMBER_STATES if code != "xi"
}
EU_MEMBER_STATES = frozenset(EU_VAT_PREFIXES)


def normalize_vat_id(value: str, *, country: str) -> str:
    """The compact VAT number (`FR40303265045`) if it is valid for `country`, else ValidationError.

    EU numbers (every member state) are checked by python-stdnum's EU module, with their country
    prefix; another country's by stdnum's module for it (CH, GB, NO...); a country stdnum has no
    module for keeps the number as given, in compact form.
    """
    if country not in EU_VAT_PREFIXES:
        return _normalize_national_tax_id(value, country=country)
    try:
        compact = vat.compact(value or "")
    except StdnumError as exc:  # compact() itself refuses characters no VAT number has (a 500 before)
        raise ValidationError(_("This is not a valid VAT number.")) from exc
    if compact[:2].isdigit():
        compact = country + compact
    prefix = EU_VAT_PREFIXES[country]
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


def _normalize_national_tax_id(value: str, *, country: str) -> str:
    module = get_cc_module(country.lower(), "vat")
    try:
        if module is None:
            compact = "".join(character for character in value.upper() if character.isalnum())
            if not 4 <= len(compact) <= 20:
                raise StdnumError()
            return compact
        return module.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid VAT number.")) from exc
