"""The passkey ceremony's last step, as django-otp-webauthn serves it, with the session's key renewed."""

from django_otp_webauthn.views import CompleteCredentialAuthenticationView


class PasskeyVerifyCompleteView(CompleteCredentialAuthenticationView):
    """A passkey given at the verify step of a login completes it: the session gets a new key then (SEC-11),
    as after the password and after an app's code (accounts.views), so that a key seen before the login
    names no verified session."""

    def complete_auth(self, device):
        super().complete_auth(device)
        self.request.session.cycle_key()
