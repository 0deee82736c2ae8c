"""The demo world of `make run`: a few weeks of a living desk, played through the services.

Each story is the life of one ticket (or of one account's money), written as a generator that yields
`(when, action)` steps and receives each action's result. `play` runs the steps of all stories in the
order of their moments, each under a clock set to its moment (time-machine), then sends the e-mails it
recorded as the outbox's relay would a moment later, and runs the hourly deadline sweep once a day. So
every state, history row, document number (increasing with the issue dates), due day, reminder and e-mail
row is the one the app itself writes: nothing is written to a state column by hand.

The deadline sweep runs up to yesterday: an invoice that fell due yesterday is still open and overdue
(the first hourly sweep of `make run` lapses it, as it would in production).
"""

import heapq
import itertools
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import make_msgid
from functools import partial
from typing import Any

import time_machine
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Customer, Service, User
from billing.models import Invoice
from billing.pricing import free_period_create
from billing.services import LineSpec, customer_reinstate, invoice_pay, invoice_refuse
from billing.tasks import bans_apply_pending
from consent.models import AccessRequest, DataAction
from consent.services import access_request_create, access_request_grant, intervention_perform
from credits.services import sla_claim_grant
from diagnostics.services import QuoteSpec, diagnosis_conclude
from mailin.models import InboundEmail
from mailin.services import inbound_email_receive
from ops.sweeps import DEADLINE_SWEEPS
from outages.services import (
    incident_conclude_linked,
    incident_create,
    incident_link_tickets,
    incident_publish,
    incident_resolve,
)
from outbox.services import emails_pending, emails_send, emails_send_overdue
from quotes.models import Quote
from quotes.services import quote_accept, quote_decline, ticket_complete_work
from tickets import replies
from tickets.fees import Outcome
from tickets.models import Ticket
from tickets.services import (
    message_post,
    ticket_cancel,
    ticket_claim,
    ticket_close,
    ticket_note_add,
    ticket_open,
    ticket_start_diagnosis,
)

Step = tuple[datetime, Callable[[], Any]]
Story = Generator[Step, Any, None]

# The outbox's sending is the workers' (and the hourly sweep's); the sweep runs here without it, and
# `play` sends what each step recorded, to a mailbox in memory: the demo's customers are fictitious.
SWEEPS = [sweep for sweep in DEADLINE_SWEEPS if sweep is not emails_send_overdue]
DAYS = 50  # how far back the world starts
SWEEP_AT = time(1, 5)  # the hourly sweep, once a day


@dataclass(frozen=True)
class Cast:
    """The demo's people: users of the three accounts and the staff."""

    client: User  # Boulangerie Exemple SARL (FR)
    comptable: User  # its accountant
    kunde: User  # Beispiel Bäckerei GmbH (DE)
    gerant: User  # Fromagerie Démo SAS (FR), banned
    agent: User
    finance: User
    admin: User


class Clock:
    """Moments of the demo, counted back from the real `now`."""

    def __init__(self, now: datetime):
        self.now = now
        self.today = timezone.localdate(now)

    def day(self, days_ago: int, at: str) -> datetime:
        """`at` ("HH:MM", the desk's time zone) on the day `days_ago` days before today."""
        hour, minute = map(int, at.split(":"))
        moment = datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute))
        return timezone.make_aware(moment)

    def ago(self, *, hours: float) -> datetime:
        return self.now - timedelta(hours=hours)

    def date(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)


def world_exists(*, customers: list[Customer]) -> bool:
    """The world is built once: the demo accounts have tickets as soon as it is."""
    return Ticket.objects.filter(customer__in=customers).exists()


@transaction.atomic
def world_build(*, cast: Cast, now: datetime | None = None) -> None:
    """Play every story of the demo, up to `now`, in one transaction (a failure leaves no half world)."""
    clock = Clock(now or timezone.now())
    play([story(clock, cast) for story in STORIES] + [sweeps(clock)], now=clock.now)


def play(stories: list[Story], *, now: datetime) -> None:
    """Run the stories' steps in the order of their moments, each at its moment."""
    queue: list[tuple[datetime, int, Story, Callable[[], Any]]] = []
    order = itertools.count()  # ties keep the order the stories were given in

    def advance(story: Story, result: Any) -> None:
        try:
            when, action = story.send(result)
        except StopIteration:
            return
        assert when < now, f"a demo step in the future: {when}"
        heapq.heappush(queue, (when, next(order), story, action))

    for story in stories:
        advance(story, None)
    while queue:
        when, _n, story, action = heapq.heappop(queue)
        with time_machine.travel(when, tick=False):
            result = action()
            _emails_send()
        advance(story, result)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def _emails_send() -> None:
    """What the outbox's relay task does right after a commit: send every e-mail recorded and not sent."""
    kinds: dict[str, list[int]] = {}
    for kind, object_id in emails_pending().values_list("kind", "object_id"):
        kinds.setdefault(kind, []).append(object_id)
    for kind, object_ids in kinds.items():
        emails_send(kind=kind, object_ids=object_ids)


