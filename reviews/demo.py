"""Demo reviews and decisions for `seed_calls --demo` (filled in by the review work)."""


def seed(**kwargs):
    pass
