"""The append-only audit log of consent and access: complete, readable by the customer, tamper-evident (PRIV-03/04)."""

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from consent.models import AppendOnlyError, AuditEntry
from consent.selectors import audit_chain_first_break
from tests.consent.drive import act, ask, audit_log, decide, granted
from tests.workflow import API, client_for, open_incident

pytestmark = pytest.mark.django_db


def test_every_step_is_logged_with_who_what_when_ticket_grant_and_outcome(ticket, customer, agent):
    act(agent, ticket["id"], "read_data")
    denied = ask(agent, ticket["id"])
    decide(customer, denied["id"], "deny")
    grant = granted(customer, agent, ticket["id"], scope="modify_data")
    done = act(agent, ticket["id"], "modify_data").json()
    act(agent, ticket["id"], "suspend_service")
    decide(customer, grant["id"], "revoke")
    lines = audit_log(customer, ticket["id"])[::-1]  # the API lists newest first
    assert [
        (line["event"], line["outcome"], line["actor"], line["actor_role"], line["access_request"])
        for line in lines
    ] == [
        ("intervention", "refused", agent.pk, "agent", None),
        ("access_requested", "done", agent.pk, "agent", denied["id"]),
        ("access_denied", "done", customer.pk, "customer", denied["id"]),
        ("access_requested", "done", agent.pk, "agent", grant["id"]),
        ("access_granted", "done", customer.pk, "customer", grant["id"]),
        ("intervention", "done", agent.pk, "agent", grant["id"]),
        ("intervention", "done", agent.pk, "agent", None),
        ("access_revoked", "done", customer.pk, "customer", grant["id"]),
    ]
    assert lines[5]["intervention"] == done["id"]
    assert {line["ticket"] for line in lines} == {ticket["id"]}
    assert all(line["at"].endswith("+00:00") or line["at"].endswith("Z") for line in lines)
    assert audit_chain_first_break(ticket_id=ticket["id"]) is None


def test_the_customer_reads_its_own_tickets_log_and_staff_read_all(
    ticket, customer, other_customer, agent, admin_user
):
    foreign = open_incident(other_customer)
    act(agent, ticket["id"], "rescue_mode")
    act(agent, foreign["id"], "rescue_mode")
    mine = client_for(customer).get(f"{API}/audit-log/").json()["results"]
    assert [line["ticket"] for line in mine] == [ticket["id"]]
    theirs = client_for(other_customer).get(f"{API}/audit-log/").json()["results"]
    assert [line["ticket"] for line in theirs] == [foreign["id"]]
    for staff in (agent, admin_user):
        every = client_for(staff).get(f"{API}/audit-log/").json()["results"]
        assert [line["ticket"] for line in every] == [foreign["id"], ticket["id"]]


def test_the_log_filters_by_ticket_event_and_outcome(ticket, customer, agent):
    other = open_incident(customer)
    act(agent, ticket["id"], "read_data")
    act(agent, other["id"], "rescue_mode")
    refused = client_for(customer).get(f"{API}/audit-log/", {"outcome": "refused"}).json()["results"]
    assert [(line["ticket"], line["action"]) for line in refused] == [(ticket["id"], "read_data")]
    by_ticket = client_for(customer).get(f"{API}/audit-log/", {"ticket": other["id"]}).json()["results"]
    assert [line["action"] for line in by_ticket] == ["rescue_mode"]


@pytest.mark.parametrize(
    "query",
    [
        {"outcome": "maybe"},
        {"event": "x"},
        {"ticket": "abc"},
        {"ticket": "0"},
        {"ticket": str(10**30)},
        {"action": "delete"},
    ],
)
def test_bad_log_filters_are_a_400(customer, query):
    assert client_for(customer).get(f"{API}/audit-log/", query).status_code == 400


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_customer_and_staff_download_the_log_as_csv(ticket, customer, other_customer, agent):
    grant = granted(customer, agent, ticket["id"])
    act(agent, ticket["id"], "read_data")
    act(agent, open_incident(other_customer)["id"], "rescue_mode")
    rows = csv_rows(client_for(customer).get(f"{API}/tickets/{ticket['id']}/audit-log/csv/"))
    assert [(row["event"], row["access_request"]) for row in rows] == [
        ("access_requested", str(grant["id"])),
        ("access_granted", str(grant["id"])),
        ("intervention", str(grant["id"])),
    ]
    assert len(csv_rows(client_for(customer).get(f"{API}/audit-log/csv/"))) == 3
    assert len(csv_rows(client_for(agent).get(f"{API}/audit-log/csv/"))) == 4
    assert len(csv_rows(client_for(agent).get(f"{API}/audit-log/csv/", HTTP_ACCEPT="text/csv"))) == 4


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(ticket, customer, agent):
    act(agent, ticket["id"], "rescue_mode", description='=HYPERLINK("http://evil.example","click")')
    [row] = csv_rows(client_for(customer).get(f"{API}/audit-log/csv/"))
    assert row["detail"] == '\'=HYPERLINK("http://evil.example","click")'


def test_no_code_path_changes_or_removes_a_line(ticket, agent):
    act(agent, ticket["id"], "rescue_mode")
    entry = AuditEntry.objects.get()
    entry.detail = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="nothing happened")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().detail != "nothing happened"


@pytest.mark.usefixtures("on_postgres")
@pytest.mark.parametrize(
    "sql",
    ["UPDATE diagnostics_auditentry SET detail = 'nothing happened'", "DELETE FROM diagnostics_auditentry"],
)
def test_postgresql_refuses_update_and_delete_of_the_log(ticket, agent, sql):
    act(agent, ticket["id"], "rescue_mode")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.get().detail != "nothing happened"


@pytest.mark.usefixtures("on_postgres")
def test_the_hash_chain_shows_a_line_changed_behind_the_apps_back(ticket, customer, agent):
    granted(customer, agent, ticket["id"])
    act(agent, ticket["id"], "read_data")
    second = AuditEntry.objects.filter(ticket_id=ticket["id"]).order_by("id")[1]
    with connection.cursor() as cursor:
        # A superuser can switch triggers off for a session (the test's transaction rolls it all back):
        # the hash chain is what still tells.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE diagnostics_auditentry SET outcome = 'refused' WHERE id = %s", [second.pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert audit_chain_first_break(ticket_id=ticket["id"]) == second.pk


def test_the_admin_shows_the_log_read_only(client, ticket, admin_user, agent):
    act(agent, ticket["id"], "rescue_mode")
    entry = AuditEntry.objects.get()
    client.force_login(admin_user)
    assert client.get(reverse("admin:consent_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:consent_auditentry_change", args=[entry.pk])).status_code == 200
    assert (
        client.post(reverse("admin:consent_auditentry_change", args=[entry.pk]), {"detail": "x"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:consent_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:consent_auditentry_add")).status_code == 403
    assert AuditEntry.objects.get().detail == entry.detail