def sweeps(clock: Clock) -> Story:
    """The hourly deadline sweep, once a day until yesterday: lapses, bans, expiries, reminders."""
    for days_ago in range(DAYS, 0, -1):
        moment = timezone.make_aware(datetime.combine(clock.date(days_ago), SWEEP_AT))
        yield moment, partial(_sweep, now=moment)


def _sweep(*, now: datetime) -> dict[str, int]:
    return {sweep.__name__: sweep(now=now) for sweep in SWEEPS}


def _service(user: User, kind: str) -> Service:
    """The account's one service of that kind."""
    assert user.customer_id is not None  # a customer's user
    return Service.objects.get(customer_id=user.customer_id, kind=kind)


def _lines(*lines: tuple[str, str, str]) -> QuoteSpec:
    return QuoteSpec(
        lines=[
            LineSpec(description=text, quantity=Decimal(quantity), unit_price=Decimal(price))
            for text, quantity, price in lines
        ]
    )


def _quote(ticket: Ticket) -> Quote:
    return Quote.objects.get(ticket=ticket)


def _invoice(ticket: Ticket) -> Invoice:
    return Invoice.objects.filter(ticket_id=ticket.pk).latest("id")


def _question(user: User, kind: str, subject: str, description: str, **extra) -> Callable[[], Ticket]:
    return lambda: ticket_open(by=user, kind=kind, subject=subject, description=description, **extra)


def _incident(user: User, subject: str, description: str, **extra) -> Callable[[], Ticket]:
    return _question(user, Ticket.Kind.INCIDENT, subject, description, accept_diagnosis_fee=True, **extra)


def _sla_claim(
    user: User, service: Service, subject: str, description: str, *, started: datetime, hours: float
) -> Callable[[], Ticket]:
    """An SLA claim naming its service and the period it was unavailable."""
    outage = {"outage_started_at": started, "outage_ended_at": started + timedelta(hours=hours)}
    return _question(user, Ticket.Kind.SLA_CLAIM, subject, description, service=service, **outage)


def _say(ticket: Ticket, author: User, body: str) -> Callable[[], Any]:
    return lambda: message_post(ticket=ticket, author=author, body=body)


def _pay(
    invoice: Invoice, by: User, received_on: date, reference: str, *, amount: Decimal | None = None
) -> Callable[[], Any]:
    """Finance records a transfer received on that day with that reference: the whole invoice unless
    `amount` says how much."""
    return lambda: invoice_pay(
        invoice=invoice,
        amount=invoice.gross if amount is None else amount,
        received_on=received_on,
        reference=reference,
        by=by,
    )


# The demo's mailbox, when e-mail in is not configured (`make run`): its replies still find their ticket.
DEMO_MAIL_DOMAIN = "incident-desk.example"


def _mail_in(sender: User, *, to: Callable[[], str], subject: str, body: str, **headers: str):
    """An e-mail received by the support mailbox, as the MTA pipe hands it over."""

    def receive() -> InboundEmail:
        with override_settings(MAILIN_REPLY_DOMAIN=settings.MAILIN_REPLY_DOMAIN or DEMO_MAIL_DOMAIN):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = sender.email, to(), subject
            message["Message-ID"] = make_msgid(domain="example.fr")
            for name, value in headers.items():
                message[name.replace("_", "-")] = value
            message.set_content(body)
            return inbound_email_receive(raw=bytes(message), source=InboundEmail.Source.PIPE)

    return receive


def _diagnosed(
    cast: Cast,
    opening: Callable[[], Ticket],
    *,
    opened: datetime,
    started: datetime,
    concluded: datetime,
    outcome: str,
    findings: str,
    quote: QuoteSpec | None = None,
    message: tuple[datetime, str] | None = None,
    note: tuple[datetime, str] | None = None,
) -> Generator[Step, Any, Ticket]:
    """An incident opened, taken for diagnosis by the agent and concluded: the story's first steps, with the
    agent's message to the customer or internal note in between if any. Returns the ticket."""
    ticket = yield opened, opening
    yield started, lambda: ticket_start_diagnosis(ticket=ticket, by=cast.agent)
    if message:
        when, body = message
        yield when, _say(ticket, cast.agent, body)
    if note:
        when, body = note
        yield when, lambda: ticket_note_add(ticket=ticket, author=cast.agent, body=body)
    yield (
        concluded,
        lambda: diagnosis_conclude(
            ticket=ticket, findings=findings, outcome=outcome, by=cast.agent, quote=quote
        ),
    )
    return ticket


# Boulangerie Exemple SARL (France, French): the busy account.


