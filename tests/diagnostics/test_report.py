"""The diagnosis report (issue 5, item 7): findings, outcome, the fee decision and the rule that made
it, every intervention on the customer's data with its consent basis; sealed like every PDF."""

from datetime import UTC, datetime

import pytest
import time_machine

from diagnostics.documents import diagnosis_report_bytes
from tests.conftest import api_for
from tests.consent.drive import act, granted
from tests.factories import CustomerFactory, UserFactory
from tests.pdf_helpers import CanaryServer, assert_says, assert_sealed, hostile, pdf_one_line
from tests.portals import browser
from tests.workflow import API, client_for, conclude, diagnosed, open_incident, start
from tickets.models import Ticket

OPENED_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def report(user, ticket_id):
    return api_for(user).get(f"{API}/tickets/{ticket_id}/report/")


@pytest.fixture
def diagnosed_with_interventions(customer, agent):
    """Fixed during the diagnosis after reading data under a grant and one emergency suspension."""
    agent.full_name = "Camille Technicienne"
    agent.save()
    customer.full_name = "Paul Client"
    customer.save()
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = open_incident(customer, subject="Site en erreur 500")
        start(agent, ticket["id"])
        grant = granted(customer, agent, ticket["id"], scope="read_data", hours=4)
        assert act(agent, ticket["id"], "read_data", "Lecture du journal nginx").status_code == 201
        assert (
            act(agent, ticket["id"], "suspend_service", "Service suspendu : envoi de spam").status_code == 201
        )
        conclude(agent, ticket["id"], "fixed")
    return ticket, grant


def test_report_states_findings_outcome_fee_rule_and_every_intervention_with_its_basis(
    customer, diagnosed_with_interventions
):
    ticket, grant = diagnosed_with_interventions

    response = report(customer, ticket["id"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="diagnosis-{ticket["id"]}.pdf"'
    assert_says(
        response.content,
        [
            "Rapport de diagnostic",
            f"Ticket #{ticket['id']}",
            "Boulangerie Test",
            "Site en erreur 500",
            "Ouvert le 03/03/2026 10:00",  # 09:00 UTC is 10:00 in Paris
            "RAID degraded",
            "Corrigé pendant le diagnostic",
            "Camille Technicienne",
            "Dus : 20,00 € HT (24,00 € TTC)",
            "Corrigé pendant le diagnostic : les frais sont dus",
            "Lecture de données",
            "Lecture du journal nginx",
            f"Votre accord n° {grant['id']} (Lecture de données), donné le 03/03/2026 10:00 par Paul Client, "
            "valable jusqu'au 03/03/2026 14:00",
            "Suspension du service (urgence)",
            "Service suspendu : envoi de spam",
            "Action d'urgence ne nécessitant pas d'accord préalable",
        ],
    )


@pytest.mark.parametrize(
    ("who", "outcome", "says"),
    [
        pytest.param(
            "other_customer",
            "no_competence",
            lambda ticket: [
                "Diagnosebericht",
                "Nicht behoben; außerhalb unseres Fachgebiets",
                "Nicht berechnet",
                "Außerhalb unseres Fachgebiets: Die Diagnose ist kostenlos",
                "Es fanden keine Eingriffe in Ihre Daten oder Dienste statt.",
            ],
            id="german_report_for_a_waived_fee_names_the_rule",
        ),
        pytest.param(
            "customer",
            "quoted",
            lambda ticket: [
                f"Devis {ticket['quote']['number']} : 227,88 € TTC",
                "Non corrigé, devis proposé : les frais sont dus",
            ],
            id="quoted_report_cites_the_quote",
        ),
    ],
)
def test_report_names_the_fee_rule_of_its_outcome(request, agent, who, outcome, says):
    user = request.getfixturevalue(who)
    ticket = diagnosed(user, agent, outcome)

    assert_says(report(user, ticket["id"]).content, says(ticket))


def test_support_staff_read_the_report_other_customers_and_finance_do_not(
    customer, other_customer, agent, finance
):
    ticket = diagnosed(customer, agent, "fixed")

    assert report(agent, ticket["id"]).status_code == 200
    assert report(other_customer, ticket["id"]).status_code == 404
    assert report(finance, ticket["id"]).status_code == 403


def test_no_report_before_the_diagnosis_is_concluded(customer, agent):
    ticket = open_incident(customer)
    start(agent, ticket["id"])

    response = report(customer, ticket["id"])

    assert response.status_code == 404
    assert response.json()["detail"] == "This ticket has no concluded diagnosis yet."


def test_report_takes_a_bounded_number_of_queries(
    customer, diagnosed_with_interventions, django_assert_max_num_queries
):
    ticket, _grant = diagnosed_with_interventions

    with django_assert_max_num_queries(6):
        assert report(customer, ticket["id"]).status_code == 200


def test_hostile_ticket_findings_and_interventions_reach_nothing(customer, agent):
    with CanaryServer() as canary:
        ticket = open_incident(
            customer, subject=hostile(canary.url, short=True), description=hostile(canary.url)
        )
        start(agent, ticket["id"])
        granted(customer, agent, ticket["id"], scope="modify_data")
        assert act(agent, ticket["id"], "modify_data", hostile(canary.url)).status_code == 201
        response = client_for(agent).post(
            f"{API}/tickets/{ticket['id']}/conclude-diagnosis/",
            {"findings": hostile(canary.url), "outcome": "fixed"},
            format="json",
        )
        assert response.status_code == 200

        content = diagnosis_report_bytes(ticket=Ticket.objects.get(pk=ticket["id"]))

        assert_sealed(content, canary, attachments_allowed=[])


def test_customer_portal_ticket_page_links_the_report(customer, agent):
    ticket = diagnosed(customer, agent, "fixed")
    report_url = f"/customer/tickets/{ticket['id']}/report.pdf"

    page = browser(customer).get(f"/customer/tickets/{ticket['id']}/")
    download = browser(customer).get(report_url)

    assert report_url in page.content.decode()
    assert download["Content-Type"] == "application/pdf"
    assert "Rapport de diagnostic" in pdf_one_line(download.content)
    assert browser(UserFactory(customer=CustomerFactory())).get(report_url).status_code == 404


def test_customer_portal_has_no_report_link_before_the_diagnosis(customer, agent):
    ticket = open_incident(customer)

    page = browser(customer).get(f"/customer/tickets/{ticket['id']}/")

    assert "report.pdf" not in page.content.decode()
    assert browser(customer).get(f"/customer/tickets/{ticket['id']}/report.pdf").status_code == 404
