// Once django-otp-webauthn's own script has registered a passkey, the security page lists it (and shows the
// recovery codes once if the passkey is the account's first second factor). A file, not inline: the CSP.
// (The library's script replaces its placeholder element, so the address sits on an element of its own.)
document.addEventListener("otp_webauthn.register_complete", function () {
  window.location.assign(document.getElementById("passkey-registered").dataset.next);
});