def fr_fixed_and_paid(clock: Clock, cast: Cast) -> Story:
    """Fixed during the diagnosis; the fee's invoice paid by transfer."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.client,
            "Le site boulangerie-exemple.fr affiche une erreur 500",
            "Depuis ce matin, toutes les pages du site renvoient « Erreur 500 ». Les commandes en ligne sont bloquées.",
            service=_service(cast.client, Service.Kind.WEB_HOSTING),
        ),
        opened=clock.day(42, "09:10"),
        started=clock.day(42, "09:40"),
        message=(
            clock.day(42, "09:55"),
            "Bonjour, je regarde les journaux du serveur web et reviens vers vous rapidement.",
        ),
        concluded=clock.day(42, "11:20"),
        outcome=Outcome.FIXED,
        findings="Le pool PHP-FPM était saturé par un module de cache défaillant ; module désactivé, pool redémarré.",
    )
    yield clock.day(42, "11:45"), _say(ticket, cast.client, "Merci, tout remarche !")
    invoice = _invoice(ticket)
    yield (
        clock.day(20, "10:15"),
        _pay(invoice, cast.finance, clock.date(21), f"VIR SEPA BOULANGERIE EXEMPLE {invoice.number}"),
    )


def fr_free_diagnosis(clock: Clock, cast: Cast) -> Story:
    """Opened during a free period: the diagnosis costs nothing."""
    yield (
        clock.day(40, "16:00"),
        lambda: free_period_create(
            starts_on=clock.date(38), ends_on=clock.date(36), countries=["FR"], by=cast.admin
        ),
    )
    yield from _diagnosed(
        cast,
        _incident(
            cast.comptable,
            "Sauvegardes nocturnes en échec depuis la migration PHP 8.3",
            "Le rapport de sauvegarde indique « permission denied » sur /var/backups depuis deux nuits.",
            service=_service(cast.client, Service.Kind.DEDICATED_SERVER),
        ),
        opened=clock.day(37, "10:05"),
        started=clock.day(37, "14:00"),
        concluded=clock.day(36, "09:30"),
        outcome=Outcome.FIXED,
        findings="Le propriétaire du dossier de sauvegarde avait changé lors de la migration ; droits rétablis, "
        "sauvegarde relancée avec succès.",
    )


def fr_work_done_partly_paid(clock: Clock, cast: Cast) -> Story:
    """Quoted, accepted, the work done: fee and quote invoiced, paid in part, due in a few days."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.client,
            "Le serveur srv-paris-01 redémarre tout seul",
            "Trois redémarrages inattendus cette nuit, la caisse en ligne était indisponible à chaque fois.",
            service=_service(cast.client, Service.Kind.DEDICATED_SERVER),
            suspected_provider_fault=False,
        ),
        opened=clock.day(33, "07:50"),
        started=clock.day(33, "08:30"),
        message=(
            clock.day(33, "11:10"),
            "Les journaux IPMI signalent des erreurs mémoire corrigibles en rafale. Je poursuis.",
        ),
        concluded=clock.day(32, "15:40"),
        outcome=Outcome.QUOTED,
        findings="Une barrette mémoire ECC est défectueuse (erreurs corrigibles puis non corrigibles, slot B2).",
        quote=_lines(
            ("Barrette mémoire ECC 32 Go (slot B2)", "1", "85.00"),
            ("Intervention en datacenter (main-d'œuvre)", "1.5", "60.00"),
        ),
    )
    yield clock.day(31, "08:20"), lambda: quote_accept(quote=_quote(ticket), by=cast.client)
    yield (
        clock.day(31, "08:25"),
        _say(ticket, cast.client, "D'accord pour le devis, le plus tôt possible svp."),
    )
    yield (
        clock.day(27, "18:05"),
        lambda: ticket_complete_work(
            ticket=ticket,
            report="Barrette remplacée, 12 h de memtest sans erreur, serveur remis en production.",
            by=cast.agent,
        ),
    )
    invoice = _invoice(ticket)
    yield (
        clock.day(9, "11:00"),
        _pay(invoice, cast.finance, clock.date(10), "VIR SEPA ACOMPTE BOULANGERIE", amount=Decimal("100.00")),
    )


