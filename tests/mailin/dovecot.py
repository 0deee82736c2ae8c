"""A real IMAP server for the tests: Debian's dovecot (dovecot-imapd), started on a free port of the
loopback with its own configuration in a temporary folder, one mailbox user, stopped at the end.

Dovecot runs as the current user; its login processes and mail may not run as root, so when the suite runs
as root (CI) they run as `nobody`.
"""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.processes import stop_process

DOVECOT = "/usr/sbin/dovecot"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    @contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection, logged out at the end whatever happened."""
        imap = self.client()
        try:
            yield imap
        finally:
            imap.logout()

    def deliver(self, *messages: bytes) -> None:
        """Put messages in the INBOX as an MTA would (IMAP APPEND)."""
        with self.session() as imap:
            for raw in messages:
                status, data = imap.append("INBOX", "", None, raw)
                assert status == "OK", data

    def clear(self) -> None:
        """Empty the INBOX (what an earlier test left is not the next one's)."""
        with self.session() as imap:
            imap.select("INBOX")
            _status, data = imap.uid("SEARCH", "ALL")
            if data[0]:
                imap.uid("STORE", b",".join(data[0].split()).decode(), "+FLAGS", r"(\Deleted)")
                imap.expunge()

    def unseen(self) -> int:
        with self.session() as imap:
            imap.select("INBOX")
            _status, data = imap.uid("SEARCH", "UNSEEN")
            return len(data[0].split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_dovecot():
    """(Mailbox, stop) of a fresh dovecot with an empty INBOX."""
    folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
    folder.chmod(0o755)  # the login and mail processes (`nobody` under root) must reach their files
    me = pwd.getpwuid(os.getuid())
    worker = pwd.getpwnam("nobody") if os.getuid() == 0 else me
    for name in ("mail", "home"):
        (folder / name).mkdir()
        if os.getuid() == 0:
            os.chown(folder / name, worker.pw_uid, worker.pw_gid)
    (folder / "users").write_text("desk:{PLAIN}desk-secret\n")
    port = _free_port()
    (folder / "dovecot.conf").write_text(
        f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {worker.pw_name}
default_internal_user = {me.pw_name}
default_internal_group = {grp.getgrgid(os.getgid()).gr_name}
first_valid_uid = {min(worker.pw_uid, me.pw_uid)}
first_valid_gid = 0
mail_location = maildir:{folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = static
  args = uid={worker.pw_uid} gid={worker.pw_gid} home={folder}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603 - our own binary and configuration
        [DOVECOT, "-F", "-c", str(folder / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        stop_process(process)
        shutil.rmtree(folder, ignore_errors=True)

    mailbox = Mailbox("127.0.0.1", port, "desk", "desk-secret")
    deadline = time.monotonic() + 15
    while True:
        try:
            mailbox.client().logout()
            return mailbox, stop
        except (OSError, imaplib.IMAP4.error):
            if time.monotonic() > deadline or process.poll() is not None:
                log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
                stop()
                raise RuntimeError(f"dovecot did not start: {log}") from None
            time.sleep(0.1)
