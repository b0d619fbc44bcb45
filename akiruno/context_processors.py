from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Values every template may use: the city's name and the planning division's code."""
    return {"CITY_NAME": settings.CITY_NAME}