def fr_quote_declined(clock: Clock, cast: Cast) -> Story:
    """The customer declines the quote: the ticket closes, the diagnosis fee is billed."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.comptable,
            "Les e-mails de la boutique sont refusés par Gmail",
            "Nos confirmations de commande reviennent avec « 550 5.7.26 unauthenticated sender ».",
            service=_service(cast.client, Service.Kind.WEB_HOSTING),
        ),
        opened=clock.day(24, "09:00"),
        started=clock.day(24, "10:30"),
        concluded=clock.day(23, "14:10"),
        outcome=Outcome.QUOTED,
        findings="Le domaine n'a ni SPF ni DKIM ; les gros fournisseurs refusent désormais ces messages.",
        quote=_lines(("Mise en place de SPF, DKIM et DMARC, tests de délivrabilité", "2", "60.00")),
    )
    yield clock.day(22, "17:45"), _say(ticket, cast.comptable, "Merci, notre prestataire web s'en chargera.")
    yield clock.day(22, "17:50"), lambda: quote_decline(quote=_quote(ticket), by=cast.comptable)


def fr_quote_expired(clock: Clock, cast: Cast) -> Story:
    """A quote nobody decided on lapses at the sweep after its last valid day; the fee is billed then."""
    yield from _diagnosed(
        cast,
        _incident(
            cast.client,
            "Espace disque presque plein sur le serveur dédié",
            "Alerte de supervision : 94 % d'occupation sur /srv.",
            service=_service(cast.client, Service.Kind.DEDICATED_SERVER),
        ),
        opened=clock.day(21, "13:30"),
        started=clock.day(21, "15:00"),
        concluded=clock.day(20, "10:00"),
        outcome=Outcome.QUOTED,
        findings="Les journaux applicatifs ne sont jamais purgés (180 Go).",
        quote=_lines(("Rotation et compression des journaux, purge initiale", "1", "90.00")),
    )


def fr_quote_waiting(clock: Clock, cast: Cast) -> Story:
    """A quote sent a few days ago, waiting for the customer's decision."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.client,
            "Site très lent aux heures de pointe",
            "Entre 7 h et 9 h, les pages mettent plus de 10 secondes à s'afficher.",
            service=_service(cast.client, Service.Kind.WEB_HOSTING),
        ),
        opened=clock.day(5, "08:40"),
        started=clock.day(4, "09:15"),
        note=(clock.day(4, "09:20"), "Pic de trafic réel (campagne promo), pas d'attaque."),
        concluded=clock.day(3, "16:30"),
        outcome=Outcome.QUOTED,
        findings="L'hébergement mutualisé atteint sa limite de processus PHP aux heures de pointe.",
        quote=_lines(
            ("Passage à l'offre Performance (migration du site)", "1", "120.00"),
            ("Mise en place d'un cache de pages", "2", "60.00"),
        ),
    )
    yield (
        clock.day(2, "08:05"),
        _say(
            ticket, cast.client, "Le cache suffirait-il seul ? Nous regardons le devis avec notre comptable."
        ),
    )
    yield (
        clock.day(2, "10:40"),
        _say(
            ticket,
            cast.agent,
            "Le cache seul réduirait la charge de moitié environ ; la migration reste conseillée.",
        ),
    )


def fr_in_work_with_consent(clock: Clock, cast: Cast) -> Story:
    """Accepted work under way; the customer granted access to its data and the agent's work is logged."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.client,
            "Base MySQL corrompue après la coupure de courant",
            "La boutique affiche « Table 'orders' is marked as crashed ».",
            service=_service(cast.client, Service.Kind.DEDICATED_SERVER),
        ),
        opened=clock.day(12, "06:55"),
        started=clock.day(12, "07:30"),
        concluded=clock.day(11, "10:00"),
        outcome=Outcome.QUOTED,
        findings="Deux tables InnoDB endommagées ; réparation possible depuis la sauvegarde de la veille et les binlogs.",
        quote=_lines(("Restauration et réparation de la base de données", "3", "60.00")),
    )
    yield clock.day(10, "08:00"), lambda: quote_accept(quote=_quote(ticket), by=cast.client)
    request = yield (
        clock.ago(hours=5),
        lambda: access_request_create(
            ticket=ticket,
            scope=AccessRequest.Scope.MODIFY_DATA,
            reason="Réparer les tables orders et order_items, puis rejouer les binlogs.",
            duration_hours=48,
            by=cast.agent,
        ),
    )
    yield clock.ago(hours=4.5), lambda: access_request_grant(access_request=request, by=cast.client)
    yield (
        clock.ago(hours=3),
        lambda: intervention_perform(
            ticket=ticket,
            action=DataAction.MODIFY_DATA,
            description="mysqlcheck --repair sur orders et order_items ; binlogs rejoués jusqu'à 06:52.",
            by=cast.agent,
        ),
    )
    yield (
        clock.ago(hours=2.9),
        _say(
            ticket, cast.agent, "Tables réparées ; nous vérifions la cohérence des commandes avant de clore."
        ),
    )
    yield (
        clock.ago(hours=2.5),
        _say(ticket, cast.client, "Merci ! Les commandes d'hier soir réapparaissent bien dans la boutique."),
    )


def fr_open_unassigned(clock: Clock, cast: Cast) -> Story:
    """A new incident nobody has taken yet: top of the agents' inbox."""
    yield (
        clock.ago(hours=1.5),
        _incident(
            cast.client,
            "Certificat HTTPS expiré sur boulangerie-exemple.fr",
            "Les navigateurs affichent « Votre connexion n'est pas privée » depuis ce matin.",
            service=_service(cast.client, Service.Kind.WEB_HOSTING),
        ),
    )


def fr_open_question(clock: Clock, cast: Cast) -> Story:
    """A technical question, claimed by the agent, not answered yet."""
    ticket = yield (
        clock.day(2, "14:20"),
        _question(
            cast.comptable,
            Ticket.Kind.TECHNICAL,
            "Peut-on ajouter une adresse IPv6 au serveur dédié ?",
            "Notre nouveau terminal de paiement exige IPv6.",
        ),
    )
    yield clock.day(1, "09:00"), lambda: ticket_claim(ticket=ticket, by=cast.agent)
    # The accountant answers the ticket's e-mail: the reply becomes a message, its quoted history dropped.
    yield (
        clock.day(1, "10:15"),
        _mail_in(
            cast.comptable,
            to=lambda: replies.ticket_reply_address(ticket.pk),
            subject=f"Re: Ticket n° {ticket.pk} ouvert",
            body="Précision : le terminal est un modèle Ingenico Move/5000.\n\n"
            "Le lun. à 14:20, Incident Desk <support@incident-desk.example> a écrit :\n"
            "> Votre ticket est ouvert.",
        ),
    )


