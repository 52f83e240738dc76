"""REST API v1. Each app contributes its routes from its own api.py."""


urlpatterns: list = []
