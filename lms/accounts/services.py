"""STUB: replaced by the accounts work."""


class AccountError(Exception):
    pass


def set_locale(user, locale):
    user.locale = locale