def mail_in_refused(clock: Clock, cast: Cast) -> Story:
    """What the mailbox refuses: an out-of-office answer, a stranger, an incident asked for by e-mail."""
    yield (
        clock.day(3, "07:00"),
        _mail_in(
            cast.client,
            to=replies.support_address,
            subject="Absence du bureau",
            body="Je suis absent jusqu'au 3.",
            Auto_Submitted="auto-replied",
        ),
    )
    yield (
        clock.day(2, "22:40"),
        _mail_in(
            User(email="inconnu@example.org"),
            to=replies.support_address,
            subject="Offre de référencement",
            body="Bonjour, nous proposons…",
        ),
    )
    yield (
        clock.day(1, "08:10"),
        _mail_in(
            cast.client,
            to=lambda: f"{settings.MAILIN_LOCAL_PART}+incident@{replies.support_address().split('@')[1]}",
            subject="Le site ne répond plus",
            body="Erreur 502 depuis ce matin.",
        ),
    )


def fr_question_answered(clock: Clock, cast: Cast) -> Story:
    """A commercial question, answered and closed."""
    ticket = yield (
        clock.day(19, "11:00"),
        _question(
            cast.comptable,
            Ticket.Kind.COMMERCIAL,
            "Factures au nom de la SARL",
            "Pouvez-vous confirmer que nos factures portent bien notre numéro de TVA intracommunautaire ?",
        ),
    )
    yield (
        clock.day(18, "09:30"),
        lambda: ticket_close(
            ticket=ticket,
            answer="Oui : chaque facture porte votre numéro FR40303265045 et le nôtre, comme l'exige l'article 242 "
            "nonies A du CGI.",
            by=cast.agent,
        ),
    )


def fr_cancelled(clock: Clock, cast: Cast) -> Story:
    """Withdrawn by the customer before anybody started: it costs nothing."""
    ticket = yield (
        clock.day(15, "08:30"),
        _incident(cast.client, "Plus d'accès FTP", "Le mot de passe FTP est refusé depuis ce matin."),
    )
    yield (
        clock.day(15, "08:50"),
        _say(ticket, cast.client, "Fausse alerte : un collègue avait changé le mot de passe."),
    )
    yield clock.day(15, "08:52"), lambda: ticket_cancel(ticket=ticket, by=cast.client, reason="Fausse alerte")


def fr_sla_credit_granted(clock: Clock, cast: Cast) -> Story:
    """A provider-fault outage of the dedicated server: the claim is granted, its SLA credit note issued and
    the credit owed back to the customer."""
    server = _service(cast.client, Service.Kind.DEDICATED_SERVER)
    ticket = yield (
        clock.day(9, "08:30"),
        _sla_claim(
            cast.client,
            server,
            "Serveur indisponible pendant 2 h 30",
            "Notre serveur dédié ne répondait plus de 02 h 00 à 04 h 30 (panne électrique chez vous, d'après "
            "votre page d'état). Nous demandons l'avoir prévu au contrat.",
            started=clock.day(10, "02:00"),
            hours=2.5,
        ),
    )
    yield clock.day(8, "10:15"), lambda: sla_claim_grant(ticket=ticket, hours=Decimal("2.5"), by=cast.agent)


# Beispiel Bäckerei GmbH (Germany, German): an invoice lapsed, the account banned, then reinstated.


def de_lapsed_then_reinstated(clock: Clock, cast: Cast) -> Story:
    """Paid in part, then left unpaid past its due day: the sweep lapses it (credit note, refund owed of the
    part paid, the account banned and its open ticket cancelled); finance reinstates the account."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.kunde,
            "Onlineshop zeigt Datenbankfehler",
            "Seit heute früh erscheint im Shop nur noch „Error establishing a database connection“.",
            service=_service(cast.kunde, Service.Kind.VPS),
        ),
        opened=clock.day(49, "10:20"),
        started=clock.day(49, "10:45"),
        concluded=clock.day(48, "09:10"),
        outcome=Outcome.FIXED,
        findings="Der MariaDB-Dienst war nach einem Speicherengpass beendet worden; Dienst neu gestartet, Swap eingerichtet.",
    )
    invoice = _invoice(ticket)
    yield (
        clock.day(40, "12:00"),
        _pay(invoice, cast.finance, clock.date(41), "Teilzahlung", amount=Decimal("10.00")),
    )
    # The sweep lapses the invoice on the day after its due day; this question is open then, and cancelled.
    yield (
        clock.day(19, "15:30"),
        _question(
            cast.kunde,
            Ticket.Kind.TECHNICAL,
            "Wie lange werden Backups aufbewahrt?",
            "Gilt das auch für den VPS?",
        ),
    )
    customer = cast.kunde.customer
    assert customer is not None
    yield (
        clock.day(15, "11:00"),
        lambda: customer_reinstate(
            customer=customer,
            reason="Telefonat mit dem Kunden: Zahlungsverzug wegen Kontowechsel; Support wieder freigegeben.",
            by=cast.finance,
        ),
    )


def de_due_soon(clock: Clock, cast: Cast) -> Story:
    """Fixed during the diagnosis; the fee's invoice falls due in a few days (reminded a week before)."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.kunde,
            "VPS nach Kernel-Update nicht erreichbar",
            "Nach dem automatischen Update bootet der VPS nicht mehr.",
            service=_service(cast.kunde, Service.Kind.VPS),
        ),
        opened=clock.day(26, "08:15"),
        started=clock.day(26, "08:40"),
        concluded=clock.day(26, "10:05"),
        outcome=Outcome.FIXED,
        findings="Das neue Kernel-Image fehlte im Bootloader; vorherigen Kernel gebootet und GRUB-Konfiguration erneuert.",
    )
    yield clock.day(26, "10:30"), _say(ticket, cast.kunde, "Danke, läuft wieder.")


