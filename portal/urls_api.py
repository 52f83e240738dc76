"""REST API v1. Each app contributes its routes from its own api.py; every name lives in the
`api` namespace (api:call-list, api:application-detail, …)."""

from applications import api as applications_api
from calls import api as calls_api
from grants import api as grants_api
from reviews import api as reviews_api

app_name = "api"
urlpatterns = [*calls_api.urlpatterns, *applications_api.urlpatterns, *reviews_api.urlpatterns, *grants_api.urlpatterns]
