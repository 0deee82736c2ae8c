"""Searching tickets by words: one reading of what was typed, two ways to find it (PostgreSQL, SQLite).

What a search finds, on every database: tickets whose subject, description or messages hold every word
typed; tickets of a customer account whose name holds the whole text (3 characters at least); the ticket of
each number typed (`123`, `#123`); the ticket an invoice or a credit note typed by its number bills
(`FR-2026-000123`). The caller's list scopes it (a customer searches its own tickets) and orders it.

PostgreSQL reads the words with full-text search over `Ticket.search_vector`: the subject (weight A), the
description (B) and the messages (C), built by the database itself with the text search configuration of
the customer's language and kept up to date by triggers (migration tickets 0007), so that COPY and the
set-based writes of config/bulk.py keep it right without Python. The words are looked up stemmed in each
configured language and as they are (`simple`), ORed: "serveurs" finds a French "serveur" and "Rechnungen"
a German "Rechnung", whatever language the staff member types in; `websearch_to_tsquery` takes quotes,
`or` and `-` and never fails on syntax. Customer names go through a trigram index (`pg_trgm`, migration
accounts 0007). Elsewhere (`make run`'s SQLite) each word is a plain `icontains` over the same fields: no
stemming, substrings match. tests/tickets/test_search.py runs the same plain cases on both paths and holds
their results equal.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet

from accounts.models import Customer
from billing.models import Invoice
from config.bulk import among
from tickets.models import Message, Ticket

# Longer is refused (a 400 in the API, an error on the portal's form): nobody types more, and the text
# goes through the parser once per language.
QUERY_MAX_LENGTH = 200
# The languages a ticket's vector may be built in (the customer's language: the function
# tickets_search_config of migration 0007, which the test of the vector holds to this mapping), and
# `simple`, which keeps words unstemmed: names, codes, words of no language.
SEARCH_CONFIGURATIONS = {"fr": "french", "de": "german", "en": "english"}
QUERY_CONFIGURATIONS = (*SEARCH_CONFIGURATIONS.values(), "simple")
NAME_MIN_LENGTH = 3  # a trigram index cannot narrow a shorter fragment
# A search is common when it matches at least one in COMMON_ONE_IN of the list's newest PROBE_ROWS rows:
# walking the list in its order then reads at most about 26 × 200 rows for a page (tickets_search_postgresql).
PROBE_ROWS, COMMON_ONE_IN = 2000, 200
# The ids of tickets fit a bigint; a longer run of digits is only a word.
_TICKET_NUMBER = re.compile(r"#?(\d{1,18})")
# How billing.services.document_number writes invoices and credit notes (FR-2026-000123, FR-2026-C000001).
_DOCUMENT_NUMBER = re.compile(r"[A-Z]{2}-\d{4}-[A-Z]?\d{1,12}")
_TOKEN = re.compile(r"[^\s\"'(),;]+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchTerms:
    """What was typed, read once for both paths."""

    text: str  # as typed, for the full-text parser
    words: tuple[str, ...]  # the words, for the plain path
    name: str | None  # a fragment of a customer's name, or None when too short
    ticket_ids: tuple[int, ...]
    document_numbers: tuple[str, ...]


def search_terms(text: str) -> SearchTerms:
    text = text.strip()
    tokens = _TOKEN.findall(text)
    return SearchTerms(
        text=text,
        words=tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text))),
        name=text if len(text) >= NAME_MIN_LENGTH else None,
        ticket_ids=tuple(
            dict.fromkeys(int(m.group(1)) for t in tokens if (m := _TICKET_NUMBER.fullmatch(t)))
        ),
        document_numbers=tuple(
            dict.fromkeys(t.upper() for t in tokens if _DOCUMENT_NUMBER.fullmatch(t.upper()))
        ),
    )


def tickets_search(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """The tickets of `queryset` that `text` finds, in its order; the one place that picks the path."""
    terms = search_terms(text)
    if connections[queryset.db].vendor == "postgresql":
        return tickets_search_postgresql(queryset, terms)
    return tickets_search_plain(queryset, terms)


def _documented_tickets(numbers: tuple[str, ...]) -> list[QuerySet]:
    """The tickets billed by the invoices, and by the invoices the credit notes cancel, of these numbers:
    two lookups by a unique number each (one query with an OR across the join read both tables whole)."""
    invoices = Invoice.objects.filter(ticket_id__isnull=False).order_by()
    return [
        invoices.filter(number__in=numbers).values("ticket_id"),
        invoices.filter(credit_note__number__in=numbers).values("ticket_id"),
    ]


def tickets_search_postgresql(queryset: QuerySet[Ticket], terms: SearchTerms) -> QuerySet[Ticket]:
    """The same tickets by one of two plans, chosen by how common the search is among the list's newest
    rows (a probe of at most PROBE_ROWS rows, a few milliseconds at a million tickets).

    A page of a list is its first rows in its order. A common search finds them by walking that order
    (an index) and testing each row: 26 matches within the first few thousand rows. A rare one would walk
    the whole list that way, so its matching ids are gathered first through the GIN index (a bitmap:
    cheap when they are few, far too dear when they are a tenth of a million tickets), and the page is read
    among them. The lists of tickets waiting for the staff (queue, inbox) have a GIN index of their own
    rows (migration 0013): a word common among closed tickets and rare in the queue stays cheap there. PostgreSQL would choose by its estimate of the words' frequency, which for a word it has no
    statistics on is a guess of up to 0.5 % per language: a word found nowhere then had it read the whole
    table (0.5 s at 300,000 tickets; docs/performance.md)."""
    matching = queryset.filter(_postgresql_condition(terms))
    # The list's first rows in its own order (its index: the newest tickets for most lists, the oldest
    # for the queue) as an array of ids, and those of them that match: PostgreSQL reads just those rows
    # and tests each, where an `IN (subquery)` let it gather every match of a common word first (74 ms
    # instead of 3). The probe stops at the count that makes a search common. Probing other rows than the
    # page walks misjudged the queue: its newest tickets said nothing of how soon its oldest match.
    first = queryset.values("id") if queryset.ordered else queryset.order_by("-id").values("id")
    enough = PROBE_ROWS // COMMON_ONE_IN
    probe = matching.filter(_AnyOf(F("id"), ArraySubquery(first[:PROBE_ROWS]))).order_by()
    hits = list(probe.values_list("id", flat=True)[:enough])
    if len(hits) >= enough:
        return matching
    if not first[PROBE_ROWS : PROBE_ROWS + 1].exists():
        return queryset.filter(among("id", hits))  # the probe read the whole list: these are all
    return queryset.filter(_AnyOf(F("id"), ArraySubquery(matching.order_by().values("id"))))


def _postgresql_condition(terms: SearchTerms) -> Q:
    # Each alternative is a condition an index answers (GIN on the vector, the customer and primary key
    # indexes through `= ANY(ARRAY(subquery))`, which PostgreSQL evaluates once).
    query = None
    for config in QUERY_CONFIGURATIONS:
        one = SearchQuery(terms.text, config=config, search_type="websearch")
        query = one if query is None else query | one
    found = Q(search_vector=query)
    if terms.name:
        customers = ArraySubquery(Customer.objects.filter(name__icontains=terms.name).order_by().values("id"))
        found |= Q(_AnyOf(F("customer_id"), customers))
    if terms.ticket_ids:
        found |= Q(pk__in=terms.ticket_ids)
    for documented in _documented_tickets(terms.document_numbers) if terms.document_numbers else ():
        found |= Q(_AnyOf(F("id"), ArraySubquery(documented)))
    return found


def tickets_search_plain(queryset: QuerySet[Ticket], terms: SearchTerms) -> QuerySet[Ticket]:
    alternatives = []
    if terms.words:
        every_word = Q()
        for word in terms.words:
            every_word &= (
                Q(subject__icontains=word)
                | Q(description__icontains=word)
                | Q(Exists(Message.objects.filter(ticket=OuterRef("pk"), body__icontains=word)))
            )
        alternatives.append(every_word)
    if terms.name:
        alternatives.append(Q(customer__name__icontains=terms.name))
    if terms.ticket_ids:
        alternatives.append(Q(pk__in=terms.ticket_ids))
    for documented in _documented_tickets(terms.document_numbers) if terms.document_numbers else ():
        alternatives.append(Q(pk__in=documented))
    if not alternatives:
        return queryset.none()
    found = alternatives[0]
    for alternative in alternatives[1:]:
        found |= alternative
    return queryset.filter(found)


class _AnyOf(Lookup):
    """`lhs = ANY(ARRAY(subquery))`: unlike `IN (subquery)` under an OR, an index can answer it."""

    lookup_name = "any_of"  # not registered: built directly

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