def de_provider_fault(clock: Clock, cast: Cast) -> Story:
    """The customer suspected us, rightly: a provider fault costs nothing."""
    yield from _diagnosed(
        cast,
        _incident(
            cast.kunde,
            "Paketverlust seit der Netzwartung",
            "Seit der angekündigten Wartung verlieren wir 30 % der Pakete zum VPS.",
            service=_service(cast.kunde, Service.Kind.VPS),
            suspected_provider_fault=True,
        ),
        opened=clock.day(23, "19:40"),
        started=clock.day(23, "20:05"),
        message=(clock.day(23, "20:10"), "Wir prüfen die Switches des Racks, melde mich gleich."),
        concluded=clock.day(22, "08:30"),
        outcome=Outcome.PROVIDER_FAULT,
        findings="Ein bei der Wartung getauschter Uplink lief mit falscher Duplex-Einstellung; korrigiert.",
    )


def de_work_paid(clock: Clock, cast: Cast) -> Story:
    """Quoted, accepted, done and paid in full."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.kunde,
            "Mailserver: Zertifikat abgelaufen",
            "Outlook verweigert die Verbindung zum Mailserver wegen eines abgelaufenen Zertifikats.",
            service=_service(cast.kunde, Service.Kind.VPS),
        ),
        opened=clock.day(14, "09:00"),
        started=clock.day(14, "09:30"),
        concluded=clock.day(13, "11:00"),
        outcome=Outcome.QUOTED,
        findings="Die automatische Erneuerung war nie eingerichtet.",
        quote=_lines(("Einrichtung der automatischen Zertifikatserneuerung (ACME)", "1", "120.00")),
    )
    yield clock.day(13, "15:20"), lambda: quote_accept(quote=_quote(ticket), by=cast.kunde)
    yield (
        clock.day(9, "16:00"),
        lambda: ticket_complete_work(
            ticket=ticket,
            report="Zertifikat erneuert, Erneuerung per Timer alle 60 Tage, Test erfolgreich.",
            by=cast.agent,
        ),
    )
    invoice = _invoice(ticket)
    yield clock.day(3, "10:00"), _pay(invoice, cast.finance, clock.date(4), f"Überweisung {invoice.number}")


def de_question_answered(clock: Clock, cast: Cast) -> Story:
    ticket = yield (
        clock.day(11, "13:00"),
        _question(
            cast.kunde,
            Ticket.Kind.TECHNICAL,
            "SPF und DKIM für unsere Domain",
            "Wie richten wir SPF und DKIM für beispiel-baeckerei.de ein?",
        ),
    )
    yield clock.day(11, "13:05"), _say(ticket, cast.kunde, "Die Domain liegt bei einem anderen Registrar.")
    yield (
        clock.day(10, "10:20"),
        lambda: ticket_close(
            ticket=ticket,
            answer="Tragen Sie beim Registrar einen TXT-Eintrag „v=spf1 mx include:mail.incident-desk.example -all“ "
            "ein; den DKIM-Schlüssel finden Sie im Kundenbereich unter „E-Mail“.",
            by=cast.agent,
        ),
    )


def de_no_quote(clock: Clock, cast: Cast) -> Story:
    """Diagnosed, nothing to fix and nothing to quote: closed, not billed."""
    yield from _diagnosed(
        cast,
        _incident(
            cast.kunde,
            "Festplatte des VPS langsam?",
            "Backups dauern doppelt so lange wie letzten Monat.",
            service=_service(cast.kunde, Service.Kind.VPS),
        ),
        opened=clock.day(7, "09:45"),
        started=clock.day(7, "10:30"),
        concluded=clock.day(6, "09:00"),
        outcome=Outcome.NO_QUOTE,
        findings="Kein Defekt: das Backup-Volumen hat sich verdoppelt (neue Produktfotos). Nichts zu reparieren.",
    )


def de_diagnosing_access_pending(clock: Clock, cast: Cast) -> Story:
    """Under diagnosis; the agent asks to read the logs and waits for the customer's consent."""
    ticket = yield (
        clock.day(3, "07:30"),
        _incident(
            cast.kunde,
            "Cronjobs laufen nicht mehr",
            "Die nächtliche Bestellübertragung an die Filialen ist seit zwei Tagen ausgefallen.",
            service=_service(cast.kunde, Service.Kind.VPS),
        ),
    )
    yield clock.day(2, "09:00"), lambda: ticket_start_diagnosis(ticket=ticket, by=cast.agent)
    yield (
        clock.day(2, "09:10"),
        _say(ticket, cast.agent, "Guten Tag, um die Ursache zu finden, müsste ich die Cron-Logs lesen."),
    )
    yield (
        clock.ago(hours=20),
        lambda: access_request_create(
            ticket=ticket,
            scope=AccessRequest.Scope.READ_DATA,
            reason="Lesen von /var/log/cron und der Crontab des Benutzers shop.",
            duration_hours=24,
            by=cast.agent,
        ),
    )


