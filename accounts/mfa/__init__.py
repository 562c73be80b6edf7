"""
Two-step sign-in (MFA) on Rolegate's own sign-in page, with django-otp.

django-otp marks a Django session as verified by a device (``django_otp.login``) whatever view
checked the password, so our sign-in view, django-axes and the GPT's ``next`` back to
/o/authorize/ stay as they are: :mod:`accounts.mfa.middleware` sends a signed-in but unverified
user to the code (or enrolment) page first. Devices: TOTP (otp_totp), recovery codes
(otp_static), passkeys (django-otp-webauthn).
"""
