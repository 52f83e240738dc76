"""Receivers of signals sent by upstream apps."""


def on_demo_seeded(sender, **kwargs):
    # reviews/demo.py adds assignments and reviews to the demo submissions, then decisions.
    from . import demo

    demo.seed(**kwargs)
