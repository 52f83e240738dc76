"""Receivers of signals sent by upstream apps."""


def on_demo_seeded(sender, **kwargs):
    # applications/demo.py adds drafts and submissions for the demo organisations.
    from . import demo

    demo.seed(**kwargs)
