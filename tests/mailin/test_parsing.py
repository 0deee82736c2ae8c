"""Reading e-mails, hostile ones included: no database."""

from email.message import EmailMessage

from mailin.parsing import TEXT_MAX, clean_subject, html_to_text, message_id_of, parse_email, strip_quoted
from tests.mailin.conftest import mail


def test_a_reply_keeps_only_what_was_written_above_the_quoted_history():
    body = "Thanks, it works again.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@desk.example.com> wrote:\n> Your ticket\n> is open\n"
    assert strip_quoted(body) == "Thanks, it works again."


def test_french_and_german_attributions_end_the_new_text():
    assert strip_quoted("Merci.\nLe lun. 1 déc. 2026 à 10:00, Support <s@d.com> a écrit :\n> x") == "Merci."
    assert strip_quoted("Danke.\nAm 01.12.2026 um 10:00 schrieb Support <s@d.com>:\n> x") == "Danke."


def test_an_attribution_wrapped_over_two_lines_is_found():
    body = "Fine.\nOn Mon, 1 Dec 2026 at 10:00, Support Team <support@desk.example.com>\nwrote:\n> old"
    assert strip_quoted(body) == "Fine."


def test_quoted_lines_between_answers_and_the_signature_are_dropped():
    body = "> question one\nAnswer one.\n> question two\nAnswer two.\n-- \nJane, Boulangerie"
    assert strip_quoted(body) == "Answer one.\nAnswer two."


def test_html_loses_its_scripts_styles_and_markup():
    html = (
        "<html><head><title>t</title><style>p{}</style><script>alert(1)</script></head>"
        "<body><p>Hello&nbsp;<b>desk</b></p><script>document.cookie</script>"
        '<img src=x onerror="alert(2)"><p>Line two</p><blockquote>old mail</blockquote></body></html>'
    )
    text = html_to_text(html)
    assert "alert" not in text and "cookie" not in text and "<" not in text and "old mail" not in text
    assert "Hello desk" in text and "Line two" in text


def test_plain_text_is_preferred_to_html():
    parsed = parse_email(mail(body="plain words", html="<p>html words</p>"))
    assert parsed.body == "plain words"


def test_an_html_only_message_is_read_as_text():
    message = EmailMessage()
    message["From"] = "client@example.fr"
    message["Message-ID"] = "<h@example.fr>"
    message.set_content("<p>Only <script>evil()</script>html</p>", subtype="html")
    parsed = parse_email(bytes(message))
    assert parsed.body == "Only html"


def test_a_display_name_that_looks_like_an_address_is_not_the_sender():
    parsed = parse_email(mail(sender='"client@example.fr" <attacker@evil.example>'))
    assert parsed.sender == "attacker@evil.example"


def test_two_from_addresses_give_no_sender():
    parsed = parse_email(mail(sender="client@example.fr, attacker@evil.example"))
    assert parsed.sender == ""


def test_robots_are_recognised_by_their_headers():
    for headers in (
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Id": "<list.example.org>"},
        {"Return-Path": "<>"},
    ):
        assert parse_email(mail(headers=headers)).automated, headers
    assert not parse_email(mail(headers={"Auto-Submitted": "no"})).automated
    assert parse_email(mail(sender="MAILER-DAEMON@example.fr")).automated


def test_our_own_loop_mark_is_seen():
    assert parse_email(mail(headers={"X-Loop": "incident-desk"})).loop


def test_a_huge_text_part_is_cut_to_the_message_limit():
    parsed = parse_email(mail(body="word " * 200_000))
    assert len(parsed.body) <= TEXT_MAX


def test_a_message_nested_thousands_deep_does_not_raise():
    depth = 5000
    raw = b"From: client@example.fr\r\nMessage-ID: <deep@x>\r\n"
    for level in range(depth):
        raw += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    raw += b"Content-Type: text/plain\r\n\r\nhello\r\n"
    parsed = parse_email(raw)
    assert parsed.message_id == "<deep@x>" and parsed.body == "" and parsed.files == []


def test_garbage_is_read_without_raising():
    for raw in (
        b"",
        b"\x00\xff" * 1000,
        b"From: \r\n\r\n",
        b"Subject: =?bogus?Q?x?=\r\nFrom: <@>\r\n\r\nhi",
        b"From: a\x00b@example.fr\r\n\r\nhi",
    ):
        parsed = parse_email(raw)
        assert parsed.sender == ""


def test_files_are_kept_with_their_names():
    parsed = parse_email(
        mail(
            files=(
                ("log.txt", b"disk error\n", "text/plain"),
                ("shot.png", b"\x89PNG\r\n\x1a\nxx", "image/png"),
            )
        )
    )
    assert [file.name for file in parsed.files] == ["log.txt", "shot.png"]
    assert parsed.body == "Thanks, the disk is back."


def test_a_message_without_message_id_is_keyed_by_its_bytes():
    assert message_id_of(b"abc", None) == message_id_of(b"abc", "")
    assert message_id_of(b"abc", None) != message_id_of(b"abd", None)
    assert message_id_of(b"abc", "x" * 300).startswith("sha256:")


def test_reply_prefixes_and_control_characters_leave_the_subject():
    assert clean_subject("RE: AW: Tr : Server\r\n down\x00") == "Server down"
    assert len(clean_subject("x" * 1000)) == 200
