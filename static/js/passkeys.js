// After django-otp-webauthn registers a passkey, show the page again with it listed (no inline script: CSP).
document.addEventListener("otp_webauthn.register_complete", function () {
  window.location.reload();
});
