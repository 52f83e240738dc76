"""Demo applications for `seed_calls --demo` (filled in by the applications work)."""


def seed(**kwargs):
    pass