def de_sla_claim(clock: Clock, cast: Cast) -> Story:
    """An SLA claim waiting in the inbox, naming its VPS and the 3 h 40 min it was unavailable."""
    ticket = yield (
        clock.day(4, "16:00"),
        _sla_claim(
            cast.kunde,
            _service(cast.kunde, Service.Kind.VPS),
            "SLA-Erstattung für die Störung während der Netzwartung",
            "Unser VPS war laut eigener Überwachung 3 Stunden 40 Minuten gestört. Wir bitten um die "
            "Erstattung gemäß SLA.",
            started=clock.day(5, "22:10"),
            hours=3 + 40 / 60,
        ),
    )
    yield clock.day(4, "16:05"), _say(ticket, cast.kunde, "Die Monitoring-Auswertung schicke ich gern nach.")


# Fromagerie Démo SAS (France, French): refused an invoice, banned from support.


def ban_overdue(clock: Clock, cast: Cast) -> Story:
    """The fee's invoice fell due yesterday, unpaid after two reminders: overdue, the next sweep lapses it."""
    yield from _diagnosed(
        cast,
        _incident(
            cast.gerant,
            "La caisse ne synchronise plus les ventes",
            "Les ventes du magasin ne remontent plus sur le serveur depuis hier soir.",
            service=_service(cast.gerant, Service.Kind.VPS),
        ),
        opened=clock.day(31, "09:00"),
        started=clock.day(31, "09:20"),
        concluded=clock.day(31, "11:00"),
        outcome=Outcome.FIXED,
        findings="Le pare-feu bloquait le port de synchronisation après une mise à jour ; règle rétablie.",
    )


def ban_refused(clock: Clock, cast: Cast) -> Story:
    """The customer refuses the fee's invoice: a credit note cancels it and the account is banned; its open
    question is cancelled when the ban is applied, right after."""
    ticket = yield from _diagnosed(
        cast,
        _incident(
            cast.gerant,
            "Site vitrine défiguré",
            "La page d'accueil de notre site affiche un message qui n'est pas de nous.",
            service=_service(cast.gerant, Service.Kind.VPS),
        ),
        opened=clock.day(21, "10:00"),
        started=clock.day(21, "10:30"),
        concluded=clock.day(20, "15:00"),
        outcome=Outcome.FIXED,
        findings="Extension WordPress obsolète exploitée ; fichiers restaurés, extension supprimée, mots de passe changés.",
    )
    yield (
        clock.day(12, "17:00"),
        _question(
            cast.gerant,
            Ticket.Kind.TECHNICAL,
            "Transfert de notre nom de domaine",
            "Comment transférer fromagerie-demo.fr vers un autre registrar ?",
        ),
    )
    yield clock.day(10, "09:00"), _say(ticket, cast.gerant, "Le site a de nouveau été défiguré hier soir.")
    invoice = _invoice(ticket)
    yield (
        clock.day(10, "09:05"),
        lambda: invoice_refuse(
            invoice=invoice,
            reason="Le problème est revenu : nous refusons de payer ce diagnostic.",
            by=cast.gerant,
        ),
    )
    # The refusal's task, after its commit: the ban's slow part (the open question cancelled, the e-mail).
    yield clock.day(10, "09:08"), lambda: bans_apply_pending(now=timezone.now())


def ban_sla_claim_refused(clock: Clock, cast: Cast) -> Story:
    """An SLA claim sent just before the account refused an invoice: assessed after the refusal, before the
    ban's slow part cancels the open tickets, it is refused for the ban (a banned account loses every claim)."""
    ticket = yield (
        clock.day(10, "08:40"),
        _sla_claim(
            cast.gerant,
            _service(cast.gerant, Service.Kind.VPS),
            "Coupure du VPS dimanche soir",
            "Le VPS était injoignable pendant une heure dimanche soir.",
            started=clock.day(11, "20:00"),
            hours=1,
        ),
    )
    # Between the refusal (09:05, ban_refused) and the ban's slow part (09:08).
    yield clock.day(10, "09:06"), lambda: sla_claim_grant(ticket=ticket, hours=Decimal("1"), by=cast.agent)


# Provider incidents: a known outage of ours, told on the status page.


