import factory
from factory.django import DjangoModelFactory

from accounts.models import Customer, Role, Service, User

PASSWORD = "correct-horse-battery-staple-9"


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    country = "FR"
    language = "fr"
    billing_address = "1 rue de la Paix\n75002 Paris"
    # As the API decides it: a buyer with a VAT number is a business unless said otherwise.
    vat_id = ""
    is_business = factory.LazyAttribute(lambda customer: bool(customer.vat_id))


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"srv-{n}.example.net")
    kind = Service.Kind.DEDICATED_SERVER


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    role = Role.CUSTOMER
    customer = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.CUSTOMER), factory.SubFactory(CustomerFactory), None
    )
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()