def outage_storage_berlin(clock: Clock, cast: Cast) -> Story:
    """A storage outage of the VPS platform: published, a ticket opened on a VPS is free, another ticket
    is linked by the agent, the incident resolved and its tickets concluded as our fault in one go."""
    draft = yield (
        clock.day(9, "06:10"),
        lambda: incident_create(
            by=cast.agent,
            title_en="VPS platform: storage outage",
            title_fr="Plateforme VPS : panne de stockage",
            title_de="VPS-Plattform: Speicherausfall",
            body_en="A storage cluster of the VPS platform is down: some virtual servers do not start or answer.",
            body_fr="Une grappe de stockage de la plateforme VPS est en panne : certains serveurs virtuels ne "
            "démarrent pas ou ne répondent pas.",
            body_de="Ein Speicher-Cluster der VPS-Plattform ist ausgefallen: Einige virtuelle Server starten "
            "nicht oder antworten nicht.",
            service_kinds=[Service.Kind.VPS],
            starts_at=clock.day(9, "05:40"),
        ),
    )
    incident = yield clock.day(9, "06:15"), lambda: incident_publish(incident=draft, by=cast.agent)
    yield (
        clock.day(9, "06:40"),
        _incident(
            cast.kunde,
            "VPS startet nicht",
            "Der VPS hängt seit 6 Uhr beim Start.",
            service=_service(cast.kunde, Service.Kind.VPS),
        ),
    )
    unlinked = yield (
        clock.day(9, "07:05"),
        _incident(
            cast.client,
            "Sauvegarde distante injoignable",
            "Notre script de sauvegarde n’arrive plus à joindre le VPS de sauvegarde depuis 6 h.",
        ),
    )
    yield (
        clock.day(9, "07:30"),
        lambda: incident_link_tickets(incident=incident, ticket_ids=[unlinked.pk], by=cast.agent),
    )
    yield clock.day(9, "10:30"), lambda: incident_resolve(incident=incident, by=cast.agent)
    yield (
        clock.day(9, "10:45"),
        lambda: incident_conclude_linked(
            incident=incident,
            findings="Panne de la grappe de stockage VPS, réparée à 10 h 30. / "
            "Ausfall des VPS-Speicher-Clusters, um 10:30 Uhr behoben.",
            by=cast.agent,
        ),
    )


def outage_ongoing_paris(clock: Clock, cast: Cast) -> Story:
    """Under way now: the status page shows it, and the French account's dedicated server is free to report."""
    draft = yield (
        clock.ago(hours=2.2),
        lambda: incident_create(
            by=cast.admin,
            title_en="Paris data centre: slow disks on dedicated servers",
            title_fr="Centre de données de Paris : disques lents sur les serveurs dédiés",
            title_de="Rechenzentrum Paris: langsame Festplatten bei dedizierten Servern",
            body_en="Disk writes are slow on part of our dedicated servers in Paris. Our teams are replacing a "
            "storage controller.",
            body_fr="Les écritures disque sont lentes sur une partie de nos serveurs dédiés à Paris. Nos "
            "équipes remplacent un contrôleur de stockage.",
            body_de="Schreibzugriffe sind auf einem Teil unserer dedizierten Server in Paris langsam. Unsere "
            "Teams tauschen einen Speicher-Controller aus.",
            service_kinds=[Service.Kind.DEDICATED_SERVER],
            starts_at=clock.ago(hours=2.5),
        ),
    )
    yield clock.ago(hours=2.1), lambda: incident_publish(incident=draft, by=cast.admin)
    # A notice being written, not yet public.
    yield (
        clock.ago(hours=0.5),
        lambda: incident_create(
            by=cast.agent,
            title_en="E-mail: delayed delivery to some providers",
            title_fr="E-mail : distribution retardée vers certains fournisseurs",
            title_de="E-Mail: verzögerte Zustellung an einige Anbieter",
            body_en="Mail to some providers is delayed by up to an hour.",
            body_fr="Le courrier vers certains fournisseurs est retardé jusqu’à une heure.",
            body_de="E-Mails an einige Anbieter werden um bis zu eine Stunde verzögert.",
            service_kinds=[Service.Kind.EMAIL],
            starts_at=clock.ago(hours=0.75),
        ),
    )


STORIES: list[Callable[[Clock, Cast], Story]] = [
    fr_fixed_and_paid,
    fr_free_diagnosis,
    fr_work_done_partly_paid,
    fr_quote_declined,
    fr_quote_expired,
    fr_quote_waiting,
    fr_in_work_with_consent,
    fr_open_unassigned,
    fr_open_question,
    fr_question_answered,
    fr_cancelled,
    mail_in_refused,
    de_lapsed_then_reinstated,
    de_due_soon,
    de_provider_fault,
    de_work_paid,
    de_question_answered,
    de_no_quote,
    de_diagnosing_access_pending,
    de_sla_claim,
    ban_overdue,
    ban_refused,
    outage_storage_berlin,
    outage_ongoing_paris,
    ban_sla_claim_refused,
    fr_sla_credit_granted,
]


def summary() -> str:
    """What the world holds, in a line."""
    tickets = Ticket.objects.count()
    invoices = Invoice.objects.count()
    banned = Customer.objects.filter(support_status=Customer.SupportStatus.BANNED).count()
    return f"{tickets} tickets, {invoices} invoices, {banned} account(s) banned"
